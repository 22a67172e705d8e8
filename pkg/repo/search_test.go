package repo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func version(name, v, description string, keywords ...string) *ChartVersion {
	return &ChartVersion{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: v, Description: description, Keywords: keywords},
		URLs:     []string{name + "-" + v + ".tgz"},
	}
}

// testSearchIndex holds the charts of Helm's own search tests (Helm's
// pkg/cmd/search/search_test.go): two repositories, a chart name with a
// non-ASCII letter, names differing only in case, and a pre-release.
func testSearchIndex() *SearchIndex {
	s := NewSearchIndex()
	s.AddRepo("testing", &IndexFile{Entries: map[string][]*ChartVersion{
		"niña":        {version("niña", "0.1.0", "One boat")},
		"pinta":       {version("pinta", "0.1.0", "Two ship")},
		"santa-maria": {version("santa-maria", "1.2.3", "Three boat"), version("santa-maria", "1.2.2-RC-1", "Three boat")},
	}})
	s.AddRepo("ztesting", &IndexFile{Entries: map[string][]*ChartVersion{
		"Pinta": {version("Pinta", "2.0.0", "Two ship, version two")},
	}})
	return s
}

func resultNames(results []SearchResult) []string {
	names := []string{}
	for _, r := range results {
		names = append(names, r.Name+" "+r.Chart.Version)
	}
	return names
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name string
		opts SearchOptions
		want []string
	}{
		{"one result", SearchOptions{Keyword: "santa-maria"}, []string{"testing/santa-maria 1.2.3"}},
		{"two results", SearchOptions{Keyword: "pinta"}, []string{"testing/pinta 0.1.0", "ztesting/Pinta 2.0.0"}},
		{"repository-specific", SearchOptions{Keyword: "ztesting/pinta"}, []string{"ztesting/Pinta 2.0.0"}},
		{"partial name", SearchOptions{Keyword: "santa"}, []string{"testing/santa-maria 1.2.3"}},
		{"description, one result", SearchOptions{Keyword: "Three"}, []string{"testing/santa-maria 1.2.3"}},
		{"description, two results", SearchOptions{Keyword: "two"}, []string{"testing/pinta 0.1.0", "ztesting/Pinta 2.0.0"}},
		{"upper case keyword", SearchOptions{Keyword: "TWO"}, []string{"testing/pinta 0.1.0", "ztesting/Pinta 2.0.0"}},
		{"non-ASCII name", SearchOptions{Keyword: "NIÑA"}, []string{"testing/niña 0.1.0"}},
		{"nothing found", SearchOptions{Keyword: "mayflower"}, []string{}},
		{"regexp", SearchOptions{Keyword: "Th[ref]*", Regexp: true}, []string{"testing/santa-maria 1.2.3"}},
		{"regexp is case-sensitive", SearchOptions{Keyword: "th[ref]+", Regexp: true}, []string{}},
		{
			"no keyword lists every chart's highest stable version",
			SearchOptions{},
			[]string{"testing/niña 0.1.0", "testing/pinta 0.1.0", "testing/santa-maria 1.2.3", "ztesting/Pinta 2.0.0"},
		},
		{"versions, stable only", SearchOptions{Keyword: "santa-maria", Versions: true}, []string{"testing/santa-maria 1.2.3"}},
		{
			"versions with devel",
			SearchOptions{Keyword: "santa-maria", Versions: true, Devel: true},
			[]string{"testing/santa-maria 1.2.3", "testing/santa-maria 1.2.2-RC-1"},
		},
		{"constraint", SearchOptions{Keyword: "santa", Version: "<1.2.3-0"}, []string{"testing/santa-maria 1.2.2-RC-1"}},
		{"constraint wins over devel", SearchOptions{Keyword: "santa", Version: "~1.2.3", Devel: true}, []string{"testing/santa-maria 1.2.3"}},
		{"constraint matching nothing", SearchOptions{Keyword: "pinta", Version: ">=3"}, []string{}},
		{"keyword sorted by repository name", SearchOptions{Keyword: "TESTING/SANTA-MARIA", Devel: true}, []string{"testing/santa-maria 1.2.3"}},
	}
	s := testSearchIndex()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Search(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, resultNames(got)); diff != "" {
				t.Errorf("Search(%+v) (-want +got):\n%s", tt.opts, diff)
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	s := testSearchIndex()
	for name, tt := range map[string]struct {
		opts SearchOptions
		want string
	}{
		"regexp does not compile": {SearchOptions{Keyword: "th[", Regexp: true}, `--regexp "th[": error parsing regexp:`},
		"invalid constraint":      {SearchOptions{Keyword: "pinta", Version: "one"}, `--version "one" is not a version or SemVer constraint`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Search(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Search(%+v) = %v, want an error containing %q", tt.opts, err, tt.want)
			}
		})
	}
}

// TestSearchScore checks that a match scores by the field it starts in:
// name 0, REPO/NAME 1, description 2, keywords 3.
func TestSearchScore(t *testing.T) {
	s := NewSearchIndex()
	s.AddRepo("repo", &IndexFile{Entries: map[string][]*ChartVersion{
		"alpha": {version("alpha", "1.0.0", "about beta", "gamma", "delta")},
	}})
	for keyword, want := range map[string]int{"alp": 0, "repo/": 1, "about": 2, "beta": 2, "gamma": 3, "delta": 3} {
		got, err := s.Search(SearchOptions{Keyword: keyword})
		if err != nil || len(got) != 1 {
			t.Fatalf("Search(%q) = %v, %v; want one result", keyword, got, err)
		}
		if got[0].Score != want {
			t.Errorf("Search(%q) score = %d, want %d", keyword, got[0].Score, want)
		}
	}
}

// TestSortResults is Helm's TestSortScore: by score, then name, then the
// highest version first.
func TestSortResults(t *testing.T) {
	result := func(name string, score int, v string) SearchResult {
		return SearchResult{Name: name, Score: score, Chart: version(name, v, "")}
	}
	in := []SearchResult{
		result("bbb", 0, "1.2.3"), result("aaa", 5, "1.0.0"), result("abb", 5, "1.0.0"), result("aab", 0, "1.0.0"),
		result("bab", 5, "1.0.0"), result("ver", 5, "1.2.3"), result("ver", 5, "1.2.4"),
	}
	SortResults(in)
	var got []string
	for _, r := range in {
		got = append(got, r.Name+" "+r.Chart.Version+" "+string(rune('0'+r.Score)))
	}
	want := []string{"aab 1.0.0 0", "bbb 1.2.3 0", "aaa 1.0.0 5", "abb 1.0.0 5", "bab 1.0.0 5", "ver 1.2.4 5", "ver 1.2.3 5"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SortResults (-want +got):\n%s", diff)
	}
}

// TestSearchBestMatchPerChart checks that without --versions a chart shows
// the version whose match scores best, as Helm picks it, even when a
// higher version matches further in (in its keywords) and a higher one
// still does not match at all.
func TestSearchBestMatchPerChart(t *testing.T) {
	s := NewSearchIndex()
	s.AddRepo("r", &IndexFile{Entries: map[string][]*ChartVersion{
		"app": {version("app", "3.0.0", "plain"), version("app", "2.0.0", "plain", "redis"), version("app", "1.0.0", "with redis")},
	}})
	got, err := s.Search(SearchOptions{Keyword: "redis"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"r/app 1.0.0"}, resultNames(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadSearchIndex(t *testing.T) {
	cache := t.TempDir()
	index := "apiVersion: v1\nentries:\n  web:\n  - name: web\n    version: 1.0.0\n    description: a web server\n    urls: [web-1.0.0.tgz]\n"
	if err := os.WriteFile(IndexCachePath(cache, "good"), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(IndexCachePath(cache, "broken"), []byte("{{"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := &File{Repositories: []*Entry{{Name: "good"}, {Name: "missing"}, {Name: "broken"}}}
	s, skipped, err := LoadSearchIndex(file, cache)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Search(SearchOptions{Keyword: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"good/web 1.0.0"}, resultNames(got)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if len(skipped) != 2 {
		t.Fatalf("skipped = %v, want the missing and the broken repository", skipped)
	}
	wantMissing := `repository "missing" has no cached index (` + filepath.Join(cache, "missing-index.yaml") + `): run berth repo update missing`
	if skipped[0].Error() != wantMissing || !errors.Is(skipped[0], fs.ErrNotExist) {
		t.Errorf("missing repository: %v\nwant %s", skipped[0], wantMissing)
	}
	if msg := skipped[1].Error(); !strings.Contains(msg, `repository "broken"`) || !strings.Contains(msg, "run berth repo update broken") ||
		!errors.Is(skipped[1], ErrInvalidIndex) {
		t.Errorf("broken repository: %v", skipped[1])
	}

	if _, _, err := LoadSearchIndex(&File{Repositories: []*Entry{{Name: "missing"}}}, cache); err == nil ||
		!strings.Contains(err.Error(), "run berth repo update missing") {
		t.Errorf("no usable index: %v, want an error naming the repository", err)
	}
	if _, _, err := LoadSearchIndex(&File{}, cache); !errors.Is(err, ErrNoRepositories) {
		t.Errorf("no repositories: %v, want ErrNoRepositories", err)
	}
}
