package oci

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/berth-sh/berth/internal/testenv/registry"
)

func TestPullRoundTrip(t *testing.T) {
	reg, c := plainRegistry(t)
	archives := map[string][]byte{}
	digests := map[string]string{}
	for _, v := range []string{"0.9.0", "1.2.0", "1.2.5", "1.3.0-rc.1", "1.3.0+build.7", "2.0.0-beta.1"} {
		archives[v] = simpleChart(t, "app", v)
		digests[v] = mustPush(t, c, archives[v], reg.Ref("charts")).Digest
	}
	tests := []struct {
		name, ref, version string
		want               string // version pulled
		wantRef            string
	}{
		{"tag", reg.Ref("charts/app:1.2.0"), "", "1.2.0", reg.Ref("charts/app:1.2.0")},
		{"tag with plus", reg.Ref("charts/app:1.3.0+build.7"), "", "1.3.0+build.7", reg.Ref("charts/app:1.3.0_build.7")},
		{"exact version", reg.Ref("charts/app"), "1.2.5", "1.2.5", reg.Ref("charts/app:1.2.5")},
		{"version with plus", reg.Ref("charts/app"), "1.3.0+build.7", "1.3.0+build.7", reg.Ref("charts/app:1.3.0_build.7")},
		{"tilde constraint", reg.Ref("charts/app"), "~1.2", "1.2.5", reg.Ref("charts/app:1.2.5")},
		{"partial version", reg.Ref("charts/app"), "1.2", "1.2.5", reg.Ref("charts/app:1.2.5")},
		{"v prefix", reg.Ref("charts/app"), "v1.2.0", "1.2.0", reg.Ref("charts/app:1.2.0")},
		{"caret constraint", reg.Ref("charts/app"), "^1.0.0", "1.3.0+build.7", reg.Ref("charts/app:1.3.0_build.7")},
		{"range", reg.Ref("charts/app"), ">=0.1.0 <1.2.1", "1.2.0", reg.Ref("charts/app:1.2.0")},
		{"pre-release asked", reg.Ref("charts/app"), ">=2.0.0-0", "2.0.0-beta.1", reg.Ref("charts/app:2.0.0-beta.1")},
		{"latest release", reg.Ref("charts/app"), "", "1.3.0+build.7", reg.Ref("charts/app:1.3.0_build.7")},
		{"digest", reg.Ref("charts/app@" + digests["0.9.0"]), "", "0.9.0", reg.Ref("charts/app@" + digests["0.9.0"])},
		{"digest and matching version", reg.Ref("charts/app@" + digests["1.2.0"]), "1.2.0", "1.2.0", reg.Ref("charts/app@" + digests["1.2.0"])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Pull(t.Context(), tt.ref, tt.version)
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			got := []string{res.Version, res.Name, res.Ref, res.Digest}
			want := []string{tt.want, "app", tt.wantRef, digests[tt.want]}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("version, name, ref, digest (-want +got):\n%s", diff)
			}
			if !bytes.Equal(res.Archive, archives[tt.want]) {
				t.Errorf("pulled archive differs from the one pushed")
			}
		})
	}
}

func TestPullErrors(t *testing.T) {
	reg, c := plainRegistry(t)
	pushed := mustPush(t, c, simpleChart(t, "app", "1.0.0"), reg.Ref("charts"))
	mustPush(t, c, simpleChart(t, "app", "1.1.0"), reg.Ref("charts"))
	other := mustPush(t, c, simpleChart(t, "other", "1.0.0"), reg.Ref("charts"))
	pushImage(t, reg, "images/web", "1.0.0", "application/vnd.oci.image.config.v1+json", ocispec.MediaTypeImageLayerGzip)
	pushIndex(t, reg, "images/multi", "1.0.0")

	tests := []struct {
		name, ref, version string
		kind               error
		wantMsg            []string
	}{
		{
			"missing tag", reg.Ref("charts/app:9.9.9"), "", ErrNotFound,
			[]string{"pull " + reg.Ref("charts/app:9.9.9") + ": not found", "available versions: 1.1.0, 1.0.0"},
		},
		{"missing version", reg.Ref("charts/app"), "3.0.0", ErrNotFound, []string{"available versions: 1.1.0, 1.0.0"}},
		{"no match", reg.Ref("charts/app"), "~2.0", ErrNotFound, []string{"no version matches ~2.0", "available versions: 1.1.0, 1.0.0"}},
		{"missing repository", reg.Ref("charts/nothing:1.0.0"), "", ErrNotFound, []string{"not found"}},
		{
			"digest of another version", reg.Ref("charts/app@" + pushed.Digest), "1.1.0", ErrNotFound,
			[]string{"version 1.1.0 has digest"},
		},
		{"digest of another repository", reg.Ref("charts/app@" + other.Digest), "", ErrNotFound, []string{"not found"}},
		{
			"not a chart", reg.Ref("images/web:1.0.0"), "", ErrNotChart,
			[]string{"not a Helm chart", `config media type is "application/vnd.oci.image.config.v1+json"`},
		},
		{
			"an index", reg.Ref("images/multi:1.0.0"), "", ErrNotChart,
			[]string{"manifest media type is application/vnd.oci.image.index.v1+json"},
		},
		{"tag and version disagree", reg.Ref("charts/app:1.0.0"), "1.1.0", nil, []string{"has tag 1.0.0 but --version is 1.1.0"}},
		{"bad constraint", reg.Ref("charts/app"), "one point two", nil, []string{"neither a version nor a SemVer constraint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Pull(t.Context(), tt.ref, tt.version)
			if err == nil {
				t.Fatal("Pull succeeded")
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %v is not %v", err, tt.kind)
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
		})
	}
}

// pushImage writes an artifact with oras-go directly, the way Helm (or any
// other tool) writes it: config and one layer, tagged.
func pushImage(t *testing.T, reg *registry.Registry, repoPath, tag, configType, layerType string) (config, layer []byte) {
	t.Helper()
	config = []byte(`{"name":"web","version":"1.0.0","apiVersion":"v2"}`)
	return config, pushArtifact(t, reg, repoPath, tag, configType, config, layerType, simpleChart(t, "web", "1.0.0"))
}

func pushArtifact(t *testing.T, reg *registry.Registry, repoPath, tag, configType string, config []byte, layerType string, layer []byte) []byte {
	t.Helper()
	ctx := t.Context()
	repo, err := remote.NewRepository(reg.Host + "/" + repoPath)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	cfgDesc := content.NewDescriptorFromBytes(configType, config)
	layerDesc := content.NewDescriptorFromBytes(layerType, layer)
	for _, b := range []struct {
		d    ocispec.Descriptor
		data []byte
	}{{cfgDesc, config}, {layerDesc, layer}} {
		if err := repo.Blobs().Push(ctx, b.d, bytes.NewReader(b.data)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, Config: cfgDesc, Layers: []ocispec.Descriptor{layerDesc}})
	if err != nil {
		t.Fatal(err)
	}
	mDesc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, m)
	if err := repo.PushReference(ctx, mDesc, bytes.NewReader(m), tag); err != nil {
		t.Fatal(err)
	}
	return layer
}

// pushIndex tags an empty OCI image index, as multi-platform images have.
func pushIndex(t *testing.T, reg *registry.Registry, repoPath, tag string) {
	t.Helper()
	repo, err := remote.NewRepository(reg.Host + "/" + repoPath)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	idx, err := json.Marshal(ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{},
	})
	if err != nil {
		t.Fatal(err)
	}
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageIndex, idx)
	if err := repo.PushReference(t.Context(), desc, bytes.NewReader(idx), tag); err != nil {
		t.Fatal(err)
	}
}

// TestPullHelmArtifact pulls charts written the way Helm writes them, with
// oras-go and no berth code: the "_" tag for "+", and the legacy layer
// media type of early Helm 3.
func TestPullHelmArtifact(t *testing.T) {
	reg, c := plainRegistry(t)
	config := []byte(`{"name":"helmchart","version":"0.1.0+meta","description":"made by helm","apiVersion":"v2"}`)
	current := simpleChart(t, "helmchart", "0.1.0+meta")
	pushArtifact(t, reg, "helm/helmchart", "0.1.0_meta", ConfigMediaType, config, ChartLayerMediaType, current)
	legacyConfig := []byte(`{"name":"old","version":"0.0.1","apiVersion":"v1"}`)
	legacy := simpleChart(t, "old", "0.0.1")
	pushArtifact(t, reg, "helm/old", "0.0.1", ConfigMediaType, legacyConfig, LegacyChartLayerMediaType, legacy)

	for _, version := range []string{"0.1.0+meta", "~0.1", ""} {
		res, err := c.Pull(t.Context(), reg.Ref("helm/helmchart"), version)
		if err != nil {
			t.Fatalf("Pull version %q: %v", version, err)
		}
		if !bytes.Equal(res.Archive, current) || res.Version != "0.1.0+meta" || res.Metadata.Description != "made by helm" {
			t.Errorf("Pull version %q: got version %q description %q", version, res.Version, res.Metadata.Description)
		}
	}
	res, err := c.Pull(t.Context(), reg.Ref("helm/old:0.0.1"), "")
	if err != nil {
		t.Fatalf("Pull legacy: %v", err)
	}
	if !bytes.Equal(res.Archive, legacy) || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "deprecated") {
		t.Errorf("Pull legacy: archive equal %v, warnings %q", bytes.Equal(res.Archive, legacy), res.Warnings)
	}
}

func TestPullUsesCache(t *testing.T) {
	reg, c := plainRegistry(t)
	archive := simpleChart(t, "app", "1.0.0")
	pushed := mustPush(t, c, archive, reg.Ref("charts"))
	cache := NewCache(t.TempDir())
	cached := newTestClient(t, Options{PlainHTTP: true, Cache: cache})
	if _, err := cached.Pull(t.Context(), reg.Ref("charts/app"), "1.0.0"); err != nil {
		t.Fatal(err)
	}
	// A client that cannot reach the registry (HTTPS against a plain HTTP
	// server) still pulls by digest from the cache.
	offline := newTestClient(t, Options{Cache: cache})
	res, err := offline.Pull(t.Context(), reg.Ref("charts/app@"+pushed.Digest), "")
	if err != nil {
		t.Fatalf("Pull by digest from the cache: %v", err)
	}
	if !bytes.Equal(res.Archive, archive) || res.Version != "1.0.0" {
		t.Errorf("cached pull gave version %q, archive equal %v", res.Version, bytes.Equal(res.Archive, archive))
	}
}

func TestTags(t *testing.T) {
	reg, c := plainRegistry(t)
	for _, v := range []string{"1.0.0", "1.10.0", "1.2.0+b.1", "1.2.0-rc.1"} {
		mustPush(t, c, simpleChart(t, "app", v), reg.Ref("charts"))
	}
	pushArtifact(t, reg, "charts/app", "latest", ConfigMediaType, []byte(`{}`), ChartLayerMediaType, []byte("x"))
	got, err := c.Tags(t.Context(), reg.Ref("charts/app"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1.10.0", "1.2.0+b.1", "1.2.0-rc.1", "1.0.0"}, got); diff != "" {
		t.Errorf("Tags (-want +got):\n%s", diff)
	}
}

// TestPullVerifiesDigests serves a chart layer whose bytes were changed
// after the push: the pull must fail rather than return them.
func TestPullVerifiesDigests(t *testing.T) {
	archive := simpleChart(t, "app", "1.0.0")
	inner := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	chartPath := "/blobs/" + digest.FromBytes(archive).String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, chartPath) {
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			body[len(body)-1] ^= 0xff // same size, other content
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ref := "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/charts"
	c := newTestClient(t, Options{PlainHTTP: true})
	mustPush(t, c, archive, ref)

	_, err := c.Pull(t.Context(), ref+"/app:1.0.0", "")
	if err == nil || !strings.Contains(err.Error(), "mismatch") {
		t.Fatalf("pull of a tampered layer: error = %v, want a digest mismatch", err)
	}
}
