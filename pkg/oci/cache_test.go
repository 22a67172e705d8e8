package oci

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestCache(t *testing.T) {
	c := NewCache(t.TempDir())
	data := []byte("chart bytes")
	d := digest.FromBytes(data).String()
	if _, ok := c.Get(d); ok {
		t.Fatal("empty cache has an entry")
	}
	if err := c.Put(d, data); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(d)
	if !ok || string(got) != string(data) {
		t.Fatalf("Get = %q, %v", got, ok)
	}
	if err := c.Put(d, []byte("other bytes")); err == nil || !strings.Contains(err.Error(), "does not match the digest") {
		t.Errorf("Put with a wrong digest: error = %v", err)
	}
	// A damaged entry is dropped.
	p := filepath.Join(c.Dir(), "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
	if err := os.WriteFile(p, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(d); ok {
		t.Error("Get returned a damaged entry")
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("damaged entry not removed: %v", err)
	}
}
