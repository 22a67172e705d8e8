package chart

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMetadataValidate(t *testing.T) {
	valid := func() *Metadata { return &Metadata{APIVersion: "v2", Name: "web", Version: "1.0.0"} }
	tests := []struct {
		name   string
		modify func(*Metadata)
		want   string // empty: valid
	}{
		{"valid", func(*Metadata) {}, ""},
		{"lenient version as Helm", func(m *Metadata) { m.Version = "v1.2" }, ""},
		{"library", func(m *Metadata) { m.Type = TypeLibrary }, ""},
		{"no apiVersion", func(m *Metadata) { m.APIVersion = "" }, "Chart.yaml: apiVersion: is required"},
		{
			"apiVersion v3", func(m *Metadata) { m.APIVersion = "v3" },
			`Chart.yaml: apiVersion: "v3" is not supported: use v1 or v2`,
		},
		{"no name", func(m *Metadata) { m.Name = "" }, "Chart.yaml: name: is required"},
		{
			"name with path", func(m *Metadata) { m.Name = "../web" },
			`Chart.yaml: name: "../web" is invalid: a chart name must not contain path elements`,
		},
		{
			"name dot-dot", func(m *Metadata) { m.Name = ".." },
			`Chart.yaml: name: ".." is invalid: a chart name must not contain path elements`,
		},
		{"no version", func(m *Metadata) { m.Version = "" }, "Chart.yaml: version: is required"},
		{
			"bad version", func(m *Metadata) { m.Version = "1.x" },
			`Chart.yaml: version: "1.x" is not a valid semantic version: invalid semantic version`,
		},
		{
			"bad type", func(m *Metadata) { m.Type = "Library" },
			`Chart.yaml: type: "Library" is invalid: use application or library`,
		},
		{
			"null maintainer", func(m *Metadata) { m.Maintainers = []*Maintainer{nil} },
			"Chart.yaml: maintainers[0]: must not be empty or null",
		},
		{
			"null dependency", func(m *Metadata) { m.Dependencies = []*Dependency{{Name: "a"}, nil} },
			"Chart.yaml: dependencies[1]: must not be empty or null",
		},
		{
			"bad alias", func(m *Metadata) { m.Dependencies = []*Dependency{{Name: "a", Alias: "a.b"}} },
			`Chart.yaml: dependencies[0].alias: "a.b" of dependency "a" has disallowed characters: use letters, digits, _ and -`,
		},
		{"duplicate dependency", func(m *Metadata) {
			m.Dependencies = []*Dependency{{Name: "a"}, {Name: "b", Alias: "a"}}
		}, `Chart.yaml: dependencies[1]: more than one dependency with name or alias "a"`},
		{"same chart twice with aliases", func(m *Metadata) {
			m.Dependencies = []*Dependency{{Name: "a", Alias: "one"}, {Name: "a", Alias: "two"}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := valid()
			tt.modify(md)
			err := md.Validate()
			got := ""
			if err != nil {
				got = err.Error()
				var verr *ValidationError
				if !errors.As(err, &verr) {
					t.Errorf("error %T is not a *ValidationError", err)
				}
			}
			if len(got) > len(tt.want) && tt.want != "" {
				got = got[:len(tt.want)]
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMetadataValidateSanitizes(t *testing.T) {
	md := &Metadata{
		APIVersion: "v2", Name: "web", Version: "1.0.0", Description: "a\tb\x1b[31mc",
		Dependencies: []*Dependency{{Name: "d\x00b"}},
	}
	if err := md.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a b[31mc", "db"}, []string{md.Description, md.Dependencies[0].Name}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLintMetadata(t *testing.T) {
	md := &Metadata{
		APIVersion: "v1", Name: "Web_App", Version: "0.0.0-0", Type: "application",
		KubeVersion: ">= 1.2.x.y", Icon: "icon.png", Sources: []string{"https://example.com/src"},
		Maintainers:  []*Maintainer{{Email: "a@example.com"}},
		Dependencies: []*Dependency{{Name: "db", Version: "~~1"}},
	}
	var got []string
	for _, e := range LintMetadata(md) {
		got = append(got, e.Field)
	}
	want := []string{"name", "version", "maintainers[0].name", "icon", "type", "kubeVersion", "dependencies[0].version"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields at fault (-want +got):\n%s", diff)
	}
	clean := &Metadata{APIVersion: "v2", Name: "web", Version: "0.1.0", KubeVersion: ">=1.28.0-0"}
	if errs := LintMetadata(clean); len(errs) != 0 {
		t.Errorf("LintMetadata(clean) = %v, want none", errs)
	}
}

func TestDependencyValidate(t *testing.T) {
	if err := (&Dependency{Name: "db", Alias: "main_db-1"}).Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil for a valid dependency", err)
	}
	err := (&Dependency{Name: "db", Alias: "main db"}).Validate()
	var verr *ValidationError
	if !errors.As(err, &verr) || verr.Field != ".alias" {
		t.Errorf("Validate() = %#v, want a *ValidationError for field .alias", err)
	}
	var nilDep *Dependency
	if err := nilDep.Validate(); err == nil {
		t.Error("Validate() of a nil dependency = nil, want an error")
	}
}
