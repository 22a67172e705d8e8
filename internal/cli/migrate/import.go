package migrate

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// NewImportCmd returns `berth import`, the parent of `berth import helm`.
func NewImportCmd(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "take over releases another tool deployed",
		Long: `Take over releases that another tool deployed, with their history and the
ownership of their objects' fields. See berth import helm.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newImportHelmCmd(e))
	return cmd
}

// importHelmOptions are the flags and arguments of berth import helm.
type importHelmOptions struct {
	output        outputFlag
	helmStorage   helmStorageFlag
	all           bool
	allNamespaces bool
	dryRun        bool
	fromManagers  []string
	recover       bool
	lockTimeout   time.Duration
	concurrency   int
	names         []string
}

func newImportHelmCmd(e *Env) *cobra.Command {
	o := &importHelmOptions{}
	cmd := &cobra.Command{
		Use:   "helm [NAME...|--all]",
		Short: "import Helm releases with their history and field ownership",
		Long: `Import releases that Helm 3 or Helm 4 deployed into berth, without a new
revision and without applying anything.

Every revision in Helm's records (Secrets, or ConfigMaps with --helm-storage
configmap) becomes a berth revision with the same number, status, chart,
values, manifest, hooks, notes, timestamps and description; berth keeps
Helm's record whole with it, so that berth export helm can give the release
back. Manifests that use API versions the cluster no longer serves are
rewritten to served ones and reported.

On the live objects of the last deployed revision, the fields that Helm's
field manager "helm" owns (Apply entries from Helm 4's server-side apply,
Update entries from Helm 3 and --server-side=false) move to berth's Apply
entry; entries of --from-manager managers move too, every other manager
(controllers, kubectl, HPA) keeps its fields. berth's ownership annotations
are added; Helm's meta.helm.sh annotations and managed-by label stay,
owned by no manager. Then Helm's records are deleted. Each release is
imported under berth's release lock, all or nothing: if a step fails, what
was done is undone.

Last, a server-side dry run of the last deployed revision under berth's
field manager proves the next berth apply changes nothing; any field it
would change is reported with its previous owner. --dry-run reads, checks
and reports all of this (the dry run against the objects as they are) and
writes nothing.

A release whose last Helm revision is pending-install, pending-upgrade or
pending-rollback is refused; --recover-pending imports it with that
revision recorded failed.`,
		Example: `  berth import helm web -n shop --dry-run
  berth import helm web api -n shop
  berth import helm --all -A -o json
  berth import helm legacy --helm-storage configmap --from-manager kubectl-client-side-apply`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.names = args
			if err := o.validate(e); err != nil {
				return err
			}
			return runImportHelm(cmd.Context(), e, o)
		},
	}
	fs := cmd.Flags()
	o.output.addFlags(fs)
	o.helmStorage.addFlags(fs)
	fs.BoolVar(&o.all, "all", false, "import every Helm release of the namespace (of all namespaces with -A)")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "with --all: import the Helm releases of every namespace")
	fs.BoolVar(&o.dryRun, "dry-run", false, "check and report what would be imported and moved; write nothing")
	fs.StringSliceVar(&o.fromManagers, "from-manager", nil, "also move the fields of this field manager to berth (repeatable)")
	fs.BoolVar(&o.recover, "recover-pending", false, "import a release whose last Helm revision is pending, recording that revision failed")
	fs.DurationVar(&o.lockTimeout, "lock-timeout", action.DefaultLockTimeout, "how long to wait while another client changes a release")
	fs.IntVar(&o.concurrency, "concurrency", kube.DefaultConcurrency, "releases imported at once, and objects of each handled at once")
	return cmd
}

func (o *importHelmOptions) validate(e *Env) error {
	if err := o.output.validate(e); err != nil {
		return err
	}
	if err := o.helmStorage.validate(e); err != nil {
		return err
	}
	switch {
	case o.all && len(o.names) > 0:
		return e.UsageError("give release names or --all, not both")
	case !o.all && len(o.names) == 0:
		return e.UsageError("give the names of the Helm releases to import, or --all")
	case o.allNamespaces && !o.all:
		return e.UsageError("-A imports every namespace's releases: use it with --all")
	case o.concurrency < 1:
		return e.UsageError("invalid --concurrency %d: use 1 or more", o.concurrency)
	}
	return nil
}

func runImportHelm(ctx context.Context, e *Env, o *importHelmOptions) error {
	ns, err := e.Namespace()
	if err != nil {
		return err
	}
	cfg, err := e.helmConfig(o.helmStorage.driver)
	if err != nil {
		return err
	}
	results, err := action.ImportHelm(ctx, cfg, action.ImportHelmOptions{
		Namespace: ns, AllNamespaces: o.allNamespaces, Names: o.names, All: o.all, DryRun: o.dryRun,
		FromManagers: o.fromManagers, RecoverPending: o.recover, LockTimeout: o.lockTimeout, Concurrency: o.concurrency,
	})
	if results == nil {
		results = []*action.HelmImport{}
	}
	if perr := o.output.print(e.Out, results, func(w io.Writer) error { return writeImports(w, results) }); perr != nil {
		return perr
	}
	return err
}

// writeImports prints one row per release, then what was rewritten and
// what the dry run would still change.
func writeImports(w io.Writer, results []*action.HelmImport) error {
	if len(results) == 0 {
		_, err := fmt.Fprintln(w, "No Helm releases to import.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "NAME\tNAMESPACE\tREVISIONS\tOBJECTS\tRESULT")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", r.Name, r.Namespace, len(r.Revisions), len(r.Objects), importResult(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	for _, r := range results {
		for _, rw := range r.Rewrites {
			to := rw.To
			if to == "" {
				to = "nothing: the cluster serves the kind in no version"
			}
			fmt.Fprintf(&b, "%s: revision %d: %s: API version %s rewritten to %s\n", r.Name, rw.Revision, rw.Object, rw.From, to)
		}
		for _, c := range r.Changes {
			if c.Missing {
				fmt.Fprintf(&b, "%s: %s: missing, the next apply creates it\n", r.Name, c.Object)
			}
			for _, f := range c.Fields {
				owner := f.Manager
				if owner == "" {
					owner = "no manager"
				}
				fmt.Fprintf(&b, "%s: %s: %s would change from %v to %v (owned by %s before the import)\n",
					r.Name, c.Object, f.Path, f.Live, f.Want, owner)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func importResult(r *action.HelmImport) string {
	switch {
	case r.Error != "":
		return "failed: " + r.Error
	case len(r.Changes) > 0 && r.DryRun:
		return fmt.Sprintf("would be imported; the next apply would change %d objects", len(r.Changes))
	case len(r.Changes) > 0:
		return fmt.Sprintf("imported; the next apply would change %d objects", len(r.Changes))
	case r.DryRun:
		return "would be imported; the next apply changes nothing"
	}
	return "imported; the next apply changes nothing"
}
