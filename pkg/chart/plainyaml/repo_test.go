package plainyaml

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docSeparator splits a YAML stream into documents, as the values
// reader does.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(\n|$)`)

// TestRepositoryYAML decodes every document of every YAML file of this
// repository that is not a template (values files, charts' metadata,
// expected manifests, stack and policy files): whatever Decode accepts
// must be what sigs.k8s.io/yaml makes of it, and most of it must be
// accepted, or the decoder saves nothing. ../shared's corpora are
// checked end to end by make compat.
func TestRepositoryYAML(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	accepted, total := 0, 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".cluster" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		ext := filepath.Ext(p)
		if d.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.Contains(filepath.ToSlash(p), "/templates/") {
			return nil
		}
		data, err := os.ReadFile(p) //nolint:gosec // the repository's own files
		if err != nil {
			return err
		}
		for _, doc := range docSeparator.Split(string(data), -1) {
			if _, err := reference(doc); err != nil {
				continue
			}
			total++
			if checkAgrees(t, doc) {
				accepted++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total < 100 || accepted*10 < total*8 {
		t.Errorf("Decode accepted %d of %d valid documents of the repository; want at least 100 documents and 80 %% accepted", accepted, total)
	}
	t.Logf("Decode accepted %d of %d documents", accepted, total)
}
