package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// groupRelease is the help group of the commands that change and read
// releases.
const groupRelease = "release"

// addReleaseCommands adds the release commands (install, upgrade, rollback,
// uninstall, list, history, status, get, diff, drift) in the release group.
func addReleaseCommands(root *cobra.Command, f *Factory) {
	for _, cmd := range []*cobra.Command{
		newInstallCmd(f),
		newUpgradeCmd(f),
		newRollbackCmd(f),
		newUninstallCmd(f),
		newListCmd(f),
		newHistoryCmd(f),
		newStatusCmd(f),
		newGetCmd(f),
		newTestCmd(f),
		newDiffCmd(f),
		newDriftCmd(f),
	} {
		cmd.GroupID = groupRelease
		f.storage.AddFlags(cmd.PersistentFlags())
		root.AddCommand(cmd)
	}
}

// applyFlags are the flags of the commands that apply a release (install,
// upgrade, rollback).
type applyFlags struct {
	dryRun         string
	description    string
	forceConflicts bool
	forceReplace   bool
	takeOwnership  bool
	concurrency    int
	lockTimeout    time.Duration
	maxHistory     int
	wait           bool
	timeout        time.Duration
	waitForJobs    bool
	waitForStatus  []string
}

// AddFlags adds the apply flags to fs.
func (a *applyFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&a.dryRun, "dry-run", "", `simulate: "client" renders only, "server" also validates with a server-side dry run; nothing is recorded`)
	fs.Lookup("dry-run").NoOptDefVal = string(action.DryRunClient)
	fs.StringVar(&a.description, "description", "", "description recorded with the revision")
	fs.BoolVar(&a.forceConflicts, "force-conflicts", false, "take over fields that other field managers own")
	fs.BoolVar(&a.forceReplace, "force-replace", false,
		"delete and re-create the objects whose apply changes immutable fields (a Job's template, a Service's clusterIP), and only those")
	fs.BoolVar(&a.takeOwnership, "take-ownership", false, "adopt existing objects that belong to no release or another one")
	fs.IntVar(&a.concurrency, "concurrency", kube.DefaultConcurrency, "objects applied at once")
	fs.DurationVar(&a.lockTimeout, "lock-timeout", action.DefaultLockTimeout, "how long to wait while another client changes the release")
	fs.IntVar(&a.maxHistory, "max-history", action.DefaultMaxHistory, "revisions kept per release (0 keeps all)")
	addWaitFlag(fs, &a.wait, true, "wait until the objects are ready before recording the revision deployed (--wait=false skips)")
	fs.DurationVar(&a.timeout, "timeout", action.DefaultWaitTimeout, "how long to wait for the objects to be ready, and for an API server that stops answering")
	fs.BoolVar(&a.waitForJobs, "wait-for-jobs", false, "count Jobs ready only once complete")
	fs.StringSliceVar(&a.waitForStatus, "wait-for-status", nil,
		"never count custom resources of KIND or KIND.group ready without a status (repeatable); see the berth.sh/wait annotation")
}

// settings checks the flags and returns them as action settings.
func (a *applyFlags) settings() (action.ApplySettings, error) {
	mode := action.DryRun(a.dryRun)
	switch mode {
	case action.DryRunNone, action.DryRunClient, action.DryRunServer:
	default:
		return action.ApplySettings{}, usageErrorf("invalid --dry-run %q: use client or server", a.dryRun)
	}
	if a.timeout <= 0 {
		return action.ApplySettings{}, usageErrorf("invalid --timeout %s: use a positive duration such as 5m", a.timeout)
	}
	if a.concurrency < 1 {
		return action.ApplySettings{}, usageErrorf("invalid --concurrency %d: use 1 or more", a.concurrency)
	}
	kinds, err := parseKinds(a.waitForStatus)
	if err != nil {
		return action.ApplySettings{}, err
	}
	maxHistory := a.maxHistory
	if maxHistory <= 0 {
		maxHistory = -1 // keep all
	}
	return action.ApplySettings{
		DryRun: mode, Description: a.description, ForceConflicts: a.forceConflicts, ForceReplace: a.forceReplace,
		TakeOwnership: a.takeOwnership, Concurrency: a.concurrency, LockTimeout: a.lockTimeout,
		MaxHistory: maxHistory, Wait: a.wait, Timeout: a.timeout, WaitForJobs: a.waitForJobs,
		WaitForStatus: kinds,
	}, nil
}

// parseKinds parses --wait-for-status values: KIND or KIND.group.
func parseKinds(values []string) ([]schema.GroupKind, error) {
	kinds := make([]schema.GroupKind, 0, len(values))
	for _, v := range values {
		gk := schema.ParseGroupKind(strings.TrimSpace(v))
		if gk.Kind == "" || strings.HasSuffix(v, ".") {
			return nil, usageErrorf("invalid --wait-for-status %q: use KIND or KIND.group, e.g. PrometheusRule or PrometheusRule.monitoring.coreos.com", v)
		}
		kinds = append(kinds, gk)
	}
	return kinds, nil
}

// releaseSummary is one row of list and history under -o json|yaml, and
// part of the report of the commands that change a release. See
// docs/output.md.
type releaseSummary struct {
	Name        string    `json:"name"`
	Namespace   string    `json:"namespace"`
	Revision    int       `json:"revision"`
	Status      string    `json:"status"`
	Chart       string    `json:"chart"`
	AppVersion  string    `json:"appVersion"`
	Updated     time.Time `json:"updated"`
	Description string    `json:"description"`
	// Labels are the user's labels of the revision (--labels).
	Labels map[string]string `json:"labels,omitempty"`
	// Provenance is where the revision came from (chart digest, values
	// digest, source, CI run, actor, promoted-from), from the record's
	// metadata; omitted for revisions that have none.
	Provenance *release.Provenance `json:"provenance,omitempty"`
}

func summaryOf(s release.Summary) releaseSummary {
	return releaseSummary{
		Name: s.Name, Namespace: s.Namespace, Revision: s.Revision, Status: string(s.Status),
		Chart: s.Chart(), AppVersion: s.AppVersion, Updated: s.Updated.UTC(), Description: s.Description,
		Labels: s.Labels, Provenance: s.Provenance,
	}
}

// releaseReport is what install, upgrade, rollback and status print: the
// revision, its notes and, for the commands that apply, what happened to
// each object.
type releaseReport struct {
	releaseSummary
	Notes   string         `json:"notes,omitempty"`
	Changes []changeReport `json:"changes,omitempty"`
	// Manifest is the rendered manifest, shown by dry runs only, with
	// Secret values masked.
	Manifest string `json:"manifest,omitempty"`
}

// changeReport is what happened to one object.
type changeReport struct {
	Object string `json:"object"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

// dryRunReportOf is reportOf with the manifest, for dry runs.
func dryRunReportOf(rel *release.Release, cs *kube.ChangeSet, dryRun action.DryRun) releaseReport {
	r := reportOf(rel, cs)
	if dryRun != action.DryRunNone {
		r.Manifest = kube.MaskManifest(rel.Manifest)
	}
	return r
}

func reportOf(rel *release.Release, cs *kube.ChangeSet) releaseReport {
	r := releaseReport{releaseSummary: summaryOf(rel.Summary()), Notes: rel.Notes}
	if cs != nil {
		for _, e := range cs.Entries {
			r.Changes = append(r.Changes, changeReport{Object: e.Subject, Action: string(e.Action), Reason: e.Reason})
		}
	}
	return r
}

// writeReport prints a release report as Helm prints a release's status.
func writeReport(w io.Writer, r releaseReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "NAME: %s\n", r.Name)
	if !r.Updated.IsZero() {
		fmt.Fprintf(&b, "LAST DEPLOYED: %s\n", r.Updated.Format(time.ANSIC))
	}
	fmt.Fprintf(&b, "NAMESPACE: %s\nSTATUS: %s\nREVISION: %d\n", r.Namespace, r.Status, r.Revision)
	if r.Description != "" {
		fmt.Fprintf(&b, "DESCRIPTION: %s\n", r.Description)
	}
	if len(r.Changes) > 0 {
		b.WriteString("CHANGES:\n")
		for _, c := range r.Changes {
			line := "  " + c.Object + " " + c.Action
			if c.Reason != "" {
				line += " (" + c.Reason + ")"
			}
			b.WriteString(line + "\n")
		}
	}
	if r.Manifest != "" {
		fmt.Fprintf(&b, "MANIFEST:\n%s\n", strings.TrimRight(r.Manifest, "\n"))
	}
	if r.Notes != "" {
		fmt.Fprintf(&b, "NOTES:\n%s\n", strings.TrimRight(r.Notes, "\n"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tableFormat are list's table options: no header line, and a Go time
// layout for the UPDATED column.
type tableFormat struct {
	noHeaders  bool
	timeFormat string
	// rollbackColumn adds history's ROLLBACK column (Helm's
	// --show-rollback-revision).
	rollbackColumn bool
}

// rollbackTarget is the revision a rollback revision went back to, from
// the description berth and Helm record ("Rollback to 3"); "" for other
// revisions.
func rollbackTarget(description string) string {
	n, ok := strings.CutPrefix(description, "Rollback to ")
	if _, err := strconv.Atoi(n); !ok || err != nil {
		return ""
	}
	return n
}

// writeSummaries prints list and history rows as a table; columns names
// the first column ("NAME" or "REVISION").
func writeSummaries(w io.Writer, rows []releaseSummary, history bool, tf tableFormat) error {
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	switch {
	case tf.noHeaders:
	case history && tf.rollbackColumn:
		fmt.Fprintln(tw, "REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tROLLBACK\tDESCRIPTION")
	case history:
		fmt.Fprintln(tw, "REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION")
	default:
		fmt.Fprintln(tw, "NAME\tNAMESPACE\tREVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION")
	}
	layout := tf.timeFormat
	if layout == "" {
		layout = time.DateTime + " MST"
	}
	for _, r := range rows {
		updated := r.Updated.Format(layout)
		switch {
		case history && tf.rollbackColumn:
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Revision, updated, r.Status, r.Chart, r.AppVersion,
				rollbackTarget(r.Description), r.Description)
		case history:
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Revision, updated, r.Status, r.Chart, r.AppVersion, r.Description)
		default:
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Name, r.Namespace, r.Revision, updated, r.Status, r.Chart, r.AppVersion)
		}
	}
	return tw.Flush()
}
