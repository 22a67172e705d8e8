package cli

import (
	"strings"
	"testing"
)

// TestWaitTakesHelmStrategies: --wait is berth's bool and Helm 4's
// strategy names alike, on every command that has it.
func TestWaitTakesHelmStrategies(t *testing.T) {
	clearHelmEnv(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"install", "web", "./c"}, "true"},
		{[]string{"install", "web", "./c", "--wait"}, "true"},
		{[]string{"install", "web", "./c", "--wait=false"}, "false"},
		{[]string{"install", "web", "./c", "--wait=watcher"}, "true"},
		{[]string{"upgrade", "web", "./c", "--wait=legacy"}, "true"},
		{[]string{"upgrade", "web", "./c", "--wait=hookOnly"}, "false"},
		{[]string{"rollback", "web", "--wait=hookonly"}, "false"},
		{[]string{"uninstall", "web"}, "false"},
		{[]string{"uninstall", "web", "--wait"}, "true"},
		{[]string{"uninstall", "web", "--wait=watcher"}, "true"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, cmd, err := parsed(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := cmd.Flags().Lookup("wait").Value.String(); got != tt.want {
				t.Errorf("--wait is %s, want %s", got, tt.want)
			}
		})
	}
	if _, _, err := parsed(t, "install", "web", "./c", "--wait=sometimes"); err == nil || !strings.Contains(err.Error(), "hookOnly") {
		t.Errorf("--wait=sometimes: %v, want an error listing the strategies", err)
	}
}
