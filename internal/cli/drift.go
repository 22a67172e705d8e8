package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// driftAPIVersion is the version of berth drift's JSON document, described
// in docs/diff-schema.md.
const driftAPIVersion = "berth.sh/drift/v1"

// driftOptions are the flags and arguments of berth drift.
type driftOptions struct {
	output      outputFlags
	name        string
	correct     bool
	concurrency int
	lockTimeout time.Duration
}

func newDriftCmd(f *Factory) *cobra.Command {
	o := &driftOptions{}
	cmd := &cobra.Command{
		Use:   "drift NAME",
		Short: "show how the live objects of a release differ from it",
		Long: `Compare the live objects of release NAME with its deployed revision and show
what drifted:

  - fields of the release whose live value differs, with the field manager
    that changed them (kubectl-edit changed spec.replicas: 1 -> 3);
  - fields other field managers added that the release does not have
    (kubectl-set added spec.template.spec.containers[name=web].env[name=X]),
    read from the objects' managedFields;
  - objects deleted out of band.

Each object is compared through a server-side apply dry run of the release's
version with berth's fields forced, so defaults the API server fills in are
not drift. Secret values are masked. What controllers maintain is never
drift: status, finalizers, owner references, and annotations and labels in
the kubernetes.io and k8s.io domains (deployment.kubernetes.io/revision).

--correct puts the drifted objects back as the revision has them, without
recording a revision (history is unchanged): deleted objects are created
again, changed fields restored with a forced server-side apply (berth takes
them back from the managers that changed them), and added fields removed:
berth first moves their ownership in managedFields to its own apply, so the
apply drops them. Controllers that keep re-adding a field will add it again.
Objects that did not drift are not touched.

Exit status: 0 when nothing drifted, 2 when something did (also with
--correct, after correcting), 1 on error.`,
		Example: `  # What changed behind berth's back?
  berth drift web -n prod

  # Put it back
  berth drift web -n prod --correct`,
		Args: exactArgs("name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			o.name = args[0]
			return runDrift(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	o.output.AddFlags(fs)
	fs.BoolVar(&o.correct, "correct", false, "re-apply the drifted objects as the deployed revision has them")
	fs.IntVar(&o.concurrency, "concurrency", kube.DefaultConcurrency, "objects compared and applied at once")
	fs.DurationVar(&o.lockTimeout, "lock-timeout", action.DefaultLockTimeout, "with --correct, how long to wait while another client changes the release")
	return cmd
}

func runDrift(ctx context.Context, f *Factory, o *driftOptions) error {
	if err := validateReleaseName(o.name); err != nil {
		return err
	}
	if o.concurrency < 1 {
		return usageErrorf("invalid --concurrency %d: use 1 or more", o.concurrency)
	}
	settings := action.ApplySettings{Concurrency: o.concurrency, LockTimeout: o.lockTimeout}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	res, err := action.Drift(ctx, cfg, o.name)
	if err != nil {
		return err
	}
	doc := driftDocumentOf(res)
	if o.correct && res.Drifted() {
		cs, err := action.CorrectDrift(ctx, cfg, res, settings)
		if err != nil {
			return err
		}
		doc.Corrected = []changeReport{}
		for _, e := range cs.Entries {
			doc.Corrected = append(doc.Corrected, changeReport{Object: e.Subject, Action: string(e.Action), Reason: e.Reason})
		}
	}
	if err := o.output.Print(f.Out, doc, func(w io.Writer) error { return writeDriftText(w, doc) }); err != nil {
		return err
	}
	if doc.Drifted {
		return &SilentError{Code: ExitChanges}
	}
	return nil
}

// driftDocument is berth drift -o json|yaml (docs/diff-schema.md).
type driftDocument struct {
	APIVersion string          `json:"apiVersion"`
	Release    diffRelease     `json:"release"`
	Drifted    bool            `json:"drifted"`
	Objects    []driftedObject `json:"objects"`
	// Corrected is what --correct did; absent without it.
	Corrected []changeReport `json:"corrected,omitempty"`
	// checked is how many objects were compared.
	checked int
}

// driftedObject is one object that drifted.
type driftedObject struct {
	Object  string            `json:"object"`
	Missing bool              `json:"missing,omitempty"`
	Fields  []kube.FieldDrift `json:"fields,omitempty"`
}

func driftDocumentOf(res *action.DriftResult) driftDocument {
	doc := driftDocument{
		APIVersion: driftAPIVersion,
		Release:    diffRelease{Name: res.Release.Name, Namespace: res.Release.Namespace, Revision: res.Release.Revision},
		Drifted:    res.Drifted(),
		Objects:    []driftedObject{},
		checked:    len(res.Objects),
	}
	for _, d := range res.Objects {
		if d.Drifted() {
			doc.Objects = append(doc.Objects, driftedObject{Object: d.Ref.String(), Missing: d.Missing, Fields: d.Fields})
		}
	}
	return doc
}

// writeDriftText writes one block per drifted object, a summary line and
// what --correct did.
func writeDriftText(w io.Writer, doc driftDocument) error {
	var b strings.Builder
	for _, o := range doc.Objects {
		if o.Missing {
			fmt.Fprintf(&b, "%s: deleted out of band\n", o.Object)
			continue
		}
		fmt.Fprintf(&b, "%s:\n", o.Object)
		for _, f := range o.Fields {
			fmt.Fprintf(&b, "  %s\n", driftLine(f))
		}
	}
	fmt.Fprintf(&b, "%d of %d objects drifted from release %s revision %d\n",
		len(doc.Objects), doc.checked, doc.Release.Name, doc.Release.Revision)
	if doc.Corrected != nil {
		b.WriteString("CORRECTED:\n")
		for _, c := range doc.Corrected {
			fmt.Fprintf(&b, "  %s %s\n", c.Object, c.Action)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// driftLine is "kubectl-edit changed spec.replicas: 1 -> 3" or
// "kubectl-set added spec...env[name=X]".
func driftLine(f kube.FieldDrift) string {
	manager := f.Manager
	if manager == "" {
		manager = "(no field manager)"
	}
	if f.Kind == kube.DriftAdded {
		return fmt.Sprintf("%s added %s: %s", manager, f.Path, compactJSON(f.Live))
	}
	return fmt.Sprintf("%s changed %s: %s -> %s", manager, f.Path, compactJSON(f.Want), compactJSON(f.Live))
}

// compactJSON renders a field value on one line; absent values read
// "(none)".
func compactJSON(v any) string {
	if v == nil {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
