package stack

import (
	"context"
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/stack"
)

func newLockCmd(e *Env) *cobra.Command {
	o := &stackFlags{}
	cmd := &cobra.Command{
		Use:   "lock [-e ENV]",
		Short: "pin every chart's version and digest in berth.lock",
		Long: `Resolve the chart of every release, in each environment (all of them unless
-e names some), to an exact version and content digest (the archive's sha256,
or an OCI chart's manifest digest) and write them to berth.lock beside the
stack file. Commit it: berth stack plan and apply then use exactly those
versions and refuse a chart whose content no longer has the pinned digest
(re-published under the same version), a release the lock does not pin,
and a pin the stack file no longer agrees with. Chart directories are not
pinned. It reads no cluster.`,
		Example: `  berth stack lock
  berth stack lock -e prod`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLock(cmd.Context(), e, o) },
	}
	o.AddFlags(e, cmd.Flags(), false)
	return cmd
}

func runLock(ctx context.Context, e *Env, o *stackFlags) error {
	s, err := o.load()
	if err != nil {
		return err
	}
	envs := o.environments
	if len(envs) == 0 {
		envs = s.EnvironmentNames()
		if len(envs) == 0 {
			envs = []string{""}
		}
	}
	for _, env := range envs {
		if _, err := s.Environment(env); err != nil {
			return e.UsageError("%w", err)
		}
	}
	path := stack.LockPath(o.file)
	lock, err := stack.ReadLock(path)
	if err != nil {
		return err
	}
	if lock == nil || lock.Stack != s.Metadata.Name {
		lock = nil
	}
	locator := o.locator()
	var mu sync.Mutex
	err = forEachTarget(ctx, make([]*action.StackTarget, len(envs)), func(ctx context.Context, i int, _ *action.StackTarget) error {
		t := &action.StackTarget{Stack: s, Environment: envs[i], Locator: locator}
		mu.Lock()
		defer mu.Unlock()
		var err error
		if lock, err = action.LockStack(ctx, t, lock); err != nil {
			return fmt.Errorf("environment %s: %w", label(envs[i]), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for env := range lock.Environments {
		if _, err := s.Environment(env); err != nil {
			delete(lock.Environments, env)
		}
	}
	if err := stack.WriteLock(path, lock); err != nil {
		return err
	}
	fmt.Fprintf(e.ErrOut, "wrote %s\n", path)
	return nil
}
