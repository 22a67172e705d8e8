package repo

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// IndexFile is a repository's index.yaml: every version of every chart it
// serves.
type IndexFile struct {
	APIVersion string    `json:"apiVersion"`
	Generated  time.Time `json:"generated"`
	// Entries maps chart names to their versions, highest first once
	// loaded.
	Entries     map[string][]*ChartVersion `json:"entries"`
	PublicKeys  []string                   `json:"publicKeys,omitempty"`
	Annotations map[string]string          `json:"annotations,omitempty"`
}

// ChartVersion is one chart version of an index: its Chart.yaml plus where
// to download it and the SHA-256 of the archive.
type ChartVersion struct {
	*chart.Metadata
	URLs []string `json:"urls"`
	// Created is written even when zero, as Helm writes it.
	Created time.Time `json:"created"`
	Removed bool      `json:"removed,omitempty"`
	// Digest is the hex SHA-256 of the chart archive ("" when the index
	// does not say).
	Digest string `json:"digest,omitempty"`

	// Fields of Helm 2 indexes that Helm ignores but keeps when it merges an
	// index (repo index --merge), so that berth keeps them too.
	ChecksumDeprecated      string `json:"checksum,omitempty"`
	EngineDeprecated        string `json:"engine,omitempty"`
	TillerVersionDeprecated string `json:"tillerVersion,omitempty"`
	URLDeprecated           string `json:"url,omitempty"`
}

// Index errors, checked with errors.Is.
var (
	// ErrInvalidIndex means index.yaml is empty, not YAML or has no
	// apiVersion.
	ErrInvalidIndex = errors.New("not a valid chart repository index")
	// ErrNoChart means the index has no chart of that name, or no version
	// of it matching the constraint.
	ErrNoChart = errors.New("chart not found in repository index")
)

// LoadIndex parses an index.yaml. Like Helm it drops entries that are null
// or whose metadata is invalid (an apiVersion defaults to v1), and sorts
// each chart's versions highest first.
func LoadIndex(data []byte) (*IndexFile, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, fmt.Errorf("%w: index is empty", ErrInvalidIndex)
	}
	idx := &IndexFile{}
	if err := yaml.Unmarshal(data, idx); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidIndex, err)
	}
	if idx.APIVersion == "" {
		return nil, fmt.Errorf("%w: no apiVersion", ErrInvalidIndex)
	}
	for name, versions := range idx.Entries {
		idx.Entries[name] = slices.DeleteFunc(versions, func(cv *ChartVersion) bool {
			if cv == nil || cv.Metadata == nil {
				return true
			}
			if cv.APIVersion == "" {
				cv.APIVersion = chart.APIVersionV1
			}
			return cv.Validate() != nil
		})
	}
	idx.sortEntries()
	return idx, nil
}

// LoadIndexFile reads and parses an index file, such as a cached one.
func LoadIndexFile(path string) (*IndexFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	idx, err := LoadIndex(data)
	if err != nil {
		return nil, fmt.Errorf("load index %s: %w", path, err)
	}
	return idx, nil
}

// sortEntries orders each chart's versions highest first (valid versions
// are all SemVer after LoadIndex's validation).
func (i *IndexFile) sortEntries() {
	for _, versions := range i.Entries {
		slices.SortStableFunc(versions, func(a, b *ChartVersion) int {
			va, erra := semver.NewVersion(a.Version)
			vb, errb := semver.NewVersion(b.Version)
			if erra != nil || errb != nil {
				return strings.Compare(b.Version, a.Version)
			}
			return vb.Compare(va)
		})
	}
}

// Get returns the highest version of chart name matching constraint, as
// Helm chooses it: a version written exactly as constraint wins, otherwise
// the highest version the SemVer constraint accepts ("" accepts any
// release). Versions without a download URL are skipped. The error wraps
// ErrNoChart and lists the versions there are.
func (i *IndexFile) Get(name, constraint string) (*ChartVersion, error) {
	versions := i.Entries[name]
	if len(versions) == 0 {
		return nil, fmt.Errorf("%w: no chart named %q", ErrNoChart, name)
	}
	expr := constraint
	if expr == "" {
		expr = "*"
	}
	cons, err := semver.NewConstraint(expr)
	if err != nil {
		return nil, fmt.Errorf("version %q of chart %q is neither a version nor a SemVer constraint: %w", constraint, name, err)
	}
	for _, cv := range versions {
		if constraint != "" && cv.Version == constraint && len(cv.URLs) > 0 {
			return cv, nil
		}
	}
	for _, cv := range versions {
		v, err := semver.NewVersion(cv.Version)
		if err == nil && len(cv.URLs) > 0 && cons.Check(v) {
			return cv, nil
		}
	}
	return nil, fmt.Errorf("%w: no version of %q matches %s (available: %s)", ErrNoChart, name, expr, availableVersions(versions))
}

// availableVersions lists up to ten versions for an error message.
func availableVersions(versions []*ChartVersion) string {
	const limit = 10
	var names []string
	for i, cv := range versions {
		if i == limit {
			names = append(names, fmt.Sprintf("and %d more", len(versions)-limit))
			break
		}
		names = append(names, cv.Version)
	}
	return strings.Join(names, ", ")
}
