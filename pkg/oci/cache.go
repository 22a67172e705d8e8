package oci

import (
	_ "crypto/sha256" // digests of cached content
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
)

// Cache is a local content-addressed store of pulled manifests and blobs,
// kept under DIR/blobs/ALGORITHM/HEX. Entries are written atomically and
// verified against their digest when read, so a damaged entry is dropped
// and fetched again. Because entries are named by digest they never go
// stale; tags are always resolved against the registry.
type Cache struct {
	dir string
}

// NewCache returns a cache rooted at dir, created on first write.
func NewCache(dir string) *Cache { return &Cache{dir: dir} }

// DefaultCacheDir is berth's OCI cache directory: $XDG_CACHE_HOME/berth/oci
// or the platform's equivalent (os.UserCacheDir).
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache directory: %w", err)
	}
	return filepath.Join(dir, "berth", "oci"), nil
}

// Dir returns the cache's root directory.
func (c *Cache) Dir() string { return c.dir }

func (c *Cache) path(d digest.Digest) string {
	return filepath.Join(c.dir, "blobs", d.Algorithm().String(), d.Encoded())
}

// Get returns the content with digest dgst, and whether the cache has it.
func (c *Cache) Get(dgst string) ([]byte, bool) {
	d, err := digest.Parse(dgst)
	if err != nil {
		return nil, false
	}
	data, err := os.ReadFile(c.path(d))
	if err != nil {
		return nil, false
	}
	if d.Algorithm().FromBytes(data) != d {
		_ = os.Remove(c.path(d)) // damaged: drop it so it is fetched again
		return nil, false
	}
	return data, true
}

// Put stores data under dgst, which must be its digest.
func (c *Cache) Put(dgst string, data []byte) error {
	d, err := digest.Parse(dgst)
	if err != nil {
		return fmt.Errorf("cache %q: %w", dgst, err)
	}
	if !d.Algorithm().Available() || d.Algorithm().FromBytes(data) != d {
		return fmt.Errorf("cache %s: content does not match the digest", dgst)
	}
	p := c.path(d)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cache %s: %w", dgst, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("cache %s: %w", dgst, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("cache %s: %w", dgst, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("cache %s: %w", dgst, err)
	}
	return nil
}

// cacheGet returns the cached content of dgst, if the client has a cache and
// it holds dgst.
func (c *Client) cacheGet(dgst string) ([]byte, bool) {
	if c.opts.Cache == nil || dgst == "" {
		return nil, false
	}
	return c.opts.Cache.Get(dgst)
}

// cachePut adds verified content to the cache. The cache only saves
// downloads, so failing to write it is not an error of the pull.
func (c *Client) cachePut(dgst string, data []byte) {
	if c.opts.Cache != nil {
		_ = c.opts.Cache.Put(dgst, data)
	}
}
