package values

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOptionsMerge(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"base.yaml":  "a: base\nm: {p: 1, q: 1}\nlist: [1, 2]\nnum: 10\n",
		"over.yaml":  "a: over\nm: {q: 2, r: null}\nlist: [3]\n",
		"multi.yaml": "# first\na: one\nm: {p: 1}\n---\nm: {q: 2}\n---\n# only a comment\n---\nb: two\n",
		"msg.txt":    "hello\n",
		"bad.yaml":   "a: [1\n",
		"list.yaml":  "- 1\n",
	})
	path := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name    string
		opts    Options
		stdin   string
		want    string
		wantErr string
	}{
		{
			name: "files merge in order, null is kept, lists are replaced",
			opts: Options{ValueFiles: []string{path("base.yaml"), path("over.yaml")}},
			want: "a: over\nm: {p: 1, q: 2, r: null}\nlist: [3]\nnum: 10",
		},
		{
			name: "documents of one file merge in order",
			opts: Options{ValueFiles: []string{path("multi.yaml")}},
			want: "a: one\nm: {p: 1, q: 2}\nb: two",
		},
		{
			name:  "stdin",
			opts:  Options{ValueFiles: []string{path("base.yaml"), "-"}},
			stdin: "a: stdin\n",
			want:  "a: stdin\nm: {p: 1, q: 1}\nlist: [1, 2]\nnum: 10",
		},
		{
			name: "precedence: file, set-json, set, set-string, set-file, set-literal",
			opts: Options{
				ValueFiles:    []string{path("base.yaml")},
				JSONValues:    []string{`a="json"`, `j=1`, `{"m": {"q": 5}}`},
				Values:        []string{"a=set,s=1,j=2", "s=2"},
				StringValues:  []string{"a=str,ss=1,s=3"},
				FileValues:    []string{"a=" + path("msg.txt") + ",f=" + path("msg.txt")},
				LiteralValues: []string{"a=lit,eral", "l=1"},
			},
			want: `
a: lit,eral
m: {p: 1, q: 5}
list: [1, 2]
num: 10
j: 2
s: "3"
ss: "1"
f: "hello\n"
l: "1"
`,
		},
		{
			name: "set-json object merges like a file",
			opts: Options{JSONValues: []string{` {"a": {"b": [1, {"c": null}]}}`}},
			want: "a: {b: [1, {c: null}]}",
		},
		{
			name:  "set-file from stdin",
			opts:  Options{FileValues: []string{"cert=-"}},
			stdin: "PEM",
			want:  "cert: PEM",
		},
		{name: "missing file", opts: Options{ValueFiles: []string{path("none.yaml")}}, wantErr: "none.yaml: no such file"},
		{name: "bad YAML names file and line", opts: Options{ValueFiles: []string{path("bad.yaml")}}, wantErr: "failed to parse " + path("bad.yaml") + ": YAML document 1: error converting YAML to JSON: yaml: line 1"},
		{name: "a list is not values", opts: Options{ValueFiles: []string{path("list.yaml")}}, wantErr: "failed to parse " + path("list.yaml")},
		{name: "bad --set", opts: Options{Values: []string{"a"}}, wantErr: `failed parsing --set data: key "a" has no value`},
		{name: "bad --set-json", opts: Options{JSONValues: []string{"a=x"}}, wantErr: "failed parsing --set-json data a=x"},
		{name: "bad --set-json object", opts: Options{JSONValues: []string{"{"}}, wantErr: "failed parsing --set-json data JSON: {"},
		{name: "bad --set-file", opts: Options{FileValues: []string{"a=" + path("none")}}, wantErr: "failed parsing --set-file data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.opts.Merge(strings.NewReader(tt.stdin))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := parseYAML(tt.want)
			// --set integers are int64 where YAML gives float64.
			for _, k := range []string{"j"} {
				if _, ok := want[k]; ok {
					want[k] = int64(want[k].(float64))
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestReadValuesEmpty(t *testing.T) {
	for _, in := range []string{"", "---\n", "# nothing\n", "null\n"} {
		got, err := ReadValues(strings.NewReader(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if diff := cmp.Diff(map[string]any{}, got); diff != "" {
			t.Errorf("%q: (-want +got)\n%s", in, diff)
		}
	}
}

func TestOptionsMergeURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/values.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("remote: true\n"))
	}))
	defer srv.Close()

	got, err := (&Options{ValueFiles: []string{srv.URL + "/values.yaml"}}).Merge(nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"remote": true}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}

	_, err = (&Options{ValueFiles: []string{srv.URL + "/missing.yaml"}}).Merge(nil)
	if err == nil || !strings.Contains(err.Error(), "failed to fetch "+srv.URL+"/missing.yaml : 404 Not Found") {
		t.Errorf("error = %v, want a 404 naming the URL", err)
	}
	_, err = (&Options{ValueFiles: []string{"bad%zz.yaml"}}).Merge(nil)
	if err == nil || !strings.Contains(err.Error(), "invalid URL escape") {
		t.Errorf("error = %v, want Helm's URL parse error", err)
	}
}

func TestReadValuesLastLineWithoutNewline(t *testing.T) {
	// A last line without a newline must not be lost, even when the line
	// fills the reader's 4096-byte buffer exactly (Helm issue 32506).
	for _, size := range []int{5, 4096, 8192} {
		pad := strings.Repeat("x", size-len("b: "))
		got, err := ReadValues(strings.NewReader("a: 1\nb: " + pad))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"a": float64(1), "b": pad}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("size %d: (-want +got)\n%s", size, diff)
		}
	}
}
