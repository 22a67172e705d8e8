package migrate

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// NewExportCmd returns `berth export`, the parent of `berth export helm`.
func NewExportCmd(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "give releases back to another tool",
		Long:  `Give a berth release back to another tool, with its history. See berth export helm.`,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newExportHelmCmd(e))
	return cmd
}

// exportHelmOptions are the flags and argument of berth export helm.
type exportHelmOptions struct {
	output      outputFlag
	helmStorage helmStorageFlag
	dryRun      bool
	lockTimeout time.Duration
	concurrency int
	name        string
}

func newExportHelmCmd(e *Env) *cobra.Command {
	o := &exportHelmOptions{}
	cmd := &cobra.Command{
		Use:   "helm NAME",
		Short: "give a release back to Helm with its history",
		Long: `Give release NAME back to Helm: the way back from berth import helm.

Every revision is written as a Helm record that Helm 4 reads
(sh.helm.release.v1.NAME.vN, a Secret, or a ConfigMap with --helm-storage
configmap): revisions imported from Helm as Helm wrote them, with what berth
changed; berth's own with their chart metadata, values, manifest, hooks and
notes. On the live objects of the last deployed revision the fields berth
owns move to helm's Apply entry, berth's ownership annotations are removed
and Helm's (meta.helm.sh/release-name, meta.helm.sh/release-namespace,
app.kubernetes.io/managed-by) set; then berth's records are deleted.
Afterwards helm upgrade, helm rollback and helm history work without
--force-conflicts.

A revision larger than Helm's limit for one record (1 MiB) is refused with
its size, and nothing is written. Under berth's release lock, all or
nothing.`,
		Example: `  berth export helm web -n shop --dry-run
  berth export helm web -n shop && helm history web -n shop`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return e.UsageError("%s takes the release name: berth export helm NAME", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			if err := o.output.validate(e); err != nil {
				return err
			}
			if err := o.helmStorage.validate(e); err != nil {
				return err
			}
			return runExportHelm(cmd.Context(), e, o)
		},
	}
	fs := cmd.Flags()
	o.output.addFlags(fs)
	o.helmStorage.addFlags(fs)
	fs.BoolVar(&o.dryRun, "dry-run", false, "check and report what would be written and moved; write nothing")
	fs.DurationVar(&o.lockTimeout, "lock-timeout", action.DefaultLockTimeout, "how long to wait while another client changes the release")
	fs.IntVar(&o.concurrency, "concurrency", kube.DefaultConcurrency, "objects handled at once")
	return cmd
}

func runExportHelm(ctx context.Context, e *Env, o *exportHelmOptions) error {
	ns, err := e.Namespace()
	if err != nil {
		return err
	}
	cfg, err := e.helmConfig(o.helmStorage.driver)
	if err != nil {
		return err
	}
	res, err := action.ExportHelm(ctx, cfg, ns, action.ExportHelmOptions{
		Name: o.name, DryRun: o.dryRun, LockTimeout: o.lockTimeout, Concurrency: o.concurrency,
	})
	if err != nil {
		return fmt.Errorf("export release %q to Helm: %w", o.name, err)
	}
	return o.output.print(e.Out, res, func(w io.Writer) error { return writeExport(w, res) })
}

func writeExport(w io.Writer, res *action.HelmExport) error {
	verb := "written"
	if res.DryRun {
		verb = "would be written"
	}
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tSTATUS\tRECORD\tSIZE")
	for _, r := range res.Revisions {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\n", r.Revision, r.Status, r.Record, r.Size)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "Release %s/%s: %d Helm records %s, field ownership of %d objects moved to helm.\n",
		res.Namespace, res.Name, len(res.Revisions), verb, len(res.Objects))
	return err
}
