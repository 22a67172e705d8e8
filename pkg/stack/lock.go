package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// LockFile is the name of the lock file, beside the stack file.
const LockFile = "berth.lock"

// Lock is berth.lock, apiVersion berth.sh/v1alpha1, kind StackLock: for
// each environment and release, the exact chart version and content
// digest that plan and apply use. A chart whose content no longer has the
// pinned digest (re-pushed under the same version) is refused.
type Lock struct {
	APIVersion string `json:"apiVersion" jsonschema:"required" const:"berth.sh/v1alpha1"`
	Kind       string `json:"kind" jsonschema:"required" const:"StackLock"`
	// Stack is the name of the stack the lock is for.
	Stack string `json:"stack" jsonschema:"required" doc:"The stack's metadata.name."`
	// Environments are the pins per environment ("" for a stack without
	// environments), by name.
	Environments map[string]LockedEnvironment `json:"environments" jsonschema:"required" doc:"Pins per environment, by name."`
}

// LockedEnvironment are the pins of one environment.
type LockedEnvironment struct {
	// Releases are the pins by release name.
	Releases map[string]LockedChart `json:"releases" jsonschema:"required" doc:"Pins by release name."`
}

// LockedChart pins one release's chart.
type LockedChart struct {
	// Chart is the chart as the stack names it.
	Chart string `json:"chart" jsonschema:"required" doc:"The chart, as the stack file names it."`
	// Version is the exact version the stack's version resolved to.
	Version string `json:"version" jsonschema:"required" doc:"The exact chart version."`
	// Digest is the archive's sha256, or an OCI chart's manifest digest.
	Digest string `json:"digest" jsonschema:"required" pattern:"^sha256:[0-9a-f]{64}$" doc:"The content digest: sha256 of the archive, or the OCI manifest digest."`
}

// ErrLockStale is matched by errors about a lock that no longer fits the
// stack file or a chart that no longer fits its pin.
var ErrLockStale = errors.New("berth.lock does not match")

// LockPath returns the path of the lock beside stack file path.
func LockPath(stackFile string) string {
	return filepath.Join(filepath.Dir(stackFile), LockFile)
}

// ReadLock reads the lock at path; nil, nil when there is none.
func ReadLock(path string) (*Lock, error) {
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	root, err := parseYAML(path, data)
	if err != nil {
		return nil, err
	}
	var l Lock
	if err := decodeChecked(path, root, "stack-lock-v1alpha1.json", &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// Pin returns the pin of release name in environment env, if any.
func (l *Lock) Pin(env, name string) (LockedChart, bool) {
	if l == nil {
		return LockedChart{}, false
	}
	p, ok := l.Environments[env].Releases[name]
	return p, ok
}

// Set pins release name in environment env.
func (l *Lock) Set(env, name string, p LockedChart) {
	if l.Environments == nil {
		l.Environments = map[string]LockedEnvironment{}
	}
	e := l.Environments[env]
	if e.Releases == nil {
		e.Releases = map[string]LockedChart{}
	}
	e.Releases[name] = p
	l.Environments[env] = e
}

// WriteLock writes l to path atomically, as YAML with sorted keys and a
// header saying what the file is.
func WriteLock(path string, l *Lock) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	body, err := yaml.JSONToYAML(raw)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	header := "# berth.lock: chart versions and digests per environment, written by berth stack lock.\n" +
		"# Commit it next to the stack file; berth stack plan and apply refuse charts that moved.\n"
	return WriteFileAtomic(path, append([]byte(header), body...), 0o644)
}

// WriteFileAtomic writes data to a temporary file beside path and renames
// it over path, so that a reader never sees half a file.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the write error is the one to report
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the chmod error is the one to report
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Releases returns the names pinned in env, sorted.
func (e LockedEnvironment) names() []string {
	names := make([]string, 0, len(e.Releases))
	for n := range e.Releases {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// String lists the pins, for debugging and errors.
func (l *Lock) String() string {
	var b strings.Builder
	for env, e := range l.Environments {
		for _, n := range e.names() {
			p := e.Releases[n]
			fmt.Fprintf(&b, "%s/%s: %s %s %s\n", env, n, p.Chart, p.Version, p.Digest)
		}
	}
	return b.String()
}
