package render

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// billionLaughs is a YAML alias bomb: nine levels of nine aliases, 9^9
// strings once expanded, in under a kilobyte.
const billionLaughs = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

// TestRenderHostile renders templates that expand YAML alias bombs, in
// their output and through fromYaml, and checks that each fails or
// renders quickly with a message naming the template.
func TestRenderHostile(t *testing.T) {
	tests := []struct {
		name    string
		tpl     string
		wantErr string
		want    string
	}{
		{
			name: "alias bomb in the output",
			tpl:  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n" + indentLines(billionLaughs, "  "),
			wantErr: "YAML parse error on c/templates/bomb.yaml (document starting at line 1 of the rendered output): " +
				"error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
		{
			name: "alias bomb through fromYaml",
			tpl:  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  error: {{ (fromYaml .Values.bomb).Error | quote }}\n",
			want: "  error: \"error converting YAML to JSON: yaml: document contains excessive aliasing\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChart("c", map[string]string{"templates/bomb.yaml": tt.tpl})
			start := time.Now()
			res, err := Render(c, map[string]any{"bomb": billionLaughs}, Options{
				Release: ReleaseOptions{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true},
			})
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("took %s", elapsed)
			}
			if tt.wantErr != "" {
				var ye *YAMLError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &ye) {
					t.Fatalf("Render() error = %v, want a YAMLError %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Manifests) != 1 || !strings.HasSuffix(res.Manifests[0].Content, tt.want) {
				t.Errorf("Render() = %+v, want one manifest ending %q", res.Manifests, tt.want)
			}
		})
	}
}

func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+prefix) + "\n"
}
