package stack

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/render/values"
	"github.com/berth-sh/berth/pkg/stack"
)

// stackFlags are the flags every stack command shares: which file, which
// environments, which releases, which command-line values.
type stackFlags struct {
	file         string
	environments []string
	selector     string
	set          []string
	locator      func() *action.ChartLocator
}

func (f *stackFlags) AddFlags(e *Env, fs *pflag.FlagSet, withValues bool) {
	fs.StringVarP(&f.file, "file", "f", stack.DefaultFile, "the stack file")
	fs.StringSliceVarP(&f.environments, "environment", "e", nil,
		"the environments to act on, comma-separated (needed when the stack declares environments)")
	fs.StringVarP(&f.selector, "selector", "l", "", "only the releases whose labels match (e.g. tier=backend); nothing is pruned then")
	if withValues {
		fs.StringArrayVar(&f.set, "set", nil, "set a value of one release over every layer: RELEASE.key=value (repeatable)")
	}
	f.locator = e.AddChartFlags(fs)
}

// load reads the stack file.
func (f *stackFlags) load() (*stack.Stack, error) {
	return stack.Load(f.file, stack.LoadOptions{})
}

// envNames returns the environments asked for: -e, or "" when the stack
// declares none.
func (f *stackFlags) envNames(e *Env, s *stack.Stack) ([]string, error) {
	if len(f.environments) == 0 {
		if len(s.Environments) > 0 {
			return nil, e.UsageError("%s declares environments: choose with -e (%s)", f.file, strings.Join(s.EnvironmentNames(), ", "))
		}
		return []string{""}, nil
	}
	for _, name := range f.environments {
		if _, err := s.Environment(name); err != nil {
			return nil, e.UsageError("%w", err)
		}
	}
	return f.environments, nil
}

// commandValues parses --set RELEASE.key=value into values by release.
func (f *stackFlags) commandValues(e *Env, s *stack.Stack) (map[string]map[string]any, error) {
	all := map[string]any{}
	for _, line := range f.set {
		if err := values.ParseSet(line, all); err != nil {
			return nil, e.UsageError("invalid --set %q: %w", line, err)
		}
	}
	out := map[string]map[string]any{}
	for name, v := range all {
		m, ok := v.(map[string]any)
		if s.Release(name) == nil || !ok {
			return nil, e.UsageError("invalid --set: %q is not a release of %s: use --set RELEASE.key=value", name, f.file)
		}
		out[name] = m
	}
	return out, nil
}

// selected returns the release filter of -l, nil without one.
func (f *stackFlags) selected(e *Env) (func(stack.Release) bool, error) {
	if f.selector == "" {
		return nil, nil
	}
	sel, err := labels.Parse(f.selector)
	if err != nil {
		return nil, e.UsageError("invalid --selector %q: %w", f.selector, err)
	}
	return func(r stack.Release) bool { return sel.Matches(labels.Set(r.Labels)) }, nil
}

// targets builds the target of each environment asked for.
func (f *stackFlags) targets(e *Env, s *stack.Stack, withLock bool) ([]*action.StackTarget, error) {
	names, err := f.envNames(e, s)
	if err != nil {
		return nil, err
	}
	vals, err := f.commandValues(e, s)
	if err != nil {
		return nil, err
	}
	sel, err := f.selected(e)
	if err != nil {
		return nil, err
	}
	var lock *stack.Lock
	if withLock {
		if lock, err = stack.ReadLock(stack.LockPath(f.file)); err != nil {
			return nil, err
		}
	}
	locator := f.locator()
	var out []*action.StackTarget
	for _, name := range names {
		t, err := newTarget(e, s, name)
		if err != nil {
			return nil, err
		}
		t.Locator, t.Lock, t.Values, t.Selected = locator, lock, vals, sel
		out = append(out, t)
	}
	return out, nil
}

// newTarget connects to environment env's cluster.
func newTarget(e *Env, s *stack.Stack, env string) (*action.StackTarget, error) {
	ev, err := s.Environment(env)
	if err != nil {
		return nil, err
	}
	kubeconfig := ev.Kubeconfig
	if kubeconfig != "" && !filepath.IsAbs(kubeconfig) {
		kubeconfig = filepath.Join(s.Dir(), kubeconfig)
	}
	rc, err := e.RESTConfig(kubeconfig, ev.KubeContext)
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", label(env), err)
	}
	// The record clients serve every release of the environment at once.
	clients, err := release.NewClients(kube.RaisedRateLimits(rc))
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", label(env), err)
	}
	kc, err := kube.New(rc)
	if err != nil {
		return nil, fmt.Errorf("environment %s: connect to cluster: %w", label(env), err)
	}
	ns := ev.Namespace
	if ns == "" {
		ns = s.Defaults.Namespace
	}
	if ns == "" {
		ns = "default"
	}
	var mu sync.Mutex
	stores := map[string]release.Storage{}
	return &action.StackTarget{
		Stack: s, Environment: env, KubeContext: ev.KubeContext,
		Inventory: &stack.InventoryStore{Client: clients.Kube, Namespace: ns, Stack: s.Metadata.Name, Environment: env},
		Config: func(ns string) (*action.Configuration, error) {
			mu.Lock()
			defer mu.Unlock()
			store, ok := stores[ns]
			if !ok {
				var err error
				if store, err = e.NewStore(clients, ns); err != nil {
					return nil, err
				}
				stores[ns] = store
			}
			return &action.Configuration{
				Namespace: ns, Kube: kc, Store: store, Locker: release.NewLocker(clients.Kube, ns), Logger: e.Logger(),
			}, nil
		},
	}, nil
}

// label names an environment in messages.
func label(env string) string {
	if env == "" {
		return "(default)"
	}
	return env
}

// forEachTarget runs fn for every target at once (each environment's
// cluster in parallel) and joins the errors.
func forEachTarget(ctx context.Context, targets []*action.StackTarget, fn func(context.Context, int, *action.StackTarget) error) error {
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() { errs[i] = fn(ctx, i, t) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
