//go:build e2e

package e2e

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-sh/berth/internal/testenv/tree"
	"github.com/berth-sh/berth/pkg/release"
)

// promoteChart writes the chart app into dir: a Deployment that kwok makes
// available, and a test Job the Job controller completes, or fails (its
// Pod cannot be scheduled, its deadline passes) with failTest=true.
func promoteChart(t *testing.T, dir string) {
	t.Helper()
	tree.Write(t, filepath.Join(dir, "app"), map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"values.yaml": "color: red\nfailTest: false\n",
		"templates/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}, labels: {color: {{ .Values.color | quote }}}}
spec:
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
`,
		"templates/tests/job.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-smoke
  annotations: {helm.sh/hook: test, helm.sh/hook-delete-policy: before-hook-creation}
spec:
  backoffLimit: 0
  {{- if .Values.failTest }}
  activeDeadlineSeconds: 3
  {{- end }}
  template:
    spec:
      restartPolicy: Never
      {{- if .Values.failTest }}
      nodeSelector: {no-such-node: "true"}
      {{- end }}
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
`,
	})
}

// promotion is one e2e promotion setup: registries A and B, a cosign key,
// a trust policy, and namespaces staging and prod.
type promotion struct {
	twoRegistries
	kubeconfig, staging, prod string
	policy, otherPolicy       string
}

func newPromotion(t *testing.T) promotion {
	t.Helper()
	client := newClient(t)
	p := promotion{twoRegistries: newTwoRegistries(t), kubeconfig: kubeconfigPath(t)}
	p.staging, p.prod = namespace(t, client), namespace(t, client)
	promoteChart(t, p.dir)
	policy := func(name, key string) string {
		path := filepath.Join(p.dir, name)
		writeFile(t, path, "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n"+
			"- name: ours\n  scopes: ["+p.reg.Host+", "+p.b.Host+"]\n  mode: enforce\n  keys: ["+key+"]\n")
		return path
	}
	p.policy, p.otherPolicy = policy("policy.yaml", p.pub), policy("other-policy.yaml", p.otherPub)
	return p
}

// conn are the cluster flags of commands in namespace ns; flags add the
// registries'.
func (p promotion) conn(ns string) []string { return []string{"--kubeconfig", p.kubeconfig, "-n", ns} }

func (p promotion) flags(ns string) []string { return append(p.conn(ns), p.both()...) }

// push packages app at version, pushes it to A's path (signed, when sign)
// and returns the pushed reference and digest.
func (p promotion) push(t *testing.T, path, version string, sign bool) signedPushResult {
	t.Helper()
	mustBerth(t, p.dir, "", "package", "app", "--version", version)
	args := []string{"push", filepath.Join(p.dir, "app-"+version+".tgz"), p.repo + path, "-o", "json"}
	if sign {
		args = append(args, "--sign", "--key", p.key)
	}
	var res signedPushResult
	decodeJSON(t, p.berthEnv(t, args...), &res)
	return res
}

// promoteReport is the part of promote -o json the tests read.
type promoteReport struct {
	Refused  bool
	CopiedTo string
	Chart    *release.ChartSource
	Gates    []struct{ Gate, Reason string }
	Target   struct{ Revision int }
}

// promote runs berth promote of staging's name to prod with extra flags
// and returns its exit code and report.
func (p promotion) promote(t *testing.T, name string, extra ...string) (int, promoteReport, string) {
	t.Helper()
	args := append(append([]string{"promote", name, "--to-namespace", p.prod, "-o", "json", "--timeout", "60s"}, p.flags(p.staging)...), extra...)
	run := runBerth(t, p.dir, "", args...)
	var r promoteReport
	if err := json.Unmarshal([]byte(run.Stdout), &r); err != nil {
		t.Fatalf("berth %s: exit %d, no report: %v\n%s\n%s", strings.Join(args, " "), run.ExitCode, err, run.Stdout, run.Stderr)
	}
	return run.ExitCode, r, run.Stderr
}

// refused checks a promotion exited code, refused by gate for reason, and
// installed nothing in prod.
func (p promotion) refused(t *testing.T, name string, code int, gate, reason string, extra ...string) {
	t.Helper()
	got, r, stderr := p.promote(t, name, extra...)
	if got != code || !r.Refused || len(r.Gates) == 0 || !slices.ContainsFunc(r.Gates, func(g struct{ Gate, Reason string }) bool {
		return g.Gate == gate && g.Reason == reason
	}) {
		t.Errorf("promote %s %v: exit %d (want %d), report %+v, want %s refused for %s\n%s", name, extra, got, code, r, gate, reason, stderr)
	}
	if run := runBerth(t, p.dir, "", append([]string{"status", name}, p.conn(p.prod)...)...); run.ExitCode != 1 ||
		!strings.Contains(run.Stderr, "not found") {
		t.Errorf("a refused promotion installed %s in prod: exit %d\n%s%s", name, run.ExitCode, run.Stdout, run.Stderr)
	}
}

// TestPromoteBetweenRegistries: a chart pushed and signed in registry A is
// installed as app in staging by digest; berth promote copies it to
// registry B with its signature and installs it in prod; prod's revision
// records the same digest, promoted-from staging and the signature check;
// list -A -l berth.sh/chart-digest finds both. Each gate refuses first.
func TestPromoteBetweenRegistries(t *testing.T) {
	p := newPromotion(t)
	pushed := p.push(t, "", "1.0.0", true)
	byDigest := p.repo + "/app@" + pushed.Digest
	mustBerth(t, p.dir, "", append([]string{
		"install", "app", byDigest, "--set", "failTest=true", "--timeout", "60s",
		"--policy", p.policy, "--source-revision", "c0ffee0123456789c0ffee0123456789c0ffee01",
	}, p.flags(p.staging)...)...)
	copyTo := []string{"--copy-to", p.bRepo}

	// Tests: none run, then a failed run.
	p.refused(t, "app", 4, "tests", "not-run", append(copyTo, "--require-tests")...)
	if run := runBerth(t, p.dir, "", append([]string{"test", "app", "--timeout", "60s"}, p.conn(p.staging)...)...); run.ExitCode != 1 {
		t.Fatalf("the failing test: exit %d, want 1\n%s%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	p.refused(t, "app", 4, "tests", "failed", append(copyTo, "--require-tests")...)
	// Soak: deployed seconds ago.
	p.refused(t, "app", 3, "soak", "too-young", append(copyTo, "--require-soak", "1h")...)
	// Signature: a policy trusting another key; an unsigned chart.
	p.refused(t, "app", 5, "signature", "unverified", append(copyTo, "--require-signature", "--policy", p.otherPolicy)...)
	unsigned := p.push(t, "", "1.0.1", false)
	mustBerth(t, p.dir, "", append([]string{"install", "plain", p.repo + "/app@" + unsigned.Digest, "--timeout", "60s"}, p.flags(p.staging)...)...)
	p.refused(t, "plain", 5, "signature", "unverified", append(copyTo, "--require-signature", "--policy", p.policy)...)
	// Same digest: B's tag 1.0.0 already names other content.
	mustBerth(t, p.dir, "", "package", "app", "--version", "1.0.0", "--app-version", "other")
	mustBerth(t, p.dir, "", append([]string{"push", filepath.Join(p.dir, "app-1.0.0.tgz"), p.bRepo + "/taken"}, p.both()...)...)
	p.refused(t, "app", 6, "same-digest", "tag-differs", "--copy-to", p.bRepo+"/taken", "--require-same-digest")

	// Nothing was copied to B by the refused promotions.
	if run := runBerth(t, p.dir, "", append([]string{"pull", p.bRepo + "/app:1.0.0", "-d", t.TempDir()}, p.both()...)...); run.ExitCode == 0 {
		t.Errorf("a refused promotion copied the chart to B")
	}

	// The tests pass now, the same chart: promote with every gate.
	mustBerth(t, p.dir, "", append([]string{
		"upgrade", "app", byDigest, "--set", "failTest=false", "--timeout", "60s",
		"--source-revision", "c0ffee0123456789c0ffee0123456789c0ffee01",
	}, p.flags(p.staging)...)...)
	mustBerth(t, p.dir, "", append([]string{"test", "app", "--timeout", "60s"}, p.conn(p.staging)...)...)
	code, r, stderr := p.promote(t, "app", append(copyTo, "--require-tests", "--require-soak", "1s", "--require-same-digest",
		"--require-signature", "--policy", p.policy, "--set", "color=blue")...)
	if code != 0 || r.Refused || r.Chart.Digest != pushed.Digest || r.CopiedTo != p.bRepo+"/app:1.0.0" || len(r.Gates) != 4 {
		t.Fatalf("promote: exit %d, report %+v\n%s", code, r, stderr)
	}
	mustBerth(t, p.dir, "", append([]string{"pull", p.bRepo + "/app:1.0.0", "-d", t.TempDir()}, p.both()...)...)
	// The copy in B carries the signature.
	mustBerth(t, p.dir, "", append([]string{"verify", p.bRepo + "/app@" + pushed.Digest, "--key", p.pub}, p.both()...)...)

	var st struct{ Provenance *release.Provenance }
	decodeJSON(t, mustBerth(t, p.dir, "", append([]string{"status", "app", "-o", "json"}, p.conn(p.prod)...)...), &st)
	prov := st.Provenance
	if prov == nil || prov.Chart.Digest != pushed.Digest || prov.Chart.Ref != p.bRepo+"/app@"+pushed.Digest ||
		prov.Chart.Signature == nil || !prov.Chart.Signature.Verified || prov.PromotedFrom == nil ||
		prov.PromotedFrom.Namespace != p.staging || prov.PromotedFrom.Revision != 2 || prov.SourceRevision != "c0ffee0123456789c0ffee0123456789c0ffee01" {
		t.Errorf("prod's provenance: %+v", prov)
	}

	var rows []struct{ Name, Namespace, Chart string }
	sel := release.LabelChartDigest + "=" + release.ShortDigest(pushed.Digest)
	decodeJSON(t, mustBerth(t, p.dir, "", "list", "-A", "-l", sel, "--kubeconfig", p.kubeconfig, "-o", "json"), &rows)
	var where []string
	for _, row := range rows {
		where = append(where, row.Namespace+"/"+row.Name)
	}
	for _, want := range []string{p.staging + "/app", p.prod + "/app"} {
		if !slices.Contains(where, want) {
			t.Errorf("list -A -l %s does not find %s: %v", sel, want, where)
		}
	}
	if slices.Contains(where, p.staging+"/plain") {
		t.Errorf("list -A -l %s finds the other chart's release: %v", sel, where)
	}
}
