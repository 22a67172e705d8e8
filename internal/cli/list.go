package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/berth-sh/berth/pkg/release"
)

// listOptions are the flags of berth list.
type listOptions struct {
	output outputFlags

	allNamespaces bool
	filter        string
	deployed      bool
	failed        bool
	pending       bool
	uninstalled   bool
	uninstalling  bool
	superseded    bool
	all           bool
	maxRows       int
	offset        int
	short         bool
	selector      string
	byDate        bool
	reverse       bool
	table         tableFormat
}

func newListCmd(f *Factory) *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "list releases",
		Long: `List the releases of the namespace (or of all namespaces with -A), one row
per release showing its last revision, sorted by namespace and name.

By default releases whose last revision is deployed or failed are shown;
--deployed, --failed, --pending, --uninstalled and --superseded select
statuses, --all selects every one. -l selects releases whose last revision
has the given labels (set with install or upgrade --labels): k=v, k!=v,
k in (a,b), !k. Provenance labels select too: berth.sh/chart-digest and
berth.sh/values-digest (the first 12 hex digits of the digest),
berth.sh/source-revision and berth.sh/promoted-from (NAMESPACE.RELEASE.vN),
so that -A -l berth.sh/chart-digest=0123456789ab finds where a build runs.
The list is read from the records' metadata: no release payload is read or
decoded.`,
		Example: `  berth list -A
  berth list --filter '^web' --failed -o json
  berth list -l team=payments,tier!=test --date --reverse`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			return runList(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	o.output.AddFlags(fs)
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list releases of every namespace")
	fs.StringVarP(&o.filter, "filter", "f", "", "show only releases whose name matches this regular expression")
	fs.BoolVar(&o.deployed, "deployed", false, "show deployed releases")
	fs.BoolVar(&o.failed, "failed", false, "show failed releases")
	fs.BoolVar(&o.pending, "pending", false, "show releases being installed, upgraded or rolled back")
	fs.BoolVar(&o.uninstalled, "uninstalled", false, "show releases uninstalled with --keep-history")
	fs.BoolVar(&o.uninstalling, "uninstalling", false, "show releases being uninstalled")
	fs.BoolVar(&o.superseded, "superseded", false, "show superseded releases")
	fs.BoolVarP(&o.all, "all", "a", false, "show releases of every status")
	fs.IntVarP(&o.maxRows, "max", "m", 256, "show at most this many releases (0: no limit)")
	fs.IntVar(&o.offset, "offset", 0, "skip this many releases first")
	fs.BoolVarP(&o.short, "short", "q", false, "print release names only")
	fs.StringVarP(&o.selector, "selector", "l", "", "show only releases whose labels match this selector (k=v,k!=v,...)")
	fs.BoolVarP(&o.byDate, "date", "d", false, "sort by the time of the last revision, oldest first")
	fs.BoolVarP(&o.reverse, "reverse", "r", false, "reverse the order")
	fs.BoolVar(&o.table.noHeaders, "no-headers", false, "print the table without its header line")
	fs.StringVar(&o.table.timeFormat, "time-format", "", `Go time layout of the UPDATED column, e.g. "2006-01-02 15:04:05Z07:00"`)
	return cmd
}

// statuses returns the statuses the flags select.
func (o *listOptions) statuses() []release.Status {
	if o.all {
		return nil
	}
	var s []release.Status
	if o.deployed {
		s = append(s, release.StatusDeployed)
	}
	if o.failed {
		s = append(s, release.StatusFailed)
	}
	if o.pending {
		s = append(s, release.StatusPendingInstall, release.StatusPendingUpgrade, release.StatusPendingRollback)
	}
	if o.uninstalled {
		s = append(s, release.StatusUninstalled)
	}
	if o.uninstalling {
		s = append(s, release.StatusUninstalling)
	}
	if o.superseded {
		s = append(s, release.StatusSuperseded)
	}
	if len(s) == 0 {
		s = []release.Status{release.StatusDeployed, release.StatusFailed}
	}
	return s
}

func runList(ctx context.Context, f *Factory, o *listOptions) error {
	var filter *regexp.Regexp
	if o.filter != "" {
		re, err := regexp.Compile(o.filter)
		if err != nil {
			return usageErrorf("invalid --filter: %w", err)
		}
		filter = re
	}
	if o.maxRows < 0 || o.offset < 0 {
		return usageErrorf("--max and --offset must not be negative")
	}
	sel, err := labels.Parse(o.selector)
	if err != nil {
		return usageErrorf("invalid --selector %q: %w", o.selector, err)
	}
	ns := ""
	if !o.allNamespaces {
		var err error
		if ns, err = f.Namespace(); err != nil {
			return err
		}
	}
	store, err := f.ReleaseStore(ns)
	if err != nil {
		return err
	}
	records := release.Filter{}
	if !o.all && !o.superseded {
		// A release's last revision is never superseded: leaving those out
		// spares the API server and berth most records of long histories.
		records.ExcludeStatuses = []release.Status{release.StatusSuperseded}
	}
	all, err := store.List(ctx, records)
	if err != nil && o.allNamespaces && apierrors.IsForbidden(err) {
		return fmt.Errorf("list releases in all namespaces: %w\n"+
			"list -A needs permission to list %s in all namespaces (a ClusterRole); list one namespace with -n NAMESPACE",
			err, f.storage.resource())
	}
	if err != nil {
		return fmt.Errorf("list releases: %w", err)
	}
	latest := release.Latest(all)
	latest = slices.DeleteFunc(latest, func(s release.Summary) bool { return !sel.Matches(selectable(s)) })
	o.sort(latest)
	rows := selectReleases(latest, filter, o.statuses(), o.offset, o.maxRows)
	rows = o.withHelmReleases(ctx, f, ns, all, rows)
	if o.short && o.output.Format == OutputTable {
		for _, r := range rows {
			if _, err := fmt.Fprintln(f.Out, r.Name); err != nil {
				return err
			}
		}
		return nil
	}
	return o.output.Print(f.Out, rows, func(w io.Writer) error { return writeSummaries(w, rows, false, o.table) })
}

// selectReleases keeps the last revisions whose name matches filter and
// whose status is one of statuses (all when empty), then pages them.
func selectReleases(latest []release.Summary, filter *regexp.Regexp, statuses []release.Status,
	offset, maxRows int,
) []releaseSummary {
	rows := []releaseSummary{}
	for _, s := range latest {
		if filter != nil && !filter.MatchString(s.Name) {
			continue
		}
		if len(statuses) > 0 && !slices.Contains(statuses, s.Status) {
			continue
		}
		rows = append(rows, summaryOf(s))
	}
	rows = rows[min(offset, len(rows)):]
	if maxRows > 0 && len(rows) > maxRows {
		rows = rows[:maxRows]
	}
	return rows
}

// sort orders the releases as --date and --reverse say; they come sorted
// by namespace and name.
func (o *listOptions) sort(latest []release.Summary) {
	if o.byDate {
		slices.SortStableFunc(latest, func(a, b release.Summary) int { return a.Updated.Compare(b.Updated) })
	}
	if o.reverse {
		slices.Reverse(latest)
	}
}

// selectable are the labels -l matches: the user's, berth's provenance
// labels (berth.sh/chart-digest, ...), and, as Helm's records carry them,
// name, status and version.
func selectable(s release.Summary) labels.Set {
	set := labels.Set{release.LabelName: s.Name, release.LabelStatus: string(s.Status), release.LabelVersion: strconv.Itoa(s.Revision)}
	maps.Copy(set, s.ProvenanceLabels)
	maps.Copy(set, s.Labels)
	return set
}
