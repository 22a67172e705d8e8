package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// TestOptions tune Test.
type TestOptions struct {
	// Timeout bounds each test hook; 0 is DefaultHookTimeout.
	Timeout time.Duration
	// LockTimeout is how long to wait for another client's lock.
	LockTimeout time.Duration
	// Logs reads the logs of every test that ran, not only of a failed
	// one.
	Logs bool
	// Filter selects tests as Helm's --filter does: "name=NAME" runs only
	// the tests named (any of them), "!name=NAME" leaves a test out.
	Filter []string
}

// testFilter turns TestOptions.Filter into a hook selector; nil selects
// every test. A filter that is not name=… or !name=… is an error.
func testFilter(filters []string) (func(*release.Hook) bool, error) {
	if len(filters) == 0 {
		return nil, nil
	}
	include, exclude := map[string]bool{}, map[string]bool{}
	for _, f := range filters {
		neg := strings.HasPrefix(f, "!")
		attr, value, ok := strings.Cut(strings.TrimPrefix(f, "!"), "=")
		if !ok || attr != "name" || value == "" {
			return nil, fmt.Errorf("test filter %q: use name=NAME or !name=NAME", f)
		}
		if neg {
			exclude[value] = true
		} else {
			include[value] = true
		}
	}
	return func(h *release.Hook) bool {
		return !exclude[h.Name] && (len(include) == 0 || include[h.Name])
	}, nil
}

// TestResult is what Test did.
type TestResult struct {
	// Release is the tested revision, with its hooks' LastRun updated.
	Release *release.Release
	// Tests are the release's test hooks in the order they run.
	Tests []TestRun
}

// TestRun is the outcome of one test hook.
type TestRun struct {
	// Name is the hook's name.
	Name string `json:"name"`
	// Object is the hook object as Kind/namespace/name.
	Object string `json:"object"`
	// Phase is Succeeded or Failed; empty for a test that did not run
	// because an earlier one failed.
	Phase release.HookPhase `json:"phase,omitempty"`
	// StartedAt and CompletedAt time the run.
	StartedAt   time.Time `json:"startedAt,omitzero"`
	CompletedAt time.Time `json:"completedAt,omitzero"`
	// Reason says why the test failed.
	Reason string `json:"reason,omitempty"`
	// Logs are the last lines of the test's containers: for a failed test,
	// and for every test with TestOptions.Logs.
	Logs []kube.ContainerLog `json:"logs,omitempty"`
}

// Test runs the test hooks (helm.sh/hook: test) of the last revision of
// release name as hooks run: by weight, then kind, then name, each awaited
// and deleted as its policies say, stopping at the first failure, which
// the error reports (a HookError, with the logs). The revision's record is
// updated with each test's LastRun, holding the release's lock.
func Test(ctx context.Context, cfg *Configuration, name string, opts TestOptions) (*TestResult, error) {
	if err := release.ValidateName(name); err != nil {
		return nil, err
	}
	var res *TestResult
	err := withLock(ctx, cfg, name, opts.LockTimeout, func(ctx context.Context) error {
		var err error
		res, err = testLocked(ctx, cfg, name, opts)
		return err
	})
	return res, err
}

func testLocked(ctx context.Context, cfg *Configuration, name string, opts TestOptions) (*TestResult, error) {
	rel, err := release.Last(ctx, cfg.Store, name)
	if err != nil {
		return nil, fmt.Errorf("read release %q: %w", name, err)
	}
	if rel.Status == release.StatusUninstalled {
		return nil, fmt.Errorf("test release %q: %w", name, ErrUninstalled)
	}
	only, err := testFilter(opts.Filter)
	if err != nil {
		return nil, err
	}
	start := cfg.now()
	run := hookRun{rel: rel, event: release.HookTest, timeout: opts.Timeout, record: true, only: only}
	runErr := runHooks(ctx, cfg, run)
	res := &TestResult{Release: rel}
	var hookErr *HookError
	errors.As(runErr, &hookErr)
	for _, h := range run.hooks() {
		run := TestRun{Name: h.Name, Object: h.Kind + "/" + rel.Namespace + "/" + h.Name}
		if !h.LastRun.StartedAt.Before(start) {
			run.Phase, run.StartedAt, run.CompletedAt = h.LastRun.Phase, h.LastRun.StartedAt, h.LastRun.CompletedAt
		}
		switch {
		case hookErr != nil && hookErr.Path == h.Path && run.Phase == release.HookPhaseFailed:
			run.Object, run.Reason, run.Logs = hookErr.Object, hookErr.Reason, hookErr.Logs
		case opts.Logs && run.Phase != "":
			run.Logs = testLogs(ctx, cfg, h, rel.Namespace)
		}
		res.Tests = append(res.Tests, run)
	}
	rel.AddTestRecord(testRecordOf(rel, res.Tests, runErr, start, cfg.now()))
	// Record the outcome even if the tests were interrupted.
	recCtx, cancel := recordContext(ctx)
	defer cancel()
	if err := cfg.Store.Update(recCtx, rel); err != nil {
		return res, errors.Join(runErr, fmt.Errorf("record test results of release %q: %w", name, err))
	}
	if runErr != nil {
		return res, fmt.Errorf("test release %q: %w", name, runErr)
	}
	return res, nil
}

// testLogs reads the logs of a test hook that ran, best effort.
func testLogs(ctx context.Context, cfg *Configuration, h *release.Hook, namespace string) []kube.ContainerLog {
	objs, err := parseManifest("hook "+h.Path, h.Manifest)
	if err != nil || len(objs) == 0 {
		return nil
	}
	ref := kube.RefOf(objs[0])
	if ref.Namespace == "" {
		ref.Namespace = namespace
	}
	return hookLogs(ctx, cfg, ref)
}
