package oci

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry/remote"
)

// fetchRaw returns the raw manifest at tag and its media type, read
// straight from the registry with oras-go.
func fetchRaw(t *testing.T, repoRef, reference string) (mediaType string, data []byte) {
	t.Helper()
	repo, err := remote.NewRepository(repoRef)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	desc, rc, err := repo.FetchReference(t.Context(), reference)
	if err != nil {
		t.Fatalf("fetch %s:%s: %v", repoRef, reference, err)
	}
	defer rc.Close()
	data, err = io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return desc.MediaType, data
}

func fetchBlobRaw(t *testing.T, repoRef, dgst string) []byte {
	t.Helper()
	repo, err := remote.NewRepository(repoRef)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	_, rc, err := repo.Blobs().FetchReference(t.Context(), dgst)
	if err != nil {
		t.Fatalf("fetch blob %s: %v", dgst, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPushWritesHelmArtifact(t *testing.T) {
	reg, c := plainRegistry(t)
	chartYAML := `apiVersion: v2
name: app
version: 1.2.3+build.1
appVersion: "2.0"
description: |
  An app
  in two lines
home: https://example.com/app
sources: [https://example.com/src, https://example.com/src2]
keywords: [web]
maintainers:
  - name: Ann
    email: ann@example.com
  - name: Bo
type: application
annotations:
  org.opencontainers.image.title: not-app
  org.opencontainers.image.url: https://override.example.com
  category: Café
`
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	archive := makeArchive(t, "app", mtime, chartFile{"Chart.yaml", chartYAML}, chartFile{"values.yaml", "a: 1\n"})

	res := mustPush(t, c, archive, reg.Ref("charts"))

	// The config is Chart.yaml as Helm marshals chart.Metadata: Helm's field
	// order, white space in strings sanitized to spaces.
	wantConfig := `{"name":"app","home":"https://example.com/app","sources":["https://example.com/src","https://example.com/src2"],` +
		`"version":"1.2.3+build.1","description":"An app in two lines ","keywords":["web"],` +
		`"maintainers":[{"name":"Ann","email":"ann@example.com"},{"name":"Bo"}],"apiVersion":"v2","appVersion":"2.0",` +
		`"annotations":{"category":"Café","org.opencontainers.image.title":"not-app","org.opencontainers.image.url":"https://override.example.com"},` +
		`"type":"application"}`
	cfgDigest := digest.FromString(wantConfig)
	chartDigest := digest.FromBytes(archive)
	wantManifest := `{"schemaVersion":2,` +
		`"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"` + cfgDigest.String() + `","size":` + strconv.Itoa(len(wantConfig)) + `},` +
		`"layers":[{"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"` + chartDigest.String() + `","size":` + strconv.Itoa(len(archive)) + `}],` +
		`"annotations":{"category":"Caf\\u00e9",` +
		`"org.opencontainers.image.authors":"Ann (ann@example.com), Bo",` +
		`"org.opencontainers.image.created":"2024-01-02T03:04:05Z",` +
		`"org.opencontainers.image.description":"An app in two lines ",` +
		`"org.opencontainers.image.source":"https://example.com/src",` +
		`"org.opencontainers.image.title":"app",` +
		`"org.opencontainers.image.url":"https://override.example.com",` +
		`"org.opencontainers.image.version":"1.2.3+build.1"}}`

	mediaType, manifest := fetchRaw(t, reg.Host+"/charts/app", "1.2.3_build.1")
	if mediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("manifest media type = %s, want the OCI image manifest", mediaType)
	}
	if diff := cmp.Diff(wantManifest, string(manifest)); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantConfig, string(fetchBlobRaw(t, reg.Host+"/charts/app", cfgDigest.String()))); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if !bytes.Equal(fetchBlobRaw(t, reg.Host+"/charts/app", chartDigest.String()), archive) {
		t.Errorf("chart layer differs from the archive pushed")
	}
	want := &PushResult{
		Ref: reg.Ref("charts/app:1.2.3_build.1"), Name: "app", Version: "1.2.3+build.1",
		Digest: digest.FromString(wantManifest).String(), Size: int64(len(wantManifest)),
		ConfigDigest: cfgDigest.String(), ChartDigest: chartDigest.String(), ChartSize: int64(len(archive)),
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("push result (-want +got):\n%s", diff)
	}
}

func TestPushIsReproducible(t *testing.T) {
	reg, c := plainRegistry(t)
	archive := simpleChart(t, "app", "0.1.0")
	first := mustPush(t, c, archive, reg.Ref("charts"))
	second := mustPush(t, newTestClient(t, Options{PlainHTTP: true}), archive, reg.Ref("charts"))
	if first.Digest != second.Digest {
		t.Errorf("pushing the same archive twice gave digests %s and %s", first.Digest, second.Digest)
	}
	// Entries stamped at the epoch (reproducible archives) give no created
	// annotation rather than the push time.
	_, manifest := fetchRaw(t, reg.Host+"/charts/app", "0.1.0")
	if strings.Contains(string(manifest), "org.opencontainers.image.created") {
		t.Errorf("manifest of an archive without times has a created annotation: %s", manifest)
	}
}

func TestPushWithProvenance(t *testing.T) {
	reg, c := plainRegistry(t)
	archive := simpleChart(t, "app", "0.1.0")
	prov := []byte("-----BEGIN PGP SIGNED MESSAGE-----\n")
	res, err := c.Push(t.Context(), archive, reg.Ref("charts"), PushOptions{Prov: prov})
	if err != nil {
		t.Fatal(err)
	}
	_, manifest := fetchRaw(t, reg.Host+"/charts/app", "0.1.0")
	// Helm sorts the layers by digest.
	chartAt := strings.Index(string(manifest), digest.FromBytes(archive).String())
	provAt := strings.Index(string(manifest), digest.FromBytes(prov).String())
	if chartAt < 0 || provAt < 0 || (chartAt < provAt) != (digest.FromBytes(archive) < digest.FromBytes(prov)) {
		t.Errorf("layers not sorted by digest: %s", manifest)
	}
	if !strings.Contains(string(manifest), ProvLayerMediaType) {
		t.Errorf("manifest has no provenance layer: %s", manifest)
	}
	pulled, err := c.Pull(t.Context(), reg.Ref("charts/app"), "0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pulled.Prov, prov) || pulled.Digest != res.Digest {
		t.Errorf("pulled prov %q digest %s, want %q %s", pulled.Prov, pulled.Digest, prov, res.Digest)
	}
}

func TestPushRejects(t *testing.T) {
	reg, c := plainRegistry(t)
	tests := []struct {
		name, dest string
		archive    []byte
		wantErr    string
	}{
		{"tag in destination", reg.Ref("charts:1.0.0"), simpleChart(t, "app", "1.0.0"), "destination has a tag or digest"},
		{"not oci", "https://" + reg.Host + "/charts", simpleChart(t, "app", "1.0.0"), "must start with oci://"},
		{"not gzip", reg.Ref("charts"), []byte("not a chart"), "read chart archive"},
		{"no Chart.yaml", reg.Ref("charts"), makeArchive(t, "app", time.Time{}, chartFile{"values.yaml", ""}), "Chart.yaml is missing"},
		{"chart name not a repository name", reg.Ref("charts"), simpleChart(t, "MyApp", "1.0.0"), "rename the chart"},
		{"bad version", reg.Ref("charts"), simpleChart(t, "app", "one"), `Chart.yaml: version: "one" is not a valid semantic version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Push(t.Context(), tt.archive, tt.dest, PushOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Push error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestPushNeverLeavesHalfWrittenTag(t *testing.T) {
	// A registry that fails every blob upload after the first: the push
	// fails half way, and no tag may point at the incomplete artifact.
	var uploads atomic.Int32
	inner := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/") && uploads.Add(1) > 1 {
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"disk full"}]}`, http.StatusInternalServerError)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ref := "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/charts"
	// The 500s are retried (and the upload in new sessions) before the
	// push gives up; short waits keep the test fast.
	c := newTestClient(t, Options{PlainHTTP: true, Retry: fastRetries})

	_, err := c.Push(t.Context(), simpleChart(t, "app", "1.0.0"), ref, PushOptions{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("push error = %v, want the registry's failure", err)
	}
	tags, err := c.Tags(t.Context(), ref+"/app")
	if err == nil && len(tags) > 0 {
		t.Fatalf("tags after a failed push: %v", tags)
	}
}
