package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/stack"
)

// stackReport is the output of promote --stack (docs/promotion.md).
type stackReport struct {
	Stack string `json:"stack"`
	From  string `json:"from"`
	To    string `json:"to"`
	// Releases are the releases promoted, or refused.
	Releases []report `json:"releases"`
	Refused  bool     `json:"refused"`
	// LockFile is the lock written by --write-lock.
	LockFile string `json:"lockFile,omitempty"`
	// Applied is the target environment's apply, as stack apply reports it.
	Applied *action.StackApplyResult `json:"applied,omitempty"`
}

// validateStack checks the flags of the stack form.
func (o *options) validateStack(e *Env, args []string) error {
	switch {
	case len(args) > 0:
		return e.UsageError("--stack promotes the stack's releases: give no RELEASE (got %q)", strings.Join(args, " "))
	case o.from == "" || o.to == "":
		return e.UsageError("--stack needs --from ENV and --to ENV, two environments of the stack")
	case o.toNamespace != "" || o.toContext != "" || o.toName != "" || o.copyTo != "" || o.plan != "" || o.out != "" ||
		o.requireApproved != "" || o.createNamespace:
		return e.UsageError("--stack takes the targets from the stack file: drop --to-namespace, --to-context, --to-name, " +
			"--copy-to, --plan, --out, --require-approved and --create-namespace")
	}
	return nil
}

// runStack is berth promote --stack FILE --from ENV --to ENV.
func runStack(ctx context.Context, e *Env, o *options) error {
	if _, err := o.flags.Format(); err != nil {
		return err
	}
	s, err := stack.Load(o.stackFile, stack.LoadOptions{})
	if err != nil {
		return err
	}
	from, to, err := o.stackTargets(ctx, e, s)
	if err != nil {
		return err
	}
	settings, err := o.flags.Apply()
	if err != nil {
		return err
	}
	res, err := action.PromoteStack(ctx, from, to, action.PromoteStackOptions{
		Gates: o.gates(), WriteLock: o.writeLock, Apply: action.ApplyStackOptions{Settings: settings},
	})
	r := stackReport{Stack: s.Metadata.Name, From: o.from, To: o.to, Refused: errors.Is(err, action.ErrPromoteRefused)}
	if res != nil {
		for _, rel := range res.Releases {
			r.Releases = append(r.Releases, o.reportOf(rel, err))
		}
		r.Applied = res.Applied
	}
	if err == nil && o.writeLock {
		path := stack.LockPath(o.stackFile)
		if err = stack.WriteLock(path, res.Lock); err == nil {
			r.LockFile = path
		}
	}
	if res == nil {
		return err
	}
	if perr := o.flags.Print(e.Out, r, func(w io.Writer) error { return writeStackReport(w, r) }); perr != nil {
		return errors.Join(err, perr)
	}
	if err != nil {
		return fmt.Errorf("promote stack %s from %s to %s: %w", s.Metadata.Name, o.from, o.to, err)
	}
	return nil
}

// stackTargets connects to both environments; the target reads the lock
// and records who promotes.
func (o *options) stackTargets(ctx context.Context, e *Env, s *stack.Stack) (from, to *action.StackTarget, err error) {
	for _, env := range []string{o.from, o.to} {
		if _, err := s.Environment(env); err != nil {
			return nil, nil, e.UsageError("%w", err)
		}
	}
	if from, err = e.StackTarget(s, o.from); err != nil {
		return nil, nil, err
	}
	if to, err = e.StackTarget(s, o.to); err != nil {
		return nil, nil, err
	}
	locator, err := o.flags.Locator(o.requireSignature)
	if err != nil {
		return nil, nil, err
	}
	from.Locator, to.Locator = locator, locator
	if to.Lock, err = stack.ReadLock(stack.LockPath(o.stackFile)); err != nil {
		return nil, nil, err
	}
	to.Origin = o.flags.Origin(ctx, true)
	return from, to, nil
}

// writeStackReport prints the stack promotion as a table: each release's
// promotion, then the lock written or the releases applied.
func writeStackReport(w io.Writer, r stackReport) error {
	if _, err := fmt.Fprintf(w, "STACK: %s, %s -> %s\n", r.Stack, r.From, r.To); err != nil {
		return err
	}
	for _, rel := range r.Releases {
		rel.table = nil
		if err := writeReport(w, rel); err != nil {
			return err
		}
	}
	if r.LockFile != "" {
		_, err := fmt.Fprintf(w, "WROTE: %s\n", r.LockFile)
		return err
	}
	if r.Applied != nil {
		for _, a := range r.Applied.Releases {
			if _, err := fmt.Fprintf(w, "APPLIED: %s/%s %s revision %d\n", a.Namespace, a.Name, a.Outcome, a.Revision); err != nil {
				return err
			}
		}
	}
	return nil
}
