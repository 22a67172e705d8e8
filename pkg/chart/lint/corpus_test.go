package lint

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusCharts returns the charts of the shared Helm-compatibility corpus:
// $CORPUS/charts as the Makefile sets it, by default next to the
// repository.
func corpusCharts() string {
	if dir := os.Getenv("CORPUS"); dir != "" {
		return filepath.Join(dir, "charts")
	}
	return "../../../../shared/corpus/charts"
}

// helmFails are the corpus charts `helm lint` (4.3.1) fails with its
// defaults; it passes every other one.
var helmFails = map[string]bool{
	"helm-testdata-chart-with-schema-and-subchart": true, // type in a v1 Chart.yaml, schema, unlisted subchart
	"helm-testdata-chart-with-template-lib-dep":    true, // type in a v1 Chart.yaml, unlisted subchart
	"helm-testdata-frobnitz":                       true, // dependencies in a v1 Chart.yaml
	"helm-testdata-lib-chart":                      true, // type "Library"
	"helm-testdata-subchart":                       true, // dependencies in a v1 Chart.yaml
	"helm-testdata-subpop":                         true, // dependencies in a v1 Chart.yaml
}

// Every corpus chart fails berth lint exactly when it fails helm lint.
func TestCorpusAsHelm(t *testing.T) {
	corpusDir := corpusCharts()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("read the corpus (../shared/corpus next to the repository, or $CORPUS): %v", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			res := Lint(filepath.Join(corpusDir, e.Name()), Options{Namespace: "default"})
			if got := res.Failed(false); got != helmFails[e.Name()] {
				t.Errorf("failed = %v, helm lint: %v; messages:", got, helmFails[e.Name()])
				for _, m := range res.Messages {
					t.Log(m)
				}
			}
		})
	}
}
