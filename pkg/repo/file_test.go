package repo

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "repositories.yaml")
	f, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile of a missing file: %v", err)
	}
	f.Set(&Entry{Name: "a", URL: "https://a.example.com/charts", Username: "ann", Password: "secret"})
	f.Set(&Entry{Name: "b", URL: "https://b.example.com"})
	f.Set(&Entry{Name: "a", URL: "https://a2.example.com/charts/"})
	if err := f.Write(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"apiVersion: v1", "insecure_skip_tls_verify: false", "pass_credentials_all: false", "caFile: \"\""} {
		if !strings.Contains(string(data), key) {
			t.Errorf("repositories file lacks Helm's %q:\n%s", key, data)
		}
	}
	got, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []*Entry{{Name: "a", URL: "https://a2.example.com/charts/"}, {Name: "b", URL: "https://b.example.com"}}
	if diff := cmp.Diff(want, got.Repositories); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	if e := got.FindURL("https://a2.example.com/charts"); e == nil || e.Name != "a" {
		t.Errorf("FindURL ignoring the trailing slash = %+v", e)
	}
	if !got.Remove("a") || got.Remove("a") || got.Get("a") != nil {
		t.Error("Remove did not remove exactly once")
	}
}

func TestLoadFileHelmFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "repositories.yaml")
	helm := `apiVersion: ""
generated: "0001-01-01T00:00:00Z"
repositories:
- caFile: /ca.pem
  certFile: ""
  insecure_skip_tls_verify: true
  keyFile: ""
  name: stable
  pass_credentials_all: false
  password: pw
  url: https://charts.example.com
  username: me
`
	if err := os.WriteFile(path, []byte(helm), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &Entry{Name: "stable", URL: "https://charts.example.com", Username: "me", Password: "pw", CAFile: "/ca.pem", InsecureSkipTLSVerify: true}
	if diff := cmp.Diff(want, f.Get("stable")); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
}

func TestUpdateConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "repositories.yaml")
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- Update(path, func(f *File) error {
				f.Set(&Entry{Name: "r" + string(rune('a'+i)), URL: "https://example.com"})
				return nil
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Repositories) != n {
		t.Errorf("after %d concurrent updates the file has %d repositories", n, len(f.Repositories))
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{
		"bitnami": true, "my-repo_1.x": true,
		"": false, "a/b": false, `a\b`: false, ".hidden": false, "..": false, "a b": false,
	} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
