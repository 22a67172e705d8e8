package repo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// File is the repositories file: the chart repositories a user added, in
// Helm's repositories.yaml format, so that a file written by either tool
// reads in the other.
type File struct {
	APIVersion   string    `json:"apiVersion"`
	Generated    time.Time `json:"generated"`
	Repositories []*Entry  `json:"repositories"`
}

// Entry is one repository of the repositories file. The field names are
// Helm's, including its snake_case ones.
type Entry struct {
	Name     string `json:"name"`
	URL      string `json:"url"`
	Username string `json:"username"`
	Password string `json:"password"`
	// CertFile and KeyFile are a PEM client certificate and key; CAFile a
	// PEM bundle of CAs trusted besides the system roots.
	CertFile string `json:"certFile"`
	KeyFile  string `json:"keyFile"`
	CAFile   string `json:"caFile"`
	// InsecureSkipTLSVerify accepts any server certificate.
	InsecureSkipTLSVerify bool `json:"insecure_skip_tls_verify"`
	// PassCredentialsAll sends the credentials to chart URLs on other hosts
	// than the repository's too.
	PassCredentialsAll bool `json:"pass_credentials_all"`
}

// ErrNoRepository reports a repository name absent from the file.
var ErrNoRepository = errors.New("no such repository")

// fileAPIVersion is what Helm writes as the file's apiVersion.
const fileAPIVersion = "v1"

// NewFile returns an empty repositories file.
func NewFile() *File {
	return &File{APIVersion: fileAPIVersion, Generated: time.Now()}
}

// LoadFile reads the repositories file at path. A file that does not exist
// reads as an empty one, so that the first `repo add` needs no set-up.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewFile(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read repositories file: %w", err)
	}
	f := &File{}
	if err := yaml.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("parse repositories file %s: %w", path, err)
	}
	f.Repositories = slices.DeleteFunc(f.Repositories, func(e *Entry) bool { return e == nil })
	return f, nil
}

// Get returns the repository named name, nil when there is none.
func (f *File) Get(name string) *Entry {
	for _, e := range f.Repositories {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// FindURL returns the repository whose URL is url (ignoring a trailing
// slash), nil when there is none.
func (f *File) FindURL(url string) *Entry {
	for _, e := range f.Repositories {
		if SameURL(e.URL, url) {
			return e
		}
	}
	return nil
}

// Set adds e, or replaces the repository of the same name in place.
func (f *File) Set(e *Entry) {
	for i, old := range f.Repositories {
		if old.Name == e.Name {
			f.Repositories[i] = e
			return
		}
	}
	f.Repositories = append(f.Repositories, e)
}

// Remove deletes the repository named name and reports whether it was there.
func (f *File) Remove(name string) bool {
	n := len(f.Repositories)
	f.Repositories = slices.DeleteFunc(f.Repositories, func(e *Entry) bool { return e.Name == name })
	return len(f.Repositories) != n
}

// Write writes the file to path atomically (a temporary file renamed into
// place) with mode 0600, because it holds passwords.
func (f *File) Write(path string) error {
	f.APIVersion = fileAPIVersion
	f.Generated = time.Now()
	data, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode repositories file: %w", err)
	}
	if err := writeAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("write repositories file: %w", err)
	}
	return nil
}

// Update loads the repositories file at path, lets change modify it and
// writes it back, holding a lock on path+".lock" meanwhile so that two
// berth processes changing the file at once do not lose each other's
// change. The file is not written when change fails.
func Update(path string, change func(*File) error) error {
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return fmt.Errorf("lock repositories file: %w", err)
	}
	defer unlock()
	f, err := LoadFile(path)
	if err != nil {
		return err
	}
	if err := change(f); err != nil {
		return err
	}
	return f.Write(path)
}

// ValidateName checks a repository name: it names a cache file and is
// written as "@NAME" in Chart.yaml, so it must not be empty, contain a path
// separator or white space, or start with a dot.
func ValidateName(name string) error {
	switch {
	case name == "":
		return errors.New("repository name is empty")
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("repository name %q contains a slash: choose a name without one", name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("repository name %q starts with a dot: choose another name", name)
	case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return fmt.Errorf("repository name %q contains white space or control characters", name)
	}
	return nil
}

// SameURL reports whether two repository URLs are the same, ignoring a
// trailing slash, as Helm compares them.
func SameURL(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}
