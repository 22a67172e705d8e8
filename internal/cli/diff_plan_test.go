package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUpgradePlan(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	chartDir := secretChart(t)
	var outs outputs
	defer func() { outs.checkNoSecrets(t) }()
	with := func(args ...string) []string { return append(args, conn...) }
	plan := filepath.Join(t.TempDir(), "plan.json")
	outs.run(t, with("install", "web", chartDir, "--set", "token="+firstToken)...)

	code, _, stderr := outs.run(t, with("diff", "upgrade", "web", chartDir, "--set", "color=blue", "--out", plan)...)
	if code != ExitOK {
		t.Fatalf("diff upgrade --out: exit %d: %s", code, stderr)
	}
	if info, err := os.Stat(plan); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("plan file: %v, %v", info, err)
	}
	code, out, stderr := outs.run(t, with("upgrade", "web", "--plan", plan)...)
	if code != ExitOK || !strings.Contains(out, "ConfigMap/"+ns+"/web-first configured") {
		t.Fatalf("upgrade --plan: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = outs.run(t, with("diff", "upgrade", "web", chartDir, "--set", "color=blue", "--detailed-exitcode")...)
	if code != ExitOK {
		t.Errorf("after the plan, diff of the same upgrade: exit %d\n%s", code, out)
	}

	outs.run(t, with("diff", "upgrade", "web", chartDir, "--set", "color=green", "--out", plan)...)
	editConfigMap(t, ns, "web-first", "extra", "x")
	code, _, stderr = outs.run(t, with("upgrade", "web", "--plan", plan)...)
	if code != ExitError || !strings.Contains(stderr, "plan is out of date") ||
		!strings.Contains(stderr, "ConfigMap/"+ns+"/web-first: planned at resourceVersion") {
		t.Errorf("upgrade --plan after an edit: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = outs.run(t, with("upgrade", "web", chartDir, "--plan", plan)...)
	if code != ExitUsage || !strings.Contains(stderr, "--plan takes NAME only") {
		t.Errorf("upgrade --plan with a chart: exit %d, stderr %q", code, stderr)
	}
	out = runOK(t, with("history", "web", "-o", "json")...)
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"status"`) {
			got = append(got, strings.TrimSpace(line))
		}
	}
	want := []string{`"status": "superseded",`, `"status": "deployed",`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
}

func TestDriftCommand(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	var outs outputs
	defer func() { outs.checkNoSecrets(t) }()
	with := func(args ...string) []string { return append(args, conn...) }
	outs.run(t, with("install", "web", secretChart(t), "--set", "token="+firstToken)...)

	code, out, stderr := outs.run(t, with("drift", "web")...)
	if code != ExitOK || out != "0 of 3 objects drifted from release web revision 1\n" {
		t.Errorf("drift of a fresh release: exit %d\n%s%s", code, out, stderr)
	}
	editConfigMap(t, ns, "web-first", "color", "green")
	editConfigMap(t, ns, "web-second", "added", "x")
	code, out, _ = outs.run(t, with("drift", "web", "--correct")...)
	want := "ConfigMap/" + ns + "/web-first:\n" +
		"  kubectl-edit changed data.color: \"red\" -> \"green\"\n" +
		"ConfigMap/" + ns + "/web-second:\n" +
		"  kubectl-edit added data: {\"added\":\"x\"}\n" +
		"2 of 3 objects drifted from release web revision 1\n" +
		"CORRECTED:\n" +
		"  ConfigMap/" + ns + "/web-first configured\n" +
		"  ConfigMap/" + ns + "/web-second configured\n"
	if d := cmp.Diff(want, out); code != ExitChanges || d != "" {
		t.Errorf("drift --correct: exit %d (-want +got):\n%s", code, d)
	}
	code, out, _ = outs.run(t, with("drift", "web", "-o", "json")...)
	if code != ExitOK || !strings.Contains(out, `"drifted": false`) {
		t.Errorf("drift after --correct: exit %d\n%s", code, out)
	}
	out = runOK(t, with("history", "web")...)
	if strings.Count(out, "\n") != 2 {
		t.Errorf("history after --correct has more than revision 1:\n%s", out)
	}
}
