package repo

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testIndex = `apiVersion: v1
generated: "2026-01-01T00:00:00Z"
entries:
  app:
  - name: app
    version: 1.2.0
    urls: [charts/app-1.2.0.tgz]
    digest: abc
  - name: app
    version: 2.0.0-rc.1
    urls: [charts/app-2.0.0-rc.1.tgz]
  - name: app
    version: 1.10.1
    urls: [https://cdn.example.com/app-1.10.1.tgz]
  - name: app
    version: 1.11.0
    urls: []
  - null
  - name: app
    version: not-semver
    urls: [x.tgz]
  other:
  - apiVersion: v2
    name: other
    version: 0.1.0
    urls: [other-0.1.0.tgz]
`

func TestLoadIndex(t *testing.T) {
	idx, err := LoadIndex([]byte(testIndex))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, cv := range idx.Entries["app"] {
		got = append(got, cv.Version+" "+cv.APIVersion)
	}
	want := []string{"2.0.0-rc.1 v1", "1.11.0 v1", "1.10.1 v1", "1.2.0 v1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("app versions, highest first, invalid dropped (-want +got):\n%s", diff)
	}
	if got := idx.Entries["other"][0].APIVersion; got != "v2" {
		t.Errorf("other apiVersion = %q", got)
	}
}

func TestLoadIndexInvalid(t *testing.T) {
	for name, data := range map[string]string{
		"empty":         "  \n",
		"no apiVersion": "entries: {}\n",
		"not YAML":      "apiVersion: [",
		"HTML":          "<html><body>login</body></html>",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadIndex([]byte(data))
			if !errors.Is(err, ErrInvalidIndex) {
				t.Errorf("LoadIndex = %v, want ErrInvalidIndex", err)
			}
		})
	}
}

func TestIndexGet(t *testing.T) {
	idx, err := LoadIndex([]byte(testIndex))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, chart, constraint string
		want                    string
		wantErr                 string
	}{
		{"any release", "app", "", "1.10.1", ""},
		{"tilde", "app", "~1.2", "1.2.0", ""},
		{"caret skips versions without URLs", "app", "^1.0.0", "1.10.1", ""},
		{"exact", "app", "1.2.0", "1.2.0", ""},
		{"pre-release asked for", "app", ">=2.0.0-0", "2.0.0-rc.1", ""},
		{"no match", "app", ">=3", "", "no version of \"app\" matches >=3 (available: 2.0.0-rc.1, 1.11.0, 1.10.1, 1.2.0)"},
		{"no chart", "nope", "", "", `no chart named "nope"`},
		{"bad constraint", "app", "~~x", "", "neither a version nor a SemVer constraint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cv, err := idx.Get(tt.chart, tt.constraint)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Get = %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cv.Version != tt.want {
				t.Errorf("Get(%q, %q) = %s, want %s", tt.chart, tt.constraint, cv.Version, tt.want)
			}
		})
	}
}
