package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// run executes berth with args and returns the exit code and both streams.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestExitCodesAndUsageErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
	}{
		{
			"unknown command",
			[]string{"bogus"},
			ExitUsage,
			[]string{`Error: unknown command "bogus" for "berth"`, "Usage: berth COMMAND [flags]", "Run 'berth --help'"},
		},
		{"suggestion for a typo", []string{"versoin"}, ExitUsage, []string{"Did you mean version?"}}, //nolint:misspell // the typo is the test
		{
			"unknown root flag",
			[]string{"--bogus"},
			ExitUsage,
			[]string{"Error: unknown flag: --bogus", "Usage: berth", "Run 'berth --help' for more information."},
		},
		{
			"unknown subcommand flag",
			[]string{"version", "--bogus"},
			ExitUsage,
			[]string{"unknown flag: --bogus", "Usage: berth version [flags]", "Run 'berth version --help'"},
		},
		{
			"missing argument",
			[]string{"completion"},
			ExitUsage,
			[]string{`"berth completion" needs SHELL`, "Usage: berth completion bash|zsh|fish|powershell"},
		},
		{"too many arguments", []string{"version", "extra"}, ExitUsage, []string{`takes no arguments, got "extra"`}},
		{"invalid output format", []string{"version", "-o", "xml"}, ExitUsage, []string{`invalid --output "xml"`}},
		{"unknown shell", []string{"completion", "tcsh"}, ExitUsage, []string{`unknown shell "tcsh"`}},
		{"help", []string{"--help"}, ExitOK, nil},
		{"no arguments prints help", nil, ExitOK, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, stderr)
				}
			}
			if got := strings.Count(stderr, "Error:"); tt.wantCode != ExitOK && got != 1 {
				t.Errorf("error printed %d times, want once:\n%s", got, stderr)
			}
		})
	}
}

func TestVersionOutput(t *testing.T) {
	code, stdout, stderr := run(t, "version", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("version -o json is not JSON: %v\n%s", err, stdout)
	}
	want := []string{"buildDate", "commit", "goVersion", "platform", "version"}
	if diff := cmp.Diff(want, sortedKeys(got)); diff != "" {
		t.Errorf("version -o json keys (-want +got):\n%s", diff)
	}
	if v, _ := got["version"].(string); v == "" {
		t.Errorf("version is empty: %s", stdout)
	}

	code, stdout, _ = run(t, "version", "-o", "yaml")
	if code != ExitOK || !strings.Contains(stdout, "goVersion: go") {
		t.Errorf("version -o yaml = %d %q", code, stdout)
	}
	code, stdout, _ = run(t, "version")
	if code != ExitOK || !strings.HasPrefix(stdout, "berth ") {
		t.Errorf("version = %d %q", code, stdout)
	}
}

func TestCompletion(t *testing.T) {
	marks := map[string]string{
		"bash":       "__start_berth",
		"zsh":        "#compdef berth",
		"fish":       "complete -c berth",
		"powershell": "Register-ArgumentCompleter",
	}
	for shell, mark := range marks {
		t.Run(shell, func(t *testing.T) {
			code, stdout, stderr := run(t, "completion", shell)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, mark) {
				t.Errorf("completion %s lacks %q", shell, mark)
			}
		})
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
