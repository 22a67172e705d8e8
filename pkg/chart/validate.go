package chart

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/Masterminds/semver/v3"
)

// Names of the files and directories a chart gives meaning to.
const (
	ChartfileName        = "Chart.yaml"
	LockfileName         = "Chart.lock"
	ValuesfileName       = "values.yaml"
	SchemafileName       = "values.schema.json"
	RequirementsName     = "requirements.yaml"
	RequirementsLockName = "requirements.lock"
	IgnorefileName       = ".helmignore"
	TemplatesDir         = "templates"
	ChartsDir            = "charts"
	CRDsDir              = "crds"
)

// aliasFormat is what Helm allows in a dependency alias: the alias becomes a
// key of the values, so it must be a plain identifier.
var aliasFormat = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// Validate checks the metadata as Helm does when it loads a chart, and
// normalises its strings (whitespace becomes a space, non-printable runes
// are dropped). It rejects exactly what Helm rejects, plus apiVersions other
// than v1 and v2 and the names "." and "..", which Helm 4 refuses elsewhere.
func (md *Metadata) Validate() error {
	if md == nil {
		return chartfileErrorf("metadata", "is missing")
	}
	md.sanitize()
	switch {
	case md.APIVersion == "":
		return chartfileErrorf("apiVersion", "is required")
	case md.APIVersion != APIVersionV1 && md.APIVersion != APIVersionV2:
		return chartfileErrorf("apiVersion", "%q is not supported: use v1 or v2", md.APIVersion)
	case md.Name == "":
		return chartfileErrorf("name", "is required")
	case md.Name != path.Base(md.Name) || strings.ContainsRune(md.Name, '\\') || md.Name == "." || md.Name == "..":
		return chartfileErrorf("name", "%q is invalid: a chart name must not contain path elements", md.Name)
	case md.Version == "":
		return chartfileErrorf("version", "is required")
	}
	if _, err := semver.NewVersion(md.Version); err != nil {
		return chartfileErrorf("version", "%q is not a valid semantic version: %v", md.Version, err)
	}
	if md.Type != "" && md.Type != TypeApplication && md.Type != TypeLibrary {
		return chartfileErrorf("type", "%q is invalid: use %s or %s", md.Type, TypeApplication, TypeLibrary)
	}
	for i, m := range md.Maintainers {
		if m == nil {
			return chartfileErrorf(fmt.Sprintf("maintainers[%d]", i), "must not be empty or null")
		}
	}
	return validateDependencies(md.Dependencies)
}

func validateDependencies(deps []*Dependency) error {
	seen := map[string]bool{}
	for i, d := range deps {
		field := fmt.Sprintf("dependencies[%d]", i)
		if err := d.validate(); err != nil {
			err.Field = field + err.Field
			return err
		}
		key := d.Name
		if d.Alias != "" {
			key = d.Alias
		}
		if seen[key] {
			return chartfileErrorf(field, "more than one dependency with name or alias %q: "+
				"give dependencies of the same chart distinct aliases", key)
		}
		seen[key] = true
	}
	return nil
}

// Validate checks one dependency as Helm does at load time: it must not be
// null and its alias, if any, may hold only letters, digits, "_" and "-".
// It normalises the dependency's strings. The error is a *ValidationError
// whose Field is relative to the dependency (".alias").
func (d *Dependency) Validate() error {
	if err := d.validate(); err != nil {
		return err
	}
	return nil
}

func (d *Dependency) validate() *ValidationError {
	if d == nil {
		return chartfileErrorf("", "must not be empty or null")
	}
	d.Name = sanitize(d.Name)
	d.Version = sanitize(d.Version)
	d.Repository = sanitize(d.Repository)
	d.Condition = sanitize(d.Condition)
	for i := range d.Tags {
		d.Tags[i] = sanitize(d.Tags[i])
	}
	for i := range d.DependsOn {
		d.DependsOn[i] = sanitize(d.DependsOn[i])
	}
	if d.Alias != "" && !aliasFormat.MatchString(d.Alias) {
		return chartfileErrorf(".alias", "%q of dependency %q has disallowed characters: use letters, digits, _ and -",
			d.Alias, d.Name)
	}
	return nil
}

func (md *Metadata) sanitize() {
	for _, s := range []*string{
		&md.Name, &md.Description, &md.Home, &md.Icon, &md.Condition,
		&md.Tags, &md.AppVersion, &md.KubeVersion,
	} {
		*s = sanitize(*s)
	}
	for i := range md.Sources {
		md.Sources[i] = sanitize(md.Sources[i])
	}
	for i := range md.Keywords {
		md.Keywords[i] = sanitize(md.Keywords[i])
	}
	for _, m := range md.Maintainers {
		if m != nil {
			m.Name, m.Email, m.URL = sanitize(m.Name), sanitize(m.Email), sanitize(m.URL)
		}
	}
}

// sanitize turns whitespace into spaces and drops non-printable runes, so
// that metadata cannot smuggle control characters into terminals.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
}
