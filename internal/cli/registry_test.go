package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv/registry"
)

// runRegistryCLI runs berth with stdin and args, with the docker config
// and the user cache redirected into temporary directories so that no test
// reads or writes the real ones.
func runRegistryCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(t.Context(), args, IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// isolateRegistryEnv points docker's config and the user cache at temporary
// directories.
func isolateRegistryEnv(t *testing.T) {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

// writeChartArchive writes a small valid chart archive NAME-VERSION.tgz into
// dir and returns its path.
func writeChartArchive(t *testing.T, dir, name, version string) string {
	t.Helper()
	files := []struct{ name, data string }{
		{"Chart.yaml", "apiVersion: v2\nname: " + name + "\nversion: " + version + "\ndescription: test chart\n"},
		{"values.yaml", "replicas: 1\n"},
		{"templates/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"},
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{
			Name: name + "/" + f.name, Mode: 0o644, Size: int64(len(f.data)),
			ModTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Typeflag: tar.TypeReg,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+"-"+version+".tgz")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, stdout, stderr := runRegistryCLI(t, stdin, args...)
	if code != ExitOK {
		t.Fatalf("berth %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func TestPushPullCommands(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t)
	src := t.TempDir()
	archive := writeChartArchive(t, src, "app", "1.2.0+build.3")
	writeChartArchive(t, src, "app", "1.3.0")
	if err := os.WriteFile(archive+".prov", []byte("provenance"), 0o600); err != nil {
		t.Fatal(err)
	}

	var pushed struct{ Ref, Digest, ProvDigest string }
	out := mustRun(t, "", "push", archive, reg.Ref("charts"), "--plain-http", "-o", "json")
	if err := json.Unmarshal([]byte(out), &pushed); err != nil {
		t.Fatalf("push -o json: %v\n%s", err, out)
	}
	if pushed.Ref != reg.Ref("charts/app:1.2.0_build.3") || !strings.HasPrefix(pushed.Digest, "sha256:") || pushed.ProvDigest == "" {
		t.Errorf("push -o json = %+v", pushed)
	}
	out = mustRun(t, "", "push", filepath.Join(src, "app-1.3.0.tgz"), reg.Ref("charts"), "--plain-http")
	if !strings.HasPrefix(out, "Pushed: "+reg.Ref("charts/app:1.3.0")+"\nDigest: sha256:") {
		t.Errorf("push output:\n%s", out)
	}

	dest := t.TempDir()
	out = mustRun(t, "", "pull", reg.Ref("charts/app"), "--version", "~1.2", "-d", dest, "--prov", "--plain-http")
	want := "Pulled: " + reg.Ref("charts/app:1.2.0_build.3") + "\nDigest: " + pushed.Digest + "\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("pull output (-want +got):\n%s", diff)
	}
	assertSameFile(t, archive, filepath.Join(dest, "app-1.2.0+build.3.tgz"))
	assertSameFile(t, archive+".prov", filepath.Join(dest, "app-1.2.0+build.3.tgz.prov"))

	out = mustRun(t, "", "pull", reg.Ref("charts/app@"+pushed.Digest), "-d", dest, "--untar", "--plain-http", "-o", "json")
	var pulled pullOutput
	if err := json.Unmarshal([]byte(out), &pulled); err != nil {
		t.Fatalf("pull -o json: %v\n%s", err, out)
	}
	wantPulled := pullOutput{
		Ref: reg.Ref("charts/app@" + pushed.Digest), Name: "app", Version: "1.2.0+build.3",
		Digest: pushed.Digest, Path: filepath.Join(dest, "app"),
	}
	if diff := cmp.Diff(wantPulled, pulled); diff != "" {
		t.Errorf("pull -o json (-want +got):\n%s", diff)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "app", "Chart.yaml")); err != nil || !strings.Contains(string(b), "version: 1.2.0+build.3") {
		t.Errorf("--untar did not unpack the chart: %q, %v", b, err)
	}

	// Without --version: the highest release.
	mustRun(t, "", "pull", reg.Ref("charts/app"), "-d", dest, "--plain-http")
	if _, err := os.Stat(filepath.Join(dest, "app-1.3.0.tgz")); err != nil {
		t.Errorf("pull without --version did not write the latest release: %v", err)
	}
}

func assertSameFile(t *testing.T, want, got string) {
	t.Helper()
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	g, err := os.ReadFile(got)
	if err != nil {
		t.Fatalf("read pulled file: %v", err)
	}
	if !bytes.Equal(w, g) {
		t.Errorf("%s differs from %s", got, want)
	}
}

func TestRegistryCommandErrors(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t)
	archive := writeChartArchive(t, t.TempDir(), "app", "1.0.0")
	mustRun(t, "", "push", archive, reg.Ref("charts"), "--plain-http")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
	}{
		{
			"push to a non-OCI destination",
			[]string{"push", archive, "ghcr.io/acme"},
			ExitUsage,
			[]string{`push destination "ghcr.io/acme" is not an OCI reference`, "oci://HOST/PATH"},
		},
		{
			"push a missing archive",
			[]string{"push", "nope.tgz", reg.Ref("charts")},
			ExitError,
			[]string{"read chart archive: open nope.tgz"},
		},
		{
			"pull a missing version",
			[]string{"pull", reg.Ref("charts/app"), "--version", "2.0.0", "--plain-http"},
			ExitError,
			[]string{"pull " + reg.Ref("charts/app:2.0.0") + ": not found", "available versions: 1.0.0"},
		},
		{
			"pull over HTTPS from a plain registry",
			[]string{"pull", reg.Ref("charts/app")},
			ExitError,
			[]string{"TLS connection failed", "--plain-http"},
		},
		{"pull a bare name", []string{"pull", "app"}, ExitError, []string{`"app" is not a local path`, "REPO/NAME", "--repo URL"}},
		{
			"login without password",
			[]string{"registry", "login", reg.Host, "-u", "ann"},
			ExitUsage,
			[]string{"no password given", "--password-stdin"},
		},
		{
			"logout when not logged in",
			[]string{"registry", "logout", reg.Host},
			ExitError,
			[]string{"logout from " + reg.Host + ": not found"},
		},
		{
			"login with a path",
			[]string{"registry", "login", reg.Host + "/charts", "-p", "x"},
			ExitError,
			[]string{"without a path"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runRegistryCLI(t, "", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestRegistryLoginLogoutCommands(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t, registry.WithBasicAuth("ann", "s3cret"))
	config := filepath.Join(t.TempDir(), "config.json")
	archive := writeChartArchive(t, t.TempDir(), "app", "1.0.0")
	flags := []string{"--plain-http", "--registry-config", config}

	code, _, stderr := runRegistryCLI(t, "", append([]string{"push", archive, reg.Ref("charts")}, flags...)...)
	if code != ExitError || !strings.Contains(stderr, "unauthorized") || !strings.Contains(stderr, "berth registry login "+reg.Host) {
		t.Errorf("push before login: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runRegistryCLI(t, "wrong\n", append([]string{"registry", "login", reg.Host, "-u", "ann", "--password-stdin"}, flags...)...)
	if code != ExitError || !strings.Contains(stderr, "check the user name and password") {
		t.Errorf("login with a wrong password: exit %d\n%s", code, stderr)
	}

	_, _, stderr = runRegistryCLI(t, "s3cret\n", append([]string{"registry", "login", reg.Host, "-u", "ann", "--password-stdin"}, flags...)...)
	if !strings.Contains(stderr, "Login succeeded: credentials for "+reg.Host+" stored in "+config) {
		t.Errorf("login output:\n%s", stderr)
	}
	mustRun(t, "", append([]string{"push", archive, reg.Ref("charts")}, flags...)...)
	mustRun(t, "", append([]string{"pull", reg.Ref("charts/app:1.0.0"), "-d", t.TempDir()}, flags...)...)

	mustRun(t, "", append([]string{"registry", "logout", reg.Host}, flags...)...)
	code, _, stderr = runRegistryCLI(t, "", append([]string{"pull", reg.Ref("charts/app:1.0.0"), "-d", t.TempDir()}, flags...)...)
	if code != ExitError || !strings.Contains(stderr, "unauthorized") {
		t.Errorf("pull after logout: exit %d\n%s", code, stderr)
	}
}

func TestRegistryCommandsTLS(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t, registry.WithTLS())
	archive := writeChartArchive(t, t.TempDir(), "app", "1.0.0")

	code, _, stderr := runRegistryCLI(t, "", "push", archive, reg.Ref("charts"))
	if code != ExitError || !strings.Contains(stderr, "TLS connection failed") || !strings.Contains(stderr, "--ca-file") {
		t.Errorf("push without the CA: exit %d\n%s", code, stderr)
	}
	mustRun(t, "", "push", archive, reg.Ref("charts"), "--ca-file", reg.CAFile)
	dest := t.TempDir()
	mustRun(t, "", "pull", reg.Ref("charts/app"), "--version", "1.0.0", "-d", dest, "--ca-file", reg.CAFile)
	assertSameFile(t, archive, filepath.Join(dest, "app-1.0.0.tgz"))
}

func TestRegistryCommandsClientCert(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t, registry.WithClientCert())
	archive := writeChartArchive(t, t.TempDir(), "app", "1.0.0")

	code, _, stderr := runRegistryCLI(t, "", "push", archive, reg.Ref("charts"), "--ca-file", reg.CAFile)
	if code != ExitError || !strings.Contains(stderr, "--cert-file") {
		t.Errorf("push without a client certificate: exit %d\n%s", code, stderr)
	}
	mustRun(t, "", "push", archive, reg.Ref("charts"), "--ca-file", reg.CAFile,
		"--cert-file", reg.ClientCertFile, "--key-file", reg.ClientKeyFile)
}
