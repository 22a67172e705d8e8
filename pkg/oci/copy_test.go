package oci

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"

	"github.com/berth-sh/berth/internal/testenv/registry"
)

// signedChart pushes app 1.0.0 to reg with a referrer (and a referrer of
// that referrer) and a cosign legacy .sig tag, and returns the push result.
func signedChart(t *testing.T, c *Client, reg *registry.Registry) (*PushResult, []ocispec.Descriptor) {
	t.Helper()
	pushed := mustPush(t, c, simpleChart(t, "app", "1.0.0"), reg.Ref("charts"))
	subject, err := ParseReference(pushed.Ref)
	if err != nil {
		t.Fatal(err)
	}
	subject = subject.WithDigest(pushed.Digest)
	sig, err := c.Attach(t.Context(), subject, Artifact{
		ArtifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		Layers:       []Blob{{MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", Data: []byte(`{"bundle":1}`)}},
		Annotations:  map[string]string{"dev.sigstore.bundle.content": "dsse-envelope"},
	})
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	sbomOfSig, err := c.Attach(t.Context(), subject.WithDigest(sig.Digest.String()), Artifact{
		ArtifactType: "application/spdx+json",
		Layers:       []Blob{{MediaType: "application/spdx+json", Data: []byte(`{"spdx":1}`)}},
	})
	if err != nil {
		t.Fatalf("Attach to the referrer: %v", err)
	}
	// A cosign legacy signature: any manifest tagged sha256-HEX.sig.
	repo := c.repository(subject)
	legacy, err := oras.PackManifest(t.Context(), repo, oras.PackManifestVersion1_1, "application/vnd.dev.cosign.simplesigning.v1+json",
		oras.PackManifestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Tag(t.Context(), legacy, LegacyTag(pushed.Digest, "sig")); err != nil {
		t.Fatal(err)
	}
	return pushed, []ocispec.Descriptor{sig, sbomOfSig}
}

func TestCopyKeepsDigestReferrersAndLegacyTags(t *testing.T) {
	regA, c := plainRegistry(t)
	regB := registry.New(t)
	pushed, refs := signedChart(t, c, regA)

	res, err := c.Copy(t.Context(), pushed.Ref, regB.Ref("mirror/app"))
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if res.Digest != pushed.Digest {
		t.Errorf("digest = %s, want the source's %s", res.Digest, pushed.Digest)
	}
	wantDst := regB.Ref("mirror/app") + ":1.0.0@" + pushed.Digest
	if res.Destination != wantDst {
		t.Errorf("destination = %s, want %s", res.Destination, wantDst)
	}
	if diff := cmp.Diff([]string{LegacyTag(pushed.Digest, "sig")}, res.LegacyTags); diff != "" {
		t.Errorf("legacy tags (-want +got):\n%s", diff)
	}
	// The copy pulls by tag, with the same digest and chart.
	got, err := c.Pull(t.Context(), regB.Ref("mirror/app:1.0.0"), "")
	if err != nil {
		t.Fatalf("pull the copy: %v", err)
	}
	if got.Digest != pushed.Digest {
		t.Errorf("pulled digest = %s, want %s", got.Digest, pushed.Digest)
	}
	dst, _ := ParseReference(regB.Ref("mirror/app@" + pushed.Digest))
	direct, err := c.Referrers(t.Context(), dst, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) != 1 || direct[0].Digest != refs[0].Digest {
		t.Errorf("referrers of the copy = %v, want the signature %s", direct, refs[0].Digest)
	}
	nested, err := c.Referrers(t.Context(), dst.WithDigest(refs[0].Digest.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(nested) != 1 || nested[0].Digest != refs[1].Digest {
		t.Errorf("referrers of the copied signature = %v, want %s", nested, refs[1].Digest)
	}
	if _, err := c.Resolve(t.Context(), dst.WithTag(LegacyTag(pushed.Digest, "sig"))); err != nil {
		t.Errorf("legacy signature tag not copied: %v", err)
	}
}

func TestCopyByDigestWritesNoTag(t *testing.T) {
	regA, c := plainRegistry(t)
	regB := registry.New(t)
	pushed, _ := signedChart(t, c, regA)
	src, _ := ParseReference(pushed.Ref)

	res, err := c.Copy(t.Context(), src.WithDigest(pushed.Digest).String(), regB.Ref("mirror/app"))
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if want := regB.Ref("mirror/app@" + pushed.Digest); res.Destination != want {
		t.Errorf("destination = %s, want %s", res.Destination, want)
	}
	tags, err := c.Tags(t.Context(), regB.Ref("mirror/app"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 0 {
		t.Errorf("tags after a copy by digest = %v, want none", tags)
	}
}

func TestCopyRefuses(t *testing.T) {
	reg, c := plainRegistry(t)
	other := "sha256:" + string(bytes.Repeat([]byte("a"), 64))
	for _, tc := range []struct{ name, src, dst string }{
		{"no tag or digest", reg.Ref("charts/app"), reg.Ref("mirror/app")},
		{"another digest", reg.Ref("charts/app@sha256:" + string(bytes.Repeat([]byte("b"), 64))), reg.Ref("mirror/app@" + other)},
		{"not oci", "charts/app:1.0.0", reg.Ref("mirror/app")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Copy(t.Context(), tc.src, tc.dst); err == nil {
				t.Fatal("Copy succeeded")
			}
		})
	}
	_, err := c.Copy(t.Context(), reg.Ref("charts/missing:1.0.0"), reg.Ref("mirror/app"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("copy of a missing tag: %v, want ErrNotFound", err)
	}
}

// TestCopyAgainAddsNewReferrers copies a chart signed again since its
// first copy: the second copy skips what is there and adds the signature.
func TestCopyAgainAddsNewReferrers(t *testing.T) {
	regA, c := plainRegistry(t)
	regB := registry.New(t)
	pushed, refs := signedChart(t, c, regA)
	src, _ := ParseReference(pushed.Ref)
	if _, err := c.Copy(t.Context(), src.WithDigest(pushed.Digest).String(), regB.Ref("mirror/app")); err != nil {
		t.Fatal(err)
	}
	sig2, err := c.Attach(t.Context(), src.WithDigest(pushed.Digest), Artifact{
		ArtifactType: "application/vnd.example.sig",
		Layers:       []Blob{{MediaType: "application/vnd.example.sig", Data: []byte("second")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Copy(t.Context(), pushed.Ref, regB.Ref("mirror/app"))
	if err != nil {
		t.Fatalf("second copy: %v", err)
	}
	var got []string
	for _, r := range res.Referrers {
		got = append(got, r.Digest)
	}
	want := []string{refs[0].Digest.String(), sig2.Digest.String()}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("referrers (-want +got):\n%s", diff)
	}
	dst, _ := ParseReference(regB.Ref("mirror/app@" + pushed.Digest))
	listed, err := c.Referrers(t.Context(), dst, "application/vnd.example.sig")
	if err != nil || len(listed) != 1 {
		t.Fatalf("the second signature is not listed in the copy: %v %v", listed, err)
	}
	blob, err := content.FetchAll(t.Context(), c.repository(dst), listed[0])
	if err != nil || len(blob) == 0 {
		t.Fatalf("fetch the copied signature: %v", err)
	}
}
