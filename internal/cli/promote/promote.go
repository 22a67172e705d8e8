package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
)

// options are the flags and arguments of berth promote.
type options struct {
	flags *Flags

	name            string
	toNamespace     string
	toContext       string
	toName          string
	copyTo          string
	createNamespace bool
	plan            string
	out             string

	requireSoak       time.Duration
	requireTests      bool
	requireSignature  bool
	requireSameDigest bool
	requireApproved   string

	// The stack form: --stack FILE --from ENV --to ENV [--write-lock].
	stackFile, from, to string
	writeLock           bool
}

// NewPromoteCmd returns berth promote.
func NewPromoteCmd(e *Env) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "promote (RELEASE --to-namespace NS | --stack FILE --from ENV --to ENV)",
		Short: "deploy what a release runs to another namespace or cluster, by digest",
		Long: `Promote release RELEASE of namespace -n (and the kubeconfig context) to
--to-namespace, in --to-context (default: the same cluster), as --to-name
(default: RELEASE).

berth reads what runs from the source's records, not from Git: its deployed
revision, the chart it was deployed from and that chart's digest. It
fetches the chart by that digest (an OCI chart at REPOSITORY@DIGEST; any
other by its reference and version, checking the digest), with --copy-to
oci://REGISTRY/PATH copies it there with its referrers (signatures, SBOMs,
attestations) as PATH/NAME:TAG, and installs or upgrades the target with it
and the target's own values (-f, --set; without them, the target's last
values). The target's revision records the chart's digest and where it was
promoted from (context/namespace/release@revision); the chart's version is
not changed.

Gates refuse the promotion before anything is copied or applied, each with
its own exit code and reason (docs/promotion.md):
  --require-soak D        the source revision deployed at least D ago, still
                          the last one, its objects ready (exit 3)
  --require-tests         its last berth test run passed, for its digest (4)
  --require-signature     the chart verifies (--keyring, --policy) (5)
  --require-same-digest   the target gets the very bytes the source runs, and
                          --copy-to's tag names nothing else (6)
  --require-approved DIG  --plan FILE is the plan approved by its digest,
                          still current (7)
--out FILE writes the plan of the promotion instead of applying it, and
prints its digest: approve that, then promote with --plan FILE
--require-approved DIGEST. With -o json the report says which gates passed
and why any refused.

berth promote --stack FILE --from ENV --to ENV promotes the releases of a
stack (docs/stacks.md): for each release of --to, the chart digest --from
runs, gates checked, pinned in berth.lock for --to; then --to is applied as
berth stack apply does, with its own values and those pins (a chart whose
content moved is refused). With --write-lock berth only writes berth.lock,
to be proposed in a pull request and applied when merged.`,
		Example: `  # Promote app from staging to prod in the same cluster
  berth promote app -n staging --to-namespace prod -f prod.yaml

  # Copy the chart to the production registry, with gates, in CI
  berth promote app -n staging --to-context prod --to-namespace web \
    --copy-to oci://registry.prod.example/charts -f prod.yaml \
    --require-soak 1h --require-tests --require-signature --require-same-digest -o json

  # Review first: write the plan, approve its digest, apply exactly that
  berth promote app -n staging --to-namespace prod -f prod.yaml --out plan.json -o json
  berth promote app -n staging --to-namespace prod --plan plan.json --require-approved sha256:...

  # Pin production to what staging runs, for a pull request
  berth promote --stack berth.yaml --from staging --to prod --require-soak 1h --write-lock`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.stackFile != "" {
				if err := o.validateStack(e, args); err != nil {
					return err
				}
				return runStack(cmd.Context(), e, o)
			}
			if len(args) != 1 {
				return e.UsageError("%q needs RELEASE, the release to promote (or --stack FILE); got %d arguments", cmd.CommandPath(), len(args))
			}
			o.name = args[0]
			return run(cmd.Context(), e, o)
		},
	}
	fs := cmd.Flags()
	o.flags = e.AddFlags(fs)
	fs.StringVar(&o.toNamespace, "to-namespace", "", "namespace of the target release (default: the source's)")
	fs.StringVar(&o.toContext, "to-context", "", "kubeconfig context of the target cluster (default: the source's)")
	fs.StringVar(&o.toName, "to-name", "", "name of the target release (default: RELEASE)")
	fs.StringVar(&o.copyTo, "copy-to", "", "copy the chart, with its referrers, to this registry path (oci://HOST/PATH) and deploy it from there")
	fs.BoolVar(&o.createNamespace, "create-namespace", false, "create the target namespace if it does not exist")
	fs.StringVar(&o.plan, "plan", "", "apply this plan, written by berth promote --out, instead of rendering the chart again")
	fs.StringVar(&o.out, "out", "", "write the plan of the promotion to this file and print its digest, instead of applying it")
	fs.DurationVar(&o.requireSoak, "require-soak", 0, "refuse unless the source revision was deployed at least this long ago, is the last and is ready")
	fs.BoolVar(&o.requireTests, "require-tests", false, "refuse unless the source revision's last berth test run passed")
	fs.BoolVar(&o.requireSignature, "require-signature", false, "refuse unless the chart's signature verifies (--keyring, --policy)")
	fs.BoolVar(&o.requireSameDigest, "require-same-digest", false, "refuse if the target would get other bytes than the source runs")
	fs.StringVar(&o.requireApproved, "require-approved", "", "refuse unless --plan's digest is this one (sha256:HEX of the plan file)")
	fs.StringVar(&o.stackFile, "stack", "", "promote the releases of this stack file from environment --from to --to")
	fs.StringVar(&o.from, "from", "", "with --stack, the environment to promote from")
	fs.StringVar(&o.to, "to", "", "with --stack, the environment to promote to")
	fs.BoolVar(&o.writeLock, "write-lock", false,
		"with --stack, pin --to's charts in berth.lock to what --from runs and apply nothing (for a pull request)")
	return cmd
}

// validate checks the flags that go together.
func (o *options) validate(e *Env) error {
	switch {
	case o.requireApproved != "" && o.plan == "":
		return e.UsageError("--require-approved needs the approved plan: give --plan FILE (written by berth promote --out)")
	case o.plan != "" && o.out != "":
		return e.UsageError("give --plan (apply a plan) or --out (write one), not both")
	case o.from != "" || o.to != "" || o.writeLock:
		return e.UsageError("--from, --to and --write-lock go with --stack FILE")
	case o.requireSoak < 0:
		return e.UsageError("invalid --require-soak %s: use a positive duration such as 1h", o.requireSoak)
	}
	return nil
}

func run(ctx context.Context, e *Env, o *options) error {
	if err := o.validate(e); err != nil {
		return err
	}
	format, err := o.flags.Format()
	if err != nil {
		return err
	}
	opts, target, err := o.promoteOptions(ctx, e)
	if err != nil {
		return err
	}
	stop := o.flags.Progress(target, format)
	res, err := action.Promote(ctx, target, *opts)
	stop()
	if res == nil {
		return err
	}
	r := o.reportOf(res, err)
	if perr := o.flags.Print(e.Out, r, func(w io.Writer) error { return writeReport(w, r) }); perr != nil {
		return errors.Join(err, perr)
	}
	if err != nil {
		return fmt.Errorf("promote release %q: %w", o.name, err)
	}
	return nil
}

// gates are the gates the flags ask for.
func (o *options) gates() action.PromoteGates {
	return action.PromoteGates{
		Soak: o.requireSoak, Tests: o.requireTests, Signature: o.requireSignature,
		SameDigest: o.requireSameDigest, ApprovedPlan: o.requireApproved,
	}
}

// promoteOptions connects to the source and the target and gathers the
// promotion's options.
func (o *options) promoteOptions(ctx context.Context, e *Env) (*action.PromoteOptions, *action.Configuration, error) {
	settings, err := o.flags.Apply()
	if err != nil {
		return nil, nil, err
	}
	values, err := o.flags.Values()
	if err != nil {
		return nil, nil, err
	}
	srcNS, err := e.Namespace()
	if err != nil {
		return nil, nil, err
	}
	srcContext, err := e.Context()
	if err != nil {
		return nil, nil, err
	}
	source, err := e.Config("", srcNS)
	if err != nil {
		return nil, nil, err
	}
	toNS, toContext := o.toNamespace, o.toContext
	if toNS == "" {
		toNS = srcNS
	}
	if toContext == "" {
		toContext = srcContext
	}
	kubeContext := o.toContext
	if kubeContext == srcContext {
		kubeContext = "" // the same connection flags
	}
	target, err := e.Config(kubeContext, toNS)
	if err != nil {
		return nil, nil, err
	}
	opts := &action.PromoteOptions{
		ApplySettings: settings, Source: source, SourceContext: srcContext, TargetContext: toContext,
		Name: o.name, TargetName: o.toName, CreateNamespace: o.createNamespace, Values: values,
		CopyTo: o.copyTo, PlanOut: o.out, RollbackOnFailure: o.flags.RollbackOnFailure(),
		Origin: o.flags.Origin(ctx, settings.DryRun != action.DryRunClient),
		Locate: o.flags.Locate, Copy: o.flags.Copy, Gates: o.gates(),
	}
	if o.plan != "" {
		if opts.Plan, err = action.ReadPlan(o.plan); err != nil {
			return nil, nil, err
		}
	}
	return opts, target, nil
}
