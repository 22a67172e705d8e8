package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// uninstallOptions are the flags and arguments of berth uninstall.
type uninstallOptions struct {
	output outputFlags

	names       []string
	keepHistory bool
	dryRun      bool
	description string
	concurrency int
	lockTimeout time.Duration
	noHooks     bool
	timeout     time.Duration
	wait        bool
	cascade     string
	ignoreMiss  bool
}

func newUninstallCmd(f *Factory) *cobra.Command {
	o := &uninstallOptions{}
	cmd := &cobra.Command{
		Use:   "uninstall NAME...",
		Short: "delete releases and their objects",
		Long: `Delete the objects of each release, in reverse install order, then its records.

Objects annotated helm.sh/resource-policy: keep, objects another release
owns and the CRDs of the chart's crds/ directory stay. The release's
pre-delete hooks run before the deletion and its post-delete hooks after
(--no-hooks skips them). With --keep-history the
records stay and the last revision is marked uninstalled. --dry-run deletes
with a server-side dry run and records nothing.

--cascade says what happens to the objects' dependents (a Deployment's
ReplicaSets and Pods), as in Helm and kubectl: background (the default)
deletes them after the object, foreground before it, orphan leaves them.
With --wait, berth waits after the deletion, before the post-delete hooks,
until every deleted object is gone (its finalizers done; with foreground,
its dependents too), for at most --timeout; as in Helm, objects still there
then are reported as an error after the records are deleted.
--ignore-not-found takes a release that does not exist as uninstalled.`,
		Example: `  berth uninstall web -n prod
  berth uninstall web api --keep-history
  berth uninstall web --wait --cascade foreground --timeout 2m
  berth uninstall web --ignore-not-found   # in CI: succeed when already gone`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("%q needs NAME...", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			if _, err := action.ParseCascade(o.cascade); err != nil {
				return usageErrorf("%v", err)
			}
			if o.timeout <= 0 {
				return usageErrorf("invalid --timeout %s: use a positive duration such as 5m", o.timeout)
			}
			o.names = args
			return runUninstall(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	o.output.AddFlags(fs)
	fs.BoolVar(&o.keepHistory, "keep-history", false, "keep the release records, the last marked uninstalled")
	fs.BoolVar(&o.dryRun, "dry-run", false, "delete with a server-side dry run; change nothing")
	fs.StringVar(&o.description, "description", "", "description recorded with --keep-history")
	fs.IntVar(&o.concurrency, "concurrency", kube.DefaultConcurrency, "objects deleted at once")
	fs.DurationVar(&o.lockTimeout, "lock-timeout", action.DefaultLockTimeout, "how long to wait while another client changes the release")
	fs.BoolVar(&o.noHooks, "no-hooks", false, "do not run the pre-delete and post-delete hooks")
	fs.DurationVar(&o.timeout, "timeout", action.DefaultHookTimeout, "how long each hook may run, how long --wait waits, and how long an API server that stops answering is waited for")
	addWaitFlag(fs, &o.wait, false, "wait until the deleted objects are gone, for at most --timeout")
	fs.StringVar(&o.cascade, "cascade", "background", `how the deletion cascades to dependents: "background", "foreground" or "orphan"`)
	fs.BoolVar(&o.ignoreMiss, "ignore-not-found", false, "take a release that does not exist as uninstalled")
	return cmd
}

func runUninstall(ctx context.Context, f *Factory, o *uninstallOptions) error {
	for _, name := range o.names {
		if err := validateReleaseName(name); err != nil {
			return err
		}
	}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	propagation, _ := action.ParseCascade(o.cascade) // checked in RunE
	// Only with --wait is there progress to show: the deletions awaited.
	var prog *progress
	if o.wait && !o.dryRun {
		prog = startProgress(cfg, f.ErrOut, o.output.Format)
	}
	results, err := action.Uninstall(awaitServer(ctx, o.timeout), cfg, o.names, action.UninstallOptions{
		KeepHistory: o.keepHistory, DryRun: o.dryRun, Description: o.description,
		Concurrency: o.concurrency, LockTimeout: o.lockTimeout, NoHooks: o.noHooks, Timeout: o.timeout,
		Wait: o.wait, Propagation: propagation, IgnoreNotFound: o.ignoreMiss,
	})
	if prog != nil {
		prog.Close()
	}
	reports := make([]releaseReport, 0, len(results))
	var missing []string
	for _, res := range results {
		if res.NotFound {
			missing = append(missing, res.Name)
			continue
		}
		reports = append(reports, reportOf(res.Release, res.Changes))
	}
	text := func(w io.Writer) error {
		for _, name := range missing {
			if _, err := fmt.Fprintf(w, "release %q not found: nothing to uninstall\n", name); err != nil {
				return err
			}
		}
		return writeUninstalled(w, reports, o.dryRun)
	}
	if perr := o.output.Print(f.Out, reports, text); perr != nil {
		return perr
	}
	if err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	return nil
}

func writeUninstalled(w io.Writer, reports []releaseReport, dryRun bool) error {
	for _, r := range reports {
		for _, c := range r.Changes {
			line := c.Object + " " + c.Action
			if c.Reason != "" {
				line += " (" + c.Reason + ")"
			}
			if _, err := fmt.Fprintln(w, line); err != nil {
				return err
			}
		}
		verb := "uninstalled"
		if dryRun {
			verb = "would be uninstalled (dry run)"
		}
		if _, err := fmt.Fprintf(w, "release %q %s\n", r.Name, verb); err != nil {
			return err
		}
	}
	return nil
}
