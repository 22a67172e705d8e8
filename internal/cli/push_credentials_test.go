package cli

import (
	"strings"
	"testing"

	"github.com/berth-sh/berth/internal/testenv/registry"
)

// TestPushUsernamePassword: push --username/--password authenticates
// without a stored login, as helm push does.
func TestPushUsernamePassword(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t, registry.WithBasicAuth("ann", "s3cret"))
	archive := writeChartArchive(t, t.TempDir(), "app", "1.0.0")
	code, _, stderr := runRegistryCLI(t, "", "push", archive, reg.Ref("charts"), "--plain-http")
	if code != ExitError {
		t.Fatalf("push without credentials: exit %d, want %d\n%s", code, ExitError, stderr)
	}
	out := mustRun(t, "", "push", archive, reg.Ref("charts"), "--plain-http", "--username", "ann", "--password", "s3cret")
	if !strings.Contains(out, "charts/app:1.0.0") {
		t.Errorf("push printed %q", out)
	}
	code, _, _ = runRegistryCLI(t, "", "push", archive, reg.Ref("charts"), "--plain-http", "--username", "ann", "--password", "wrong")
	if code != ExitError {
		t.Errorf("push with a wrong password: exit %d", code)
	}
}
