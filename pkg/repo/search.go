package repo

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// searchThreshold is the score from which a match no longer counts, as in
// `helm search repo`. Scores are the field a match starts in (0 name, 1
// REPO/NAME, 2 description, 3 keywords), so every match counts unless a
// description holds field separators.
const searchThreshold = 25

// searchFieldSep separates the fields of a chart's searched text; a match's
// score is how many separators precede it.
const searchFieldSep = '\v'

// Default constraints of a search without --version: stable releases, or
// pre-releases too with --devel. Neither accepts 0.0.0 itself, as Helm's.
const (
	searchStable = ">0.0.0"
	searchDevel  = ">0.0.0-0"
)

// ErrNoRepositories means the repositories file lists no repository.
var ErrNoRepositories = errors.New("no repositories")

// SearchResult is one chart version a search found.
type SearchResult struct {
	// Name is REPO/NAME.
	Name string
	// Score is the field the match starts in; lower is better.
	Score int
	// Chart is the version's index entry.
	Chart *ChartVersion
}

// SearchIndex is the searchable text of every version of the charts of
// some repositories, as `helm search repo` builds it.
type SearchIndex struct {
	entries []searchEntry
	// byKey finds the entry of "REPO/NAME VERSION", which a later
	// duplicate replaces.
	byKey map[string]int
}

type searchEntry struct {
	name  string
	text  string
	chart *ChartVersion
}

// NewSearchIndex returns an empty search index.
func NewSearchIndex() *SearchIndex {
	return &SearchIndex{byKey: map[string]int{}}
}

// AddRepo adds every version of every chart of idx, named REPO/NAME after
// the repository repoName and the chart's key in the index.
func (s *SearchIndex) AddRepo(repoName string, idx *IndexFile) {
	for key, versions := range idx.Entries {
		name := path.Join(repoName, key)
		for _, cv := range versions {
			if cv == nil || cv.Metadata == nil {
				continue
			}
			e := searchEntry{name: name, text: searchText(repoName, cv), chart: cv}
			k := name + " " + cv.Version
			if at, ok := s.byKey[k]; ok {
				s.entries[at] = e
				continue
			}
			s.byKey[k] = len(s.entries)
			s.entries = append(s.entries, e)
		}
	}
}

// searchText is what a search matches: the chart's name, REPO/NAME, its
// description and its keywords, separated by searchFieldSep.
func searchText(repoName string, cv *ChartVersion) string {
	sep := string(searchFieldSep)
	return cv.Name + sep + repoName + "/" + cv.Name + sep + cv.Description + sep + strings.Join(cv.Keywords, " ")
}

// SearchOptions select what Search finds.
type SearchOptions struct {
	// Keyword is looked for in each chart's name, REPO/NAME, description
	// and keywords, ignoring case; "" finds every chart.
	Keyword string
	// Regexp takes Keyword as a Go regular expression (case-sensitive).
	Regexp bool
	// Versions lists every version that matches, not only the highest.
	Versions bool
	// Version is a SemVer constraint the versions must meet; "" means
	// stable releases (">0.0.0"), or any (">0.0.0-0") with Devel.
	Version string
	// Devel admits pre-releases when Version is "".
	Devel bool
}

// Search finds the chart versions matching opts, best first: by score, then
// REPO/NAME, then version highest first; without opts.Versions only the
// first version of each chart in that order that meets the constraint.
func (s *SearchIndex) Search(opts SearchOptions) ([]SearchResult, error) {
	constraint := opts.Version
	if constraint == "" {
		constraint = searchStable
		if opts.Devel {
			constraint = searchDevel
		}
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, fmt.Errorf("search: --version %q is not a version or SemVer constraint: %w", opts.Version, err)
	}
	results, err := s.match(opts.Keyword, opts.Regexp)
	if err != nil {
		return nil, err
	}
	SortResults(results)
	return filterVersions(results, cons, opts.Versions), nil
}

// match returns every entry whose text matches keyword, with its score.
func (s *SearchIndex) match(keyword string, useRegexp bool) ([]SearchResult, error) {
	find := literalMatcher(keyword)
	if useRegexp {
		re, err := regexp.Compile(keyword)
		if err != nil {
			return nil, fmt.Errorf("search: --regexp %q: %w", keyword, err)
		}
		find = func(text string) (string, int) {
			loc := re.FindStringIndex(text)
			if loc == nil {
				return text, -1
			}
			return text, loc[0]
		}
	}
	var results []SearchResult
	for _, e := range s.entries {
		if keyword == "" {
			results = append(results, SearchResult{Name: e.name, Chart: e.chart})
			continue
		}
		text, at := find(e.text)
		if at < 0 {
			continue
		}
		if score := strings.Count(text[:at], string(searchFieldSep)); score < searchThreshold {
			results = append(results, SearchResult{Name: e.name, Score: score, Chart: e.chart})
		}
	}
	return results, nil
}

// literalMatcher finds keyword in a text, both lower-cased; it returns the
// text it searched, in which the offset is.
func literalMatcher(keyword string) func(string) (string, int) {
	lower := strings.ToLower(keyword)
	return func(text string) (string, int) {
		text = strings.ToLower(text)
		return text, strings.Index(text, lower)
	}
}

// SortResults orders results best first: lowest score, then REPO/NAME, then
// the highest version.
func SortResults(results []SearchResult) {
	slices.SortStableFunc(results, func(a, b SearchResult) int {
		if a.Score != b.Score {
			return a.Score - b.Score
		}
		if a.Name != b.Name {
			return strings.Compare(a.Name, b.Name)
		}
		va, erra := semver.NewVersion(a.Chart.Version)
		vb, errb := semver.NewVersion(b.Chart.Version)
		if erra != nil || errb != nil {
			return 0
		}
		return vb.Compare(va)
	})
}

// filterVersions keeps the results whose version meets cons; without all,
// only the first such result of each chart.
func filterVersions(results []SearchResult, cons *semver.Constraints, all bool) []SearchResult {
	kept := []SearchResult{}
	found := map[string]bool{}
	for _, r := range results {
		if !all && found[r.Name] {
			continue
		}
		v, err := semver.NewVersion(r.Chart.Version)
		if err != nil || !cons.Check(v) {
			continue
		}
		kept = append(kept, r)
		found[r.Name] = true
	}
	return kept
}

// IndexCacheError is a repository whose cached index a search could not
// read.
type IndexCacheError struct {
	// Repo is the repository's name.
	Repo string
	// Path is the cached index file.
	Path string
	// Err says why.
	Err error
}

// Error names the repository and says to run repo update.
func (e *IndexCacheError) Error() string {
	if errors.Is(e.Err, fs.ErrNotExist) {
		return fmt.Sprintf("repository %q has no cached index (%s): run berth repo update %s", e.Repo, e.Path, e.Repo)
	}
	return fmt.Sprintf("repository %q: %v: run berth repo update %s", e.Repo, e.Err, e.Repo)
}

// Unwrap returns the cause.
func (e *IndexCacheError) Unwrap() error { return e.Err }

// LoadSearchIndex builds the search index of the cached indexes in cacheDir
// of every repository of file. As Helm, a repository whose cached index is
// missing or unreadable is left out; it is returned among the
// *IndexCacheError values, for the caller to warn about. It fails when file
// lists no repository (ErrNoRepositories) and when no cached index is
// usable.
func LoadSearchIndex(file *File, cacheDir string) (*SearchIndex, []error, error) {
	if len(file.Repositories) == 0 {
		return nil, nil, fmt.Errorf("search: %w: add one with berth repo add NAME URL", ErrNoRepositories)
	}
	s := NewSearchIndex()
	var skipped []error
	for _, e := range file.Repositories {
		p := IndexCachePath(cacheDir, e.Name)
		idx, err := LoadIndexFile(p)
		if err != nil {
			skipped = append(skipped, &IndexCacheError{Repo: e.Name, Path: p, Err: err})
			continue
		}
		s.AddRepo(e.Name, idx)
	}
	if len(skipped) == len(file.Repositories) {
		return nil, nil, fmt.Errorf("search: %w", errors.Join(skipped...))
	}
	return s, skipped, nil
}
