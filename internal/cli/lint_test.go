package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLintCmd(t *testing.T) {
	const good, warn, bad = "testdata/lint/good", "testdata/lint/warn", "testdata/lint/bad"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		// wantStderr is the whole of stderr.
		wantStderr string
	}{
		{name: "clean", args: []string{good}},
		{name: "warning", args: []string{warn}},
		{name: "warning-old-kube", args: []string{warn, "--kube-version", "1.18"}},
		{name: "warning-set", args: []string{warn, "--set", "kind=Service"}},
		{
			name: "strict", args: []string{warn, "--strict"}, wantCode: ExitError,
			wantStderr: "Error: 1 chart(s) linted, 1 chart(s) failed\n",
		},
		{
			name: "error", args: []string{bad, good}, wantCode: ExitError,
			wantStderr: "Error: 2 chart(s) linted, 1 chart(s) failed\n",
		},
		{name: "values-file", args: []string{warn, "-f", "testdata/lint/warn-values.yaml", "--strict"}},
		{name: "namespace", args: []string{good, "-n", "Team"}},
		{name: "with-subcharts-quiet", args: []string{good, "--with-subcharts", "--quiet"}},
		{name: "quiet-clean", args: []string{good, "--quiet"}},
		{
			name: "json", args: []string{bad, warn, "-o", "json"}, wantCode: ExitError,
			wantStderr: "Error: 2 chart(s) linted, 1 chart(s) failed\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"lint"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			if diff := cmp.Diff(tt.wantStderr, stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			golden := filepath.Join("testdata", "lint", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update): %v", err)
			}
			if diff := cmp.Diff(string(want), stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLintCmdUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"kube version", []string{"lint", "testdata/lint/good", "--kube-version", "one"}, "invalid --kube-version"},
		{"output", []string{"lint", "testdata/lint/good", "-o", "xml"}, `invalid --output "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tt.want)
			}
		})
	}
}
