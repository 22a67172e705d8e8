package cli

import "testing"

// TestNoSecretLeaks runs every release command that reports on a release
// holding a Secret, with --debug, in text and JSON, and checks that no
// output shows the Secret's value, plain or base64 (issue "Reliability":
// secret data never appears in logs, errors, progress or JSON events).
// Dry runs and get manifest print manifests with Secret values masked.
// berth get values and get all, which print the user's values on request,
// are the exception, as in Helm.
func TestNoSecretLeaks(t *testing.T) {
	conn := clusterArgs(t)
	chartDir := secretChart(t)
	var outs outputs
	defer func() { outs.checkNoSecrets(t) }()
	with := func(args ...string) []string { return append(append(args, "--debug"), conn...) }

	for _, args := range [][]string{
		{"install", "web", chartDir, "--set", "token=" + firstToken, "--dry-run"},
		{"install", "web", chartDir, "--set", "token=" + firstToken, "--dry-run=server", "-o", "json"},
		{"install", "web", chartDir, "--set", "token=" + firstToken},
		{"upgrade", "web", chartDir, "--set", "token=" + secondToken, "--dry-run"},
		{"get", "manifest", "web"},
		{"get", "hooks", "web"},
		{"upgrade", "web", chartDir, "--set", "token=" + secondToken, "-o", "json"},
		{"status", "web"},
		{"status", "web", "-o", "json"},
		{"history", "web", "-o", "json"},
		{"diff", "rollback", "web", "1"},
		{"diff", "rollback", "web", "1", "-o", "json"},
		{"rollback", "web", "1", "-o", "json"},
		{"drift", "web", "-o", "json"},
		{"list", "-o", "json"},
		{"uninstall", "web", "-o", "json"},
	} {
		if code, _, stderr := outs.run(t, with(args...)...); code != ExitOK {
			t.Errorf("berth %v: exit %d\n%s", args, code, stderr)
		}
	}
}
