package signing

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/oci"
)

// testKey is a cosign key pair written to files.
type testKey struct {
	key               *Key
	privFile, pubFile string
}

// newTestKey generates a key pair encrypted with passphrase "pw" and
// writes cosign.key and cosign.pub into a directory of its own.
func newTestKey(t *testing.T) testKey {
	t.Helper()
	priv, pub, err := GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tk := testKey{privFile: filepath.Join(dir, "cosign.key"), pubFile: filepath.Join(dir, "cosign.pub")}
	for path, data := range map[string][]byte{tk.privFile: priv, tk.pubFile: pub} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tk.key, err = LoadKeyFile(tk.privFile, func() ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatalf("load the generated key: %v", err)
	}
	return tk
}

// chartArchive is a minimal chart archive of NAME at VERSION.
func chartArchive(t *testing.T, name, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for file, data := range map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n",
		"templates/cm.yaml": "kind: ConfigMap\n",
	} {
		hdr := &tar.Header{Name: name + "/" + file, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pushedChart starts a registry, pushes app VERSION and returns the
// client and the chart's reference by digest.
func pushedChart(t *testing.T, version string) (*oci.Client, *registry.Registry, oci.Reference) {
	t.Helper()
	reg := registry.New(t)
	client, err := oci.NewClient(oci.Options{PlainHTTP: true, RegistryConfig: filepath.Join(t.TempDir(), "config.json")})
	if err != nil {
		t.Fatal(err)
	}
	return client, reg, pushTo(t, client, reg, version)
}

func pushTo(t *testing.T, client *oci.Client, reg *registry.Registry, version string) oci.Reference {
	t.Helper()
	res, err := client.Push(t.Context(), chartArchive(t, "app", version), reg.Ref("charts"), oci.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := oci.ParseReference(res.Ref)
	if err != nil {
		t.Fatal(err)
	}
	return ref.WithDigest(res.Digest)
}

// writePolicy writes a policy file into dir and loads it.
func writePolicy(t *testing.T, dir, text string) *Policy {
	t.Helper()
	path := filepath.Join(dir, "trust-policy.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPolicy(path)
	if err != nil {
		t.Fatalf("LoadPolicy: %v", err)
	}
	return p
}

// signBundleWithPredicate returns a bundle of an in-toto statement of
// predicateType about dgst, signed by k.
func signBundleWithPredicate(t *testing.T, k testKey, dgst, predicateType string) []byte {
	t.Helper()
	_, hexDigest, _ := strings.Cut(dgst, ":")
	payload, err := json.Marshal(statement{
		Type: inTotoStatementType, Subject: []statementSubject{{Digest: map[string]string{"sha256": hexDigest}}},
		PredicateType: predicateType, Predicate: map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: InTotoPayloadType}, k.key, sign.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := marshalBundle(pb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// attachLegacy tags a cosign legacy signature of payloadDigest, signed by
// k, as sha256-HEX.sig of ref's digest, as cosign sign
// --new-bundle-format=false writes it.
func attachLegacy(t *testing.T, client *oci.Client, ref oci.Reference, k testKey, payloadDigest string) {
	t.Helper()
	payload := []byte(fmt.Sprintf(`{"critical":{"identity":{"docker-reference":"%s/%s"},"image":{"docker-manifest-digest":"%s"},`+
		`"type":"cosign container image signature"},"optional":null}`, ref.Registry, ref.Repository, payloadDigest))
	sig, _, err := k.key.SignData(t.Context(), payload)
	if err != nil {
		t.Fatal(err)
	}
	repo := client.RemoteRepository(ref)
	layer := content.NewDescriptorFromBytes(SimpleSigningMediaType, payload)
	layer.Annotations = map[string]string{annotationLegacySignature: base64.StdEncoding.EncodeToString(sig)}
	if err := repo.Push(t.Context(), layer, bytes.NewReader(payload)); err != nil {
		t.Fatal(err)
	}
	desc, err := oras.PackManifest(t.Context(), repo, oras.PackManifestVersion1_1, SimpleSigningMediaType, oras.PackManifestOptions{
		Layers: []ocispec.Descriptor{layer},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Tag(t.Context(), desc, oci.LegacyTag(ref.Digest, "sig")); err != nil {
		t.Fatal(err)
	}
}
