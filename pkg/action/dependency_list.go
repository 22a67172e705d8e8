package action

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/berth-sh/berth/pkg/chart"
)

// Statuses of a dependency in `dependency list`, Helm's words.
const (
	DependencyOK             = "ok"
	DependencyUnpacked       = "unpacked"
	DependencyMissing        = "missing"
	DependencyWrongVersion   = "wrong version"
	DependencyTooManyMatches = "too many matches"
	DependencyCorrupt        = "corrupt"
	DependencyMisnamed       = "misnamed"
	DependencyInvalidVersion = "invalid version"
)

// DependencyStatus is one declared dependency and what charts/ holds for it.
type DependencyStatus struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Repository string `json:"repository"`
	// Status is one of the Dependency* status constants.
	Status string `json:"status"`
}

// DependencyList is the dependencies of a chart and the problems found in
// its charts/ directory.
type DependencyList struct {
	Dependencies []DependencyStatus `json:"dependencies"`
	// Warnings name files of charts/ that are not charts, or charts that
	// are not declared dependencies.
	Warnings []string `json:"warnings,omitempty"`
}

// ListDependencies reports each dependency the chart at path (a directory
// or an archive) declares, with its status decided as Helm decides it: an
// archive charts/NAME-*.tgz is ok, corrupt, misnamed or of the wrong
// version; two or more archives with SemVer versions are too many
// matches; otherwise a loaded subchart of that name is unpacked or of the
// wrong version, and no subchart is missing.
func ListDependencies(path string) (*DependencyList, error) {
	c, err := chart.Load(path)
	if err != nil {
		return nil, err
	}
	out := &DependencyList{Dependencies: []DependencyStatus{}}
	for _, dep := range c.Metadata.Dependencies {
		out.Dependencies = append(out.Dependencies, DependencyStatus{
			Name: dep.Name, Version: dep.Version, Repository: dep.Repository,
			Status: dependencyStatus(path, dep, c),
		})
	}
	out.Warnings = undeclaredCharts(path, c.Metadata.Dependencies)
	return out, nil
}

func dependencyStatus(chartPath string, dep *chart.Dependency, parent *chart.Chart) string {
	archives, _ := filepath.Glob(filepath.Join(chartPath, chart.ChartsDir, globEscape(dep.Name)+"-*.tgz"))
	switch {
	case len(archives) == 1:
		return archiveStatus(archives[0], dep)
	case len(archives) > 1:
		var versioned []string
		for _, a := range archives {
			v := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(a), ".tgz"), dep.Name+"-")
			if _, err := semver.StrictNewVersion(v); err == nil {
				versioned = append(versioned, a)
			}
		}
		if len(versioned) > 1 {
			return DependencyTooManyMatches
		}
		if len(versioned) == 1 {
			return archiveStatus(versioned[0], dep)
		}
	}
	for _, sub := range parent.Dependencies() {
		if sub.Name() == dep.Name {
			if s := versionStatus(dep.Version, sub.Metadata.Version); s != "" {
				return s
			}
			return DependencyUnpacked
		}
	}
	return DependencyMissing
}

func archiveStatus(path string, dep *chart.Dependency) string {
	c, err := chart.LoadFile(path)
	switch {
	case err != nil:
		return DependencyCorrupt
	case c.Name() != dep.Name:
		return DependencyMisnamed
	}
	if s := versionStatus(dep.Version, c.Metadata.Version); s != "" {
		return s
	}
	return DependencyOK
}

// versionStatus returns "" when version meets constraint, else why not.
func versionStatus(constraint, version string) string {
	if constraint == version {
		return ""
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return DependencyInvalidVersion
	}
	v, err := semver.NewVersion(version)
	if err != nil {
		return DependencyInvalidVersion
	}
	if !cons.Check(v) {
		return DependencyWrongVersion
	}
	return ""
}

// undeclaredCharts warns about directories and .tgz files in charts/ that
// are not charts or not declared dependencies.
func undeclaredCharts(chartPath string, deps []*chart.Dependency) []string {
	entries, err := os.ReadDir(filepath.Join(chartPath, chart.ChartsDir))
	if err != nil {
		return nil
	}
	declared := map[string]bool{}
	for _, d := range deps {
		declared[d.Name] = true
	}
	var warnings []string
	for _, e := range entries {
		if !e.IsDir() && filepath.Ext(e.Name()) != ".tgz" {
			continue
		}
		p := filepath.Join(chartPath, chart.ChartsDir, e.Name())
		c, err := chart.Load(p)
		switch {
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("%s is not a chart", p))
		case !declared[c.Name()]:
			warnings = append(warnings, fmt.Sprintf("%s is not a declared dependency", p))
		}
	}
	return warnings
}

// globEscape escapes the glob metacharacters of a chart name.
func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}
