package chart

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// LockDigest returns the digest Helm writes into Chart.lock: the SHA-256 of
// the JSON array [req, locked], where req are the dependencies as declared
// (with "@name" repositories already replaced by their URLs) and locked the
// resolved ones. `dependency build` recomputes it to tell whether the lock
// still matches Chart.yaml. Dependency's JSON form is Helm's field for
// field, so the digests agree with Helm's.
func LockDigest(req, locked []*Dependency) (string, error) {
	data, err := json.Marshal([2][]*Dependency{req, locked})
	if err != nil {
		return "", fmt.Errorf("digest dependencies: %w", err)
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// LegacyLockDigest returns the digest Helm 2 wrote into requirements.lock:
// the SHA-256 of {"dependencies": req}. Helm 3 accepts it for apiVersion v1
// charts, and so does berth.
func LegacyLockDigest(req []*Dependency) (string, error) {
	data, err := json.Marshal(map[string][]*Dependency{"dependencies": req})
	if err != nil {
		return "", fmt.Errorf("digest dependencies: %w", err)
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// LockfileNameFor returns the lock file of a chart of that apiVersion:
// requirements.lock for v1, Chart.lock otherwise.
func LockfileNameFor(apiVersion string) string {
	if apiVersion == APIVersionV1 {
		return RequirementsLockName
	}
	return LockfileName
}

// WriteLock writes lock into the chart directory dir as Chart.lock (or
// requirements.lock for apiVersion v1), in Helm's YAML form, atomically. Like
// Helm it refuses to write through a symbolic link.
func WriteLock(dir, apiVersion string, lock *Lock) error {
	name := LockfileNameFor(apiVersion)
	dest := filepath.Join(dir, name)
	if fi, err := os.Lstat(dest); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("write %s: it is a symbolic link; replace it with a regular file", dest)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", dest, err)
	}
	data, err := yaml.Marshal(lock)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", dest, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("write %s: %w", dest, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { //nolint:gosec // a lock file is meant to be read
		return fmt.Errorf("write %s: %w", dest, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("write %s: %w", dest, err)
	}
	return nil
}
