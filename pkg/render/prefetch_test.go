package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRenderPrefetchMatchesSort renders charts with heads prefetched
// during rendering (no post-renderer) and without (an identity
// post-renderer turns prefetching off), and checks that manifests, hooks
// and YAML errors are the same either way.
func TestRenderPrefetchMatchesSort(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr bool
	}{
		{name: "manifests and hooks", files: map[string]string{
			"templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n" +
				"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n",
			"templates/b.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n" +
				"    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"2\"\n",
			"templates/_helpers.tpl": `{{ define "x" }}kind: Secret{{ end }}`,
			"templates/empty.yaml":   "{{/* nothing */}}\n",
			"templates/NOTES.txt":    "not: [yaml",
		}},
		{name: "invalid YAML", files: map[string]string{
			"templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
			"templates/z.yaml": "apiVersion: v1\n---\nkind: [Secret\n",
		}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Release: ReleaseOptions{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true}}
			prefetched, prefetchErr := Render(newChart("c", tt.files), nil, opts)
			opts.PostRender = func(files map[string]string) (map[string]string, error) { return files, nil }
			sorted, sortErr := Render(newChart("c", tt.files), nil, opts)
			if diff := cmp.Diff(errString(sortErr), errString(prefetchErr)); diff != "" {
				t.Errorf("error (-sorted +prefetched):\n%s", diff)
			}
			if (prefetchErr != nil) != tt.wantErr {
				t.Errorf("error = %v, want an error: %t", prefetchErr, tt.wantErr)
			}
			if prefetched == nil || sorted == nil {
				return
			}
			if diff := cmp.Diff(sorted.Manifests, prefetched.Manifests); diff != "" {
				t.Errorf("manifests (-sorted +prefetched):\n%s", diff)
			}
			if diff := cmp.Diff(sorted.Hooks, prefetched.Hooks); diff != "" {
				t.Errorf("hooks (-sorted +prefetched):\n%s", diff)
			}
			if len(sorted.Manifests)+len(sorted.Hooks) == 0 && sortErr == nil {
				t.Error("nothing rendered")
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
