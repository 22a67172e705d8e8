package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// helmTemplateFlags is every flag of `helm template` (v4.3.1, and Helm 3's
// that v4 dropped) that changes only what an install does, with a value:
// template accepts them all, and they change nothing it prints.
var helmTemplateFlags = []string{
	"--atomic", "--create-namespace", "--description", "a description", "--disable-openapi-validation",
	"--force-conflicts", "--force-replace", "--hide-notes", "--labels", "team=web,tier=1", "-l", "x=y",
	"--render-subchart-notes", "--replace", "--rollback-on-failure", "--server-side=false", "--take-ownership",
	"--timeout", "3m", "--wait", "--wait=hookOnly", "--wait-for-jobs", "--skip-crds", "--devel",
	"--version", "9.9.9", "--generate-name", "--dry-run", "--dry-run=client",
	"--kube-context", "nowhere", "--kube-token", "t", "--kube-apiserver", "https://127.0.0.1:1",
	"--kube-as-user", "ann", "--kube-as-group", "devs", "--kube-ca-file", "ca.pem",
	"--kube-insecure-skip-tls-verify", "--kube-tls-server-name", "x", "--burst-limit", "100", "--qps", "50",
	"--color", "never", "--content-cache", "/tmp/content", "--debug",
}

func TestTemplateAcceptsHelmFlags(t *testing.T) {
	plain := runOK(t, "template", templateChart, "--kube-version", "1.33.0")
	args := append([]string{"template", templateChart, "--kube-version", "1.33.0"}, helmTemplateFlags...)
	if got := runOK(t, args...); got != plain {
		t.Errorf("helm's install-only flags changed the output (-plain +with flags):\n%s", cmp.Diff(plain, got))
	}
	// -s is --show-only, as in helm template.
	svc := runOK(t, "template", "rel", templateChart, "-s", "templates/svc.yaml")
	if !strings.HasPrefix(svc, "---\n# Source: web/templates/svc.yaml\n") || strings.Count(svc, "# Source:") != 1 {
		t.Errorf("-s templates/svc.yaml printed:\n%s", svc)
	}
	code, _, stderr := run(t, "template", "rel", templateChart, "--generate-name")
	if code != ExitUsage || !strings.Contains(stderr, "not both") {
		t.Errorf("NAME with --generate-name: exit %d\n%s", code, stderr)
	}
	out := runOK(t, "template", templateChart, "--name-template", `{{ "from" }}-{{ "template" }}`, "-s", "templates/svc.yaml")
	if !strings.Contains(out, "name: from-template-web") {
		t.Errorf("--name-template: the release is not named from-template:\n%s", out)
	}
}

// writePostRenderer writes an executable script that appends a label to
// every document's metadata with sed, as kustomize wrappers edit
// manifests, and logs its arguments to args.log beside it.
func writePostRenderer(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "post-render.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil { //nolint:gosec // it must run
		t.Fatal(err)
	}
	return path
}

func TestTemplatePostRenderer(t *testing.T) {
	marker := writePostRenderer(t, `#!/bin/sh
# every document gains a label: the program saw them all, hooks included
echo "$@" > "$(dirname "$0")/args.log"
sed 's/^metadata:$/metadata:\n  labels: {post-rendered: "yes"}/'
echo '---'
echo 'apiVersion: v1'
echo 'kind: ConfigMap'
echo 'metadata: {name: added-by-post-renderer}'
`)
	out := runOK(t, "template", "rel", templateChart, "--post-renderer", marker, "--post-renderer-args", "--flag",
		"--post-renderer-args", "value")
	docs := strings.Count(out, "\n---\n") + 1
	if got := strings.Count(out, `post-rendered: "yes"`); got == 0 || got != docs-1 {
		t.Errorf("%d of %d documents post-rendered:\n%s", got, docs, out)
	}
	if !strings.Contains(out, "# Source: generated-by-postrender-") || !strings.Contains(out, "name: added-by-post-renderer") {
		t.Errorf("the document the post-renderer added is missing:\n%s", out)
	}
	if strings.Contains(out, "postrenderer.helm.sh/postrender-filename") {
		t.Errorf("the template-name annotation leaked into the output:\n%s", out)
	}
	if !strings.Contains(out, "# Source: web/templates/test.yaml") {
		t.Errorf("hooks were lost:\n%s", out)
	}
	args, err := os.ReadFile(filepath.Join(filepath.Dir(marker), "args.log"))
	if err != nil || string(args) != "--flag value\n" {
		t.Errorf("post-renderer arguments %q (%v), want --flag value", args, err)
	}

	failing := writePostRenderer(t, "#!/bin/sh\necho 'kustomize: no kustomization.yaml' >&2\nexit 3\n")
	empty := writePostRenderer(t, "#!/bin/sh\ncat >/dev/null\n")
	invalid := writePostRenderer(t, "#!/bin/sh\ncat >/dev/null\necho 'kind: [unclosed'\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"fails", []string{"--post-renderer", failing}, ExitError, []string{failing, "exit status 3", "no kustomization.yaml"}},
		{"prints nothing", []string{"--post-renderer", empty}, ExitError, []string{empty, "printed nothing"}},
		{"prints invalid YAML", []string{"--post-renderer", invalid}, ExitError, []string{invalid, "invalid YAML"}},
		{"not found", []string{"--post-renderer", "no-such-post-renderer"}, ExitUsage, []string{`"no-such-post-renderer"`}},
		{"args without a program", []string{"--post-renderer-args", "x"}, ExitUsage, []string{"needs --post-renderer"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"template", "rel", templateChart}, tt.args...)...)
			if code != tt.code || stdout != "" {
				t.Errorf("exit %d (want %d), stdout %q", code, tt.code, stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
		})
	}
}
