package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/internal/testenv/tree"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// ciVariables are the variables that make berth think it runs in CI;
// the tests clear them, so that they run alike in and out of CI.
var ciVariables = []string{
	"CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "TF_BUILD", "BITBUCKET_BUILD_NUMBER", "TRAVIS", "JENKINS_URL",
}

// outsideCI clears the CI variables and sets the OS user.
func outsideCI(t *testing.T) {
	t.Helper()
	for _, k := range ciVariables {
		t.Setenv(k, "")
	}
	t.Setenv("USER", "tester")
}

// stageAndProd writes a kubeconfig of the test API server with two contexts,
// "stage" (current) and "prod", as two clusters would have.
func stageAndProd(t *testing.T) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(testenv.Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	current := cfg.Contexts[cfg.CurrentContext]
	prod := *current
	cfg.Contexts = map[string]*clientcmdapi.Context{"stage": current, "prod": &prod}
	cfg.CurrentContext = "stage"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// promoteChart packages the chart app 1.0.0, whose test (a ConfigMap)
// passes once created, and returns the archive.
func promoteChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	tree.Write(t, dir, map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"values.yaml": "color: red\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  color: {{ .Values.color | quote }}\n" +
			"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-test\n  annotations:\n    helm.sh/hook: test\n",
	})
	out := t.TempDir()
	runOK(t, "package", dir, "-d", out)
	return filepath.Join(out, "app-1.0.0.tgz")
}

// promoteReport is the part of promote -o json the tests read.
type promoteReport struct {
	Source, Target struct {
		Context, Namespace, Release string
		Revision                    int
	}
	Chart    *release.ChartSource
	CopiedTo string
	Refused  bool
	Gates    []struct {
		Gate, Reason, Message string
		Passed                bool
	}
}

func TestPromoteCommand(t *testing.T) {
	outsideCI(t)
	isolateRegistryEnv(t)
	reg := registry.New(t)
	kubeconfig := stageAndProd(t)
	staging, prod := testenv.Namespace(t), testenv.Namespace(t)
	var pushed struct{ Ref, Digest string }
	if err := json.Unmarshal([]byte(runOK(t, "push", promoteChart(t), reg.Ref("a"), "--plain-http", "-o", "json")), &pushed); err != nil {
		t.Fatal(err)
	}
	src := []string{"--kubeconfig", kubeconfig, "-n", staging}
	runOK(t, append([]string{"install", "app", pushed.Ref, "--plain-http", "--source-revision", "0123456789abcdef0123", "--ci-url", "https://ci.example/1"}, src...)...)

	// Tests not run yet: refused with the tests gate's code; nothing applied.
	args := append([]string{
		"promote", "app", "--to-context", "prod", "--to-namespace", prod, "--copy-to", reg.Ref("b"),
		"--plain-http", "--set", "color=blue", "--require-tests", "--require-same-digest", "-o", "json",
	}, src...)
	code, stdout, stderr := run(t, args...)
	var r promoteReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("promote -o json: %v\n%s", err, stdout)
	}
	if code != ExitRefusedTests || !r.Refused || !strings.Contains(stderr, "promotion refused: tests (not-run)") {
		t.Errorf("refused promotion: exit %d, report %+v, stderr %s", code, r, stderr)
	}
	if code, _, _ := run(t, "status", "app", "--kubeconfig", kubeconfig, "--context", "prod", "-n", prod); code == ExitOK {
		t.Error("a refused promotion installed the target")
	}

	runOK(t, append([]string{"test", "app"}, src...)...)
	r = promoteReport{}
	if err := json.Unmarshal([]byte(runOK(t, args...)), &r); err != nil {
		t.Fatal(err)
	}
	if r.Refused || r.Chart.Digest != pushed.Digest || r.CopiedTo != reg.Ref("b/app:1.0.0") ||
		r.Source.Context != "stage" || r.Target.Context != "prod" || r.Target.Revision != 1 || len(r.Gates) != 2 {
		t.Errorf("promote report %+v", r)
	}

	var st struct {
		Provenance *release.Provenance
		Tests      []release.TestRecord
	}
	if err := json.Unmarshal([]byte(runOK(t, "status", "app", "--kubeconfig", kubeconfig, "--context", "prod", "-n", prod, "-o", "json")), &st); err != nil {
		t.Fatal(err)
	}
	p := st.Provenance
	if p == nil || p.Chart.Digest != pushed.Digest || p.SourceRevision != "0123456789abcdef0123" || p.Actor != "tester" ||
		p.KubeUser == "" || p.PromotedFrom == nil || p.PromotedFrom.String() != "stage/"+staging+"/app@1" ||
		p.PromotedFrom.ChartRef != pushed.Ref {
		t.Errorf("prod's provenance: %+v", p)
	}
	// Where does this build run? Both releases, from their records' metadata.
	var rows []releaseSummary
	sel := release.LabelChartDigest + "=" + release.ShortDigest(pushed.Digest)
	if err := json.Unmarshal([]byte(runOK(t, "list", "-A", "-l", sel, "--kubeconfig", kubeconfig, "-o", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, row := range rows {
		where = append(where, row.Namespace+"/"+row.Name)
		if row.Provenance == nil || row.Provenance.Chart.Digest != pushed.Digest {
			t.Errorf("list row %s/%s provenance %+v", row.Namespace, row.Name, row.Provenance)
		}
	}
	want := []string{staging + "/app", prod + "/app"}
	slices.Sort(want)
	slices.Sort(where)
	if d := cmp.Diff(want, where); d != "" {
		t.Errorf("list -A -l %s (-want +got):\n%s", sel, d)
	}
	rows = nil
	if err := json.Unmarshal([]byte(runOK(t, "history", "app", "--kubeconfig", kubeconfig, "--context", "prod", "-n", prod, "-o", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Provenance == nil || rows[0].Provenance.PromotedFrom == nil {
		t.Errorf("history -o json: %+v", rows)
	}
	out := runOK(t, append([]string{"status", "app"}, src...)...)
	for _, want := range []string{"PROVENANCE:", "chart: " + pushed.Ref + " " + pushed.Digest, "ci: https://ci.example/1", "TESTS: 1 test(s) passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

// TestPromoteStackCommand: promote --stack --write-lock pins prod to what
// staging runs and applies nothing; without it prod is applied with them.
func TestPromoteStackCommand(t *testing.T) {
	outsideCI(t)
	isolateRegistryEnv(t)
	reg := registry.New(t)
	staging, prod := testenv.Namespace(t), testenv.Namespace(t)
	var pushed struct{ Ref, Digest string }
	if err := json.Unmarshal([]byte(runOK(t, "push", promoteChart(t), reg.Ref("a"), "--plain-http", "-o", "json")), &pushed); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "berth.yaml")
	tree.Write(t, dir, map[string]string{"berth.yaml": "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: shop}\n" +
		"environments:\n  staging: {namespace: " + staging + "}\n  prod: {namespace: " + prod + "}\n" +
		"releases:\n  - {name: app, chart: " + reg.Ref("a/app") + ", environments: {prod: {set: {color: prod}}}}\n"})
	conn := []string{"--kubeconfig", testenv.Kubeconfig(t), "--plain-http"}
	runOK(t, append([]string{"stack", "apply", "-f", file, "-e", "staging"}, conn...)...)

	var r struct {
		Releases []promoteReport
		LockFile string
	}
	out := runOK(t, append([]string{"promote", "--stack", file, "--from", "staging", "--to", "prod", "--write-lock", "-o", "json"}, conn...)...)
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	lock, err := stack.ReadLock(r.LockFile)
	if err != nil || lock == nil {
		t.Fatalf("lock %s: %v", r.LockFile, err)
	}
	if pin, ok := lock.Pin("prod", "app"); !ok || pin.Digest != pushed.Digest || pin.Version != "1.0.0" || len(r.Releases) != 1 {
		t.Errorf("berth.lock pins %+v (%v); report %+v", pin, ok, r)
	}
	if code, _, _ := run(t, "status", "app", "--kubeconfig", testenv.Kubeconfig(t), "-n", prod); code == ExitOK {
		t.Error("--write-lock applied the target")
	}

	code, _, stderr := run(t, append([]string{"promote", "--stack", file, "--from", "staging", "--to", "prod", "--require-tests"}, conn...)...)
	if code != ExitRefusedTests || !strings.Contains(stderr, "tests (not-run)") {
		t.Errorf("stack promotion without tests: exit %d\n%s", code, stderr)
	}
	runOK(t, append([]string{"promote", "--stack", file, "--from", "staging", "--to", "prod"}, conn...)...)
	var st struct{ Provenance *release.Provenance }
	if err := json.Unmarshal([]byte(runOK(t, "status", "app", "--kubeconfig", testenv.Kubeconfig(t), "-n", prod, "-o", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if p := st.Provenance; p == nil || p.Chart.Digest != pushed.Digest || p.PromotedFrom == nil || p.PromotedFrom.Namespace != staging || p.Actor != "tester" {
		t.Errorf("prod's provenance after the stack promotion: %+v", p)
	}
}
