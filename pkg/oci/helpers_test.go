package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"testing"
	"time"

	"github.com/berth-sh/berth/internal/testenv/registry"
)

// chartFile is one file of a test chart archive, relative to the chart
// directory.
type chartFile struct {
	name, data string
}

// makeArchive builds a chart archive NAME/... with the given files, every
// entry stamped with mtime.
func makeArchive(t *testing.T, name string, mtime time.Time, files ...chartFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{Name: name + "/" + f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg}
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
	return buf.Bytes()
}

// simpleChart is an archive of chart NAME at VERSION without times.
func simpleChart(t *testing.T, name, version string) []byte {
	t.Helper()
	return makeArchive(t, name, time.Unix(0, 0),
		chartFile{"Chart.yaml", "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n"},
		chartFile{"values.yaml", "replicas: 1\n"},
		chartFile{"templates/cm.yaml", "kind: ConfigMap\n"},
	)
}

func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.RegistryConfig == "" {
		opts.RegistryConfig = t.TempDir() + "/config.json"
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// plainRegistry starts a plain HTTP registry and a client for it.
func plainRegistry(t *testing.T) (*registry.Registry, *Client) {
	t.Helper()
	reg := registry.New(t)
	return reg, newTestClient(t, Options{PlainHTTP: true})
}

func mustPush(t *testing.T, c *Client, archive []byte, dest string) *PushResult {
	t.Helper()
	res, err := c.Push(t.Context(), archive, dest, PushOptions{})
	if err != nil {
		t.Fatalf("Push(%s): %v", dest, err)
	}
	return res
}
