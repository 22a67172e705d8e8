package provenance

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

var testMetadata = &chart.Metadata{APIVersion: "v2", Name: "web", Version: "1.2.3", Description: "a web server", AppVersion: "2.0"}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, rsa := range []bool{false, true} {
		name := map[bool]string{false: "ed25519", true: "rsa"}[rsa]
		t.Run(name, func(t *testing.T) {
			key := newKey(t, "Berth Test", "test@berth.sh", keyOptions{rsa: rsa})
			signer, err := keyring(t, "secring.gpg", key.secret).Signer("test@berth.sh", nil)
			if err != nil {
				t.Fatal(err)
			}
			archive := []byte("archive bytes")
			prov, err := signer.Sign("dist/web-1.2.3.tgz", archive, testMetadata)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n", "name: web\n", "\n...\nfiles:\n  web-1.2.3.tgz: sha256:", "-----BEGIN PGP SIGNATURE-----"} {
				if !strings.Contains(string(prov), want) {
					t.Errorf("prov lacks %q:\n%s", want, prov)
				}
			}
			got, err := Verify("web-1.2.3.tgz", archive, prov, keyring(t, "pubring.gpg", key.public))
			if err != nil {
				t.Fatal(err)
			}
			want := &Verification{
				FileName:     "web-1.2.3.tgz",
				Digest:       "sha256:cc9c340301ad4ba5e54aa24b442ff938d1ed84f7f32c4c5a73773c58af37bd1b",
				ChartName:    "web",
				ChartVersion: "1.2.3",
				SignedBy:     []string{"Berth Test <test@berth.sh>"},
				Fingerprint:  signer.Fingerprint(),
				KeyID:        got.KeyID,
				SignedAt:     got.SignedAt,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
			if got.SignedAt.IsZero() || len(got.KeyID) != 16 {
				t.Errorf("SignedAt %v KeyID %q, want a time and 16 hex digits", got.SignedAt, got.KeyID)
			}
		})
	}
}
