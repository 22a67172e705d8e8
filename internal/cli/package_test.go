package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func TestPackage(t *testing.T) {
	dest := t.TempDir()
	code, stdout, stderr := run(t, "package", "testdata/show/shop", "-d", dest)
	if code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	path := filepath.Join(dest, "shop-1.0.0.tgz")
	if diff := cmp.Diff(path+"\n", stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chart.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Dependencies()); got != 1 {
		t.Errorf("packed chart has %d subcharts, want db", got)
	}

	// Packing again replaces the archive with the same bytes.
	if code, _, stderr := run(t, "package", "testdata/show/shop", "-d", dest); code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("packing the same chart twice gave different archives")
	}
}

func TestPackageOverridesAndJSON(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "dist")
	code, stdout, stderr := run(t, "package", "testdata/show/shop", "-d", dest,
		"--version", "1.1.0-rc.1", "--app-version", "3.2", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	var got packageResult
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("-o json: %v\n%s", err, stdout)
	}
	want := packageResult{Path: filepath.Join(dest, "shop-1.1.0-rc.1.tgz"), Name: "shop", Version: "1.1.0-rc.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-o json (-want +got):\n%s", diff)
	}
	c, err := chart.Load(want.Path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Version != "1.1.0-rc.1" || c.Metadata.AppVersion != "3.2" {
		t.Errorf("packed version %q appVersion %q, want the flags' values", c.Metadata.Version, c.Metadata.AppVersion)
	}
	onDisk, err := chart.Load("testdata/show/shop")
	if err != nil {
		t.Fatal(err)
	}
	if onDisk.Metadata.Version != "1.0.0" {
		t.Errorf("package changed Chart.yaml on disk: version %q", onDisk.Metadata.Version)
	}
}

func TestPackageErrors(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "x.tgz")
	if err := os.WriteFile(archive, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no chart", []string{"package"}, ExitUsage, `"berth package" needs CHART`},
		{
			"bad version",
			[]string{"package", "testdata/show/shop", "--version", "one"},
			ExitUsage,
			`invalid --version "one"`,
		},
		{"archive", []string{"package", archive}, ExitUsage, "only chart directories can be packaged"},
		{"missing", []string{"package", "testdata/nope"}, ExitError, "package chart: stat testdata/nope"},
		{
			"dependency not vendored",
			[]string{"package", "testdata/package/needs-dep", "-d", t.TempDir()},
			ExitError,
			`package chart "needs-dep": found in Chart.yaml, but missing in charts/ directory: redis`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on error", stdout)
			}
		})
	}
}

func TestPackageSign(t *testing.T) {
	keyDir := t.TempDir()
	keys := writeKeyrings(t, keyDir, "s3cret")
	passFile := filepath.Join(keyDir, "pass")
	if err := os.WriteFile(passFile, []byte("s3cret\nnot this line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"passphrase file", "", []string{"--passphrase-file", passFile}},
		{"passphrase on stdin", "s3cret\r\n", []string{"--passphrase-file", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := t.TempDir()
			args := append([]string{"package", "testdata/show/shop", "-d", dest, "--sign", "--key", "Berth Test", "--keyring", keys.secret, "-o", "json"}, tt.args...)
			code, stdout, stderr := runStdin(t, tt.stdin, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got packageResult
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("-o json: %v\n%s", err, stdout)
			}
			path := filepath.Join(dest, "shop-1.0.0.tgz")
			want := packageResult{Path: path, Name: "shop", Version: "1.0.0", Prov: path + ".prov", SignedBy: "Berth Test <test@berth.sh>", Fingerprint: got.Fingerprint}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("-o json (-want +got):\n%s", diff)
			}
			if code, _, stderr := run(t, "verify", path, "--keyring", keys.public); code != ExitOK {
				t.Errorf("verify the signed archive: exit %d: %s", code, stderr)
			}
			// The signed archive is the one berth package writes unsigned.
			plain := t.TempDir()
			if code, _, stderr := run(t, "package", "testdata/show/shop", "-d", plain); code != ExitOK {
				t.Fatalf("package: exit %d: %s", code, stderr)
			}
			signed, _ := os.ReadFile(path)
			unsigned, _ := os.ReadFile(filepath.Join(plain, "shop-1.0.0.tgz"))
			if !bytes.Equal(signed, unsigned) {
				t.Error("--sign changed the archive")
			}
			entries, _ := os.ReadDir(dest)
			if len(entries) != 2 {
				t.Errorf("destination holds %d files, want the archive and its .prov", len(entries))
			}
		})
	}
}

// TestPackageSignFailuresWriteNothing: when the key cannot sign, neither
// the archive nor a .prov is written.
func TestPackageSignFailuresWriteNothing(t *testing.T) {
	keyDir := t.TempDir()
	keys := writeKeyrings(t, keyDir, "s3cret")
	write := func(name, content string) string {
		path := filepath.Join(keyDir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	wrong, empty := write("wrong", "nope\n"), write("empty", "")
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"wrong passphrase", []string{"--key", "test@berth.sh", "--keyring", keys.secret, "--passphrase-file", wrong}, ExitError, []string{"wrong passphrase", keys.secret, "Berth Test <test@berth.sh>"}},
		{"no passphrase", []string{"--key", "test@berth.sh", "--keyring", keys.secret}, ExitError, []string{"passphrase required", "--passphrase-file"}},
		{"empty passphrase file", []string{"--key", "test@berth.sh", "--keyring", keys.secret, "--passphrase-file", empty}, ExitError, []string{empty, "empty"}},
		{"missing passphrase file", []string{"--key", "test@berth.sh", "--keyring", keys.secret, "--passphrase-file", empty + ".none"}, ExitError, []string{"--passphrase-file", "no such file"}},
		{"public keyring", []string{"--key", "test@berth.sh", "--keyring", keys.public}, ExitError, []string{"no secret key", keys.public, "gpg --export-secret-keys"}},
		{"unknown key", []string{"--key", "nobody@berth.sh", "--keyring", keys.secret}, ExitError, []string{"key not found", `"nobody@berth.sh"`, "Berth Test <test@berth.sh>"}},
		{"missing keyring", []string{"--key", "test@berth.sh", "--keyring", keys.secret + ".none"}, ExitError, []string{"secring.gpg.none", "no such file"}},
		{"no key", []string{"--keyring", keys.secret}, ExitUsage, []string{"--sign needs --key", "Usage: berth package"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := t.TempDir()
			code, stdout, stderr := run(t, append([]string{"package", "testdata/show/shop", "-d", dest, "--sign"}, tt.args...)...)
			if code != tt.code || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, stdout, tt.code)
			}
			for _, w := range tt.wants {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if entries, _ := os.ReadDir(dest); len(entries) != 0 {
				t.Errorf("a failed --sign left %d files in the destination", len(entries))
			}
		})
	}
}

// TestPackageWarnsOfStaleProv: packing unsigned over an archive whose .prov
// signs other content warns, and leaves the .prov alone.
func TestPackageWarnsOfStaleProv(t *testing.T) {
	keys := writeKeyrings(t, t.TempDir(), "")
	dest := t.TempDir()
	code, _, stderr := run(t, "package", "testdata/show/shop", "-d", dest, "--sign", "--key", "test@berth.sh", "--keyring", keys.secret)
	if code != ExitOK {
		t.Fatalf("package --sign: exit %d: %s", code, stderr)
	}
	// The same chart packs to the same archive: the .prov still signs it.
	if code, _, stderr := run(t, "package", "testdata/show/shop", "-d", dest); code != ExitOK || stderr != "" {
		t.Errorf("repacking the same chart: exit %d, stderr %q; want no warning", code, stderr)
	}
	code, _, stderr = run(t, "package", "testdata/show/shop", "-d", dest, "--app-version", "9.9")
	prov := filepath.Join(dest, "shop-1.0.0.tgz.prov")
	if code != ExitOK || !strings.Contains(stderr, "Warning: "+prov+" does not sign") {
		t.Errorf("repacking changed content: exit %d, want a warning about %s: %s", code, prov, stderr)
	}
	if _, err := os.Stat(prov); err != nil {
		t.Errorf("the .prov was removed: %v", err)
	}
}
