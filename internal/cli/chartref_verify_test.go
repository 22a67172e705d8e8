package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/provenance"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

// signingKey generates a key for name and writes its public keyring to
// dir/pubring.gpg; it returns the signer and the keyring's path.
func signingKey(t *testing.T, dir, name string) (*provenance.Signer, string) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.com", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var pub, sec bytes.Buffer
	if err := e.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	if err := e.SerializePrivateWithoutSigning(&sec, nil); err != nil {
		t.Fatal(err)
	}
	pubPath := filepath.Join(dir, name+"-pubring.gpg")
	if err := os.WriteFile(pubPath, pub.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	kr, err := provenance.ParseKeyring(name+"-secring.gpg", sec.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := kr.Signer(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return signer, pubPath
}

// TestVerifyChartSources: --verify checks the provenance of repository,
// local and OCI charts against --keyring before anything is rendered, and
// refuses unsigned, tampered and foreign-signed charts naming the file.
func TestVerifyChartSources(t *testing.T) {
	isolateRepoEnv(t)
	dir := t.TempDir()
	signer, keyring := signingKey(t, dir, "alice")
	_, otherKeyring := signingKey(t, dir, "mallory")

	archivePath := writeChartArchive(t, dir, "web", "1.0.0")
	archive := readFile(t, archivePath)
	c, err := chart.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	prov, err := signer.Sign("web-1.0.0.tgz", archive, c.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archivePath+".prov", prov, 0o600); err != nil {
		t.Fatal(err)
	}
	unsigned := writeChartArchive(t, t.TempDir(), "web", "1.0.0")

	srv := repotest.New(t)
	srv.AddChart(t, archive)
	srv.AddFile("charts/web-1.0.0.tgz.prov", prov)
	other := repotest.New(t)
	other.AddChart(t, archive)
	mustRun(t, "", "repo", "add", "acme", srv.URL)
	mustRun(t, "", "repo", "add", "unsigned", other.URL)

	reg := registry.New(t)
	client, err := oci.NewClient(oci.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Push(t.Context(), archive, reg.Ref("charts"), oci.PushOptions{Prov: prov}); err != nil {
		t.Fatal(err)
	}

	plain := mustRun(t, "", "template", "rel", archivePath)
	for _, args := range [][]string{
		{"template", "rel", "acme/web"},
		{"template", "rel", archivePath},
		{"template", "rel", reg.Ref("charts/web"), "--version", "1.0.0", "--plain-http"},
		{"template", "rel", "web", "--repo", srv.URL},
	} {
		got := mustRun(t, "", append(args, "--verify", "--keyring", keyring)...)
		if got != plain {
			t.Errorf("berth %s --verify printed another chart", strings.Join(args, " "))
		}
	}
	out := mustRun(t, "", "pull", "acme/web", "--verify", "--keyring", keyring, "-d", t.TempDir(), "-o", "json")
	if !strings.Contains(out, `"signer": "alice <alice@example.com>"`) {
		t.Errorf("pull --verify does not report the signer:\n%s", out)
	}

	refused := []struct {
		name string
		args []string
		want []string
	}{
		{
			"unsigned repository chart",
			[]string{"template", "rel", "unsigned/web", "--verify", "--keyring", keyring},
			[]string{"web-1.0.0.tgz.prov", "not signed"},
		},
		{
			"unsigned archive",
			[]string{"template", "rel", unsigned, "--verify", "--keyring", keyring},
			[]string{unsigned + ".prov"},
		},
		{
			"another signer",
			[]string{"template", "rel", "acme/web", "--verify", "--keyring", otherKeyring},
			[]string{"acme/web", "web-1.0.0.tgz"},
		},
		{
			"a directory",
			[]string{"template", "rel", "testdata/template/web", "--verify", "--keyring", keyring},
			[]string{"cannot be verified"},
		},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runRegistryCLI(t, "", tt.args...)
			if code != ExitError || stdout != "" {
				t.Errorf("exit %d, stdout %q; want a refusal", code, stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
		})
	}

	// A tampered archive: the repository serves other bytes under the
	// digest its (re-generated) index gives, signed for the original.
	evil := repotest.New(t)
	evil.AddChart(t, repotest.Archive(t, "web", "1.0.0"))
	evil.AddFile("charts/web-1.0.0.tgz.prov", prov)
	mustRun(t, "", "repo", "add", "evil", evil.URL)
	code, _, stderr := runRegistryCLI(t, "", "install", "rel", "evil/web", "--verify", "--keyring", keyring, "--dry-run")
	if code != ExitError || !strings.Contains(stderr, "web-1.0.0.tgz") {
		t.Errorf("tampered archive: exit %d\n%s", code, stderr)
	}
}
