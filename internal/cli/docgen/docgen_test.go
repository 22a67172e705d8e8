package docgen

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/commands")

// TestCommandDocsUpToDate fails when docs/commands differs from what the
// commands generate: run `make docs` (or this test with -update).
func TestCommandDocsUpToDate(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "docs", "commands")
	if *update {
		if err := WriteDocs(dir); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := GenerateDocs()
	if err != nil {
		t.Fatal(err)
	}
	committed, err := filepath.Glob(filepath.Join(dir, "berth*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var gotNames, wantNames []string
	for _, p := range committed {
		gotNames = append(gotNames, filepath.Base(p))
	}
	for name := range pages {
		wantNames = append(wantNames, name)
	}
	slices.Sort(wantNames)
	if diff := cmp.Diff(wantNames, gotNames); diff != "" {
		t.Fatalf("docs/commands pages are stale, run `make docs` (-want +got):\n%s", diff)
	}
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("docs/commands/%s is stale, run `make docs` (-want +got):\n%s", name, diff)
		}
	}
}
