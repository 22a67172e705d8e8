package chart

import (
	"fmt"
	"net/url"
	"regexp"

	"github.com/Masterminds/semver/v3"
)

// lintNameFormat is what `helm lint` requires of a chart name.
var lintNameFormat = regexp.MustCompile(`^[a-z0-9-]+$`)

// aboveZero is the range `helm lint` requires chart versions to be in.
var aboveZero, _ = semver.NewConstraint(">0.0.0-0")

// LintMetadata returns the problems `helm lint` reports as errors in
// Chart.yaml beyond what loading rejects, plus two berth adds: a kubeVersion
// that is not a valid constraint and a dependency version that is not a
// valid constraint (Helm only finds those at install or dependency update).
// It returns nil for a clean Chart.yaml.
func LintMetadata(md *Metadata) []*ValidationError {
	var errs []*ValidationError
	add := func(field, format string, a ...any) { errs = append(errs, chartfileErrorf(field, format, a...)) }
	if md.Name != "" && !lintNameFormat.MatchString(md.Name) {
		add("name", "%q is invalid: use lowercase letters, digits and dashes", md.Name)
	}
	if v, err := semver.NewVersion(md.Version); err == nil && !aboveZero.Check(v) {
		add("version", "%q must be greater than 0.0.0-0", md.Version)
	}
	for i, m := range md.Maintainers {
		if m != nil && m.Name == "" {
			add(fmt.Sprintf("maintainers[%d].name", i), "is required")
		}
	}
	for i, s := range md.Sources {
		if !isRequestURL(s) {
			add(fmt.Sprintf("sources[%d]", i), "%q is not a valid URL", s)
		}
	}
	if md.Icon != "" && !isRequestURL(md.Icon) {
		add("icon", "%q is not a valid URL", md.Icon)
	}
	if md.Type != "" && md.APIVersion != APIVersionV2 {
		add("type", "is only valid in apiVersion %s", APIVersionV2)
	}
	if md.KubeVersion != "" {
		if _, err := semver.NewConstraint(md.KubeVersion); err != nil {
			add("kubeVersion", "%q is not a valid version constraint: %v", md.KubeVersion, err)
		}
	}
	return append(errs, lintDependencies(md.Dependencies)...)
}

// lintDependencies checks that every dependency has a name and, if it has a
// version, that the version is a valid constraint.
func lintDependencies(deps []*Dependency) []*ValidationError {
	var errs []*ValidationError
	add := func(field, format string, a ...any) { errs = append(errs, chartfileErrorf(field, format, a...)) }
	for i, d := range deps {
		if d == nil {
			continue
		}
		if d.Name == "" {
			add(fmt.Sprintf("dependencies[%d].name", i), "is required")
		}
		if d.Version != "" {
			if _, err := semver.NewConstraint(d.Version); err != nil {
				add(fmt.Sprintf("dependencies[%d].version", i), "%q is not a valid version constraint: %v", d.Version, err)
			}
		}
	}
	return errs
}

func isRequestURL(s string) bool {
	u, err := url.ParseRequestURI(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}
