package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// testOptions are the flags and arguments of berth test.
type testOptions struct {
	output      outputFlags
	name        string
	logs        bool
	timeout     time.Duration
	lockTimeout time.Duration
	filter      []string
}

func newTestCmd(f *Factory) *cobra.Command {
	o := &testOptions{}
	cmd := &cobra.Command{
		Use:   "test NAME",
		Short: "run the tests of a release",
		Long: `Run the test hooks of release NAME (objects annotated helm.sh/hook: test)
against its last revision, as Helm does: by hook weight, then kind, then
name, each Job or Pod awaited until it succeeds or fails, each deleted as its
helm.sh/hook-delete-policy says (before-hook-creation by default). The first
failing test stops the run.

berth prints each test's phase and times; --logs adds the last lines of
their containers' logs, which are always shown for a failed test. The
outcome is recorded with the release. The exit code is 0 when every test
passed and 1 otherwise.`,
		Example: `  berth test web
  berth test web --logs --timeout 2m -o json`,
		Args: exactArgs("name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			if o.timeout <= 0 {
				return usageErrorf("invalid --timeout %s: use a positive duration such as 5m", o.timeout)
			}
			o.name = args[0]
			return runTest(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	o.output.AddFlags(fs)
	fs.BoolVar(&o.logs, "logs", false, "show the logs of every test, not only of a failed one")
	fs.StringSliceVar(&o.filter, "filter", nil, "run only the tests name=NAME, or leave out !name=NAME (repeatable or comma-separated), as Helm's --filter")
	fs.DurationVar(&o.timeout, "timeout", action.DefaultHookTimeout, "how long each test may run")
	fs.DurationVar(&o.lockTimeout, "lock-timeout", action.DefaultLockTimeout, "how long to wait while another client changes the release")
	return cmd
}

func runTest(ctx context.Context, f *Factory, o *testOptions) error {
	if err := validateReleaseName(o.name); err != nil {
		return err
	}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	progress := startProgress(cfg, f.ErrOut, o.output.Format)
	res, err := action.Test(ctx, cfg, o.name, action.TestOptions{Timeout: o.timeout, LockTimeout: o.lockTimeout, Logs: o.logs, Filter: o.filter})
	progress.Close()
	if res == nil {
		return err
	}
	r := testReportOf(res)
	if perr := o.output.Print(f.Out, r, func(w io.Writer) error { return writeTestReport(w, r) }); perr != nil {
		return perr
	}
	if err != nil {
		// The report shows the failed test and its logs: say it once, short.
		var hookErr *action.HookError
		if errors.As(err, &hookErr) {
			return fmt.Errorf("test release %q: test %s failed: %s", o.name, hookErr.Object, hookErr.Reason)
		}
		return err
	}
	return nil
}

// testReport is the output of test. See docs/output.md.
type testReport struct {
	Name      string          `json:"name"`
	Namespace string          `json:"namespace"`
	Revision  int             `json:"revision"`
	Passed    bool            `json:"passed"`
	Tests     []testRunReport `json:"tests"`
}

// testRunReport is one test of a test report.
type testRunReport struct {
	Name        string         `json:"name"`
	Object      string         `json:"object"`
	Phase       string         `json:"phase"`
	StartedAt   time.Time      `json:"startedAt,omitzero"`
	CompletedAt time.Time      `json:"completedAt,omitzero"`
	Reason      string         `json:"reason,omitempty"`
	Logs        []containerLog `json:"logs,omitempty"`
}

// containerLog is the tail of one container's log.
type containerLog struct {
	Pod         string `json:"pod"`
	Container   string `json:"container"`
	Log         string `json:"log,omitempty"`
	Unavailable string `json:"unavailable,omitempty"`
}

func testReportOf(res *action.TestResult) testReport {
	r := testReport{
		Name: res.Release.Name, Namespace: res.Release.Namespace, Revision: res.Release.Revision,
		Passed: true, Tests: []testRunReport{},
	}
	for _, run := range res.Tests {
		phase := string(run.Phase)
		if phase == "" {
			phase = "NotRun"
		}
		if run.Phase != release.HookPhaseSucceeded {
			r.Passed = false
		}
		tr := testRunReport{
			Name: run.Name, Object: run.Object, Phase: phase, Reason: run.Reason,
			StartedAt: run.StartedAt.UTC(), CompletedAt: run.CompletedAt.UTC(),
		}
		for _, l := range run.Logs {
			tr.Logs = append(tr.Logs, containerLog(l))
		}
		r.Tests = append(r.Tests, tr)
	}
	return r
}

// writeTestReport prints a test report as Helm prints `helm test`, with
// the logs of the tests after.
func writeTestReport(w io.Writer, r testReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "NAME: %s\nNAMESPACE: %s\nREVISION: %d\n", r.Name, r.Namespace, r.Revision)
	if len(r.Tests) == 0 {
		b.WriteString("No tests.\n")
	}
	for _, t := range r.Tests {
		fmt.Fprintf(&b, "TEST SUITE:     %s\n", t.Name)
		if !t.StartedAt.IsZero() {
			fmt.Fprintf(&b, "Last Started:   %s\nLast Completed: %s\n", t.StartedAt.Format(time.ANSIC), t.CompletedAt.Format(time.ANSIC))
		}
		fmt.Fprintf(&b, "Phase:          %s\n", t.Phase)
		if t.Reason != "" {
			fmt.Fprintf(&b, "Reason:         %s\n", t.Reason)
		}
	}
	for _, t := range r.Tests {
		if len(t.Logs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nLOGS OF %s:\n", t.Object)
		for _, l := range t.Logs {
			b.WriteString(kube.ContainerLog(l).String())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// printHookLogs prints the logs of the failed hook err reports, if any,
// after the error message.
func printHookLogs(w io.Writer, err error) {
	var hookErr *action.HookError
	if !errors.As(err, &hookErr) || len(hookErr.Logs) == 0 {
		return
	}
	fmt.Fprintf(w, "Logs of the failed hook %s:\n", hookErr.Object)
	for _, l := range hookErr.Logs {
		fmt.Fprint(w, l.String())
	}
}
