package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/render"
)

// DefaultHookTimeout is how long one hook may run when the options do not
// say (--timeout), as in Helm.
const DefaultHookTimeout = 5 * time.Minute

// ErrHookFailed matches every HookError.
var ErrHookFailed = errors.New("hook failed")

// HookError reports a hook that failed, timed out or could not be created.
// It matches ErrHookFailed. Its message leaves out the logs, which can be
// long: callers show them from Logs.
type HookError struct {
	// Event is the life cycle event the hook ran for.
	Event release.HookEvent
	// Object is the hook object, as Kind/namespace/name.
	Object string
	// Path is the template the hook was rendered from.
	Path string
	// Reason says why it failed.
	Reason string
	// Logs are the last lines of the logs of the hook's containers, for
	// Jobs and Pods.
	Logs []kube.ContainerLog
	// Err is the underlying error when the hook could not be created or
	// awaited; nil when it ran and failed.
	Err error
}

// Error names the event, the hook and its template, and the reason.
func (e *HookError) Error() string {
	return fmt.Sprintf("%s hook %s (%s) failed: %s", e.Event, e.Object, e.Path, e.Reason)
}

// Unwrap returns the underlying error.
func (e *HookError) Unwrap() error { return e.Err }

// Is reports whether target is ErrHookFailed.
func (e *HookError) Is(target error) bool { return target == ErrHookFailed }

// hookRun is how to run the hooks of one event of a release.
type hookRun struct {
	rel   *release.Release
	event release.HookEvent
	// timeout bounds each hook; 0 is DefaultHookTimeout.
	timeout time.Duration
	// settings are the apply settings hook objects are applied with.
	settings ApplySettings
	// record stores rel as each hook starts, so that its LastRun shows.
	record bool
	// only, when set, selects the hooks that run (test --filter).
	only func(*release.Hook) bool
}

// hooks returns the hooks the run runs, in Helm's order.
func (r hookRun) hooks() []*release.Hook {
	hooks := hooksFor(r.rel, r.event)
	if r.only != nil {
		hooks = slices.DeleteFunc(hooks, func(h *release.Hook) bool { return !r.only(h) })
	}
	return hooks
}

// runHooks runs the hooks of r.event in Helm's order: by weight, then kind
// in install order, then name. Each hook's previous object is deleted
// first when its policies say before-hook-creation (the default when it
// has none); it is applied owned by the release and awaited (Jobs and
// Pods until they finish). The first failure stops the run: the hook's
// logs are read, it is deleted if its policies say hook-failed, and a
// HookError is returned. After every hook succeeded, those whose policies
// say hook-succeeded are deleted, last first. Each hook's LastRun is
// updated in r.rel.
func runHooks(ctx context.Context, cfg *Configuration, r hookRun) error {
	hooks := r.hooks()
	for _, h := range hooks {
		if err := runHook(ctx, cfg, r, h); err != nil {
			return err
		}
	}
	for i := len(hooks) - 1; i >= 0; i-- {
		if err := deleteHookFor(ctx, cfg, r, hooks[i], release.HookSucceeded); err != nil {
			return err
		}
	}
	return nil
}

// hooksFor returns the hooks of rel that run on event, in Helm's order.
func hooksFor(rel *release.Release, event release.HookEvent) []*release.Hook {
	var hooks []*release.Hook
	for _, h := range rel.Hooks {
		if slices.Contains(h.Events, event) {
			hooks = append(hooks, h)
		}
	}
	slices.SortStableFunc(hooks, compareHooks)
	return hooks
}

// compareHooks orders hooks by weight, then by kind in Helm's install
// order with unknown kinds last and alphabetical, then by name.
func compareHooks(a, b *release.Hook) int {
	if c := cmp.Compare(a.Weight, b.Weight); c != 0 {
		return c
	}
	ia, ib := slices.Index(render.InstallOrder, a.Kind), slices.Index(render.InstallOrder, b.Kind)
	switch {
	case ia < 0 && ib < 0:
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
	case ia < 0:
		return 1
	case ib < 0:
		return -1
	default:
		if c := cmp.Compare(ia, ib); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.Name, b.Name)
}

// runHook runs one hook and records its outcome in h.LastRun.
func runHook(ctx context.Context, cfg *Configuration, r hookRun, h *release.Hook) error {
	if err := deleteHookFor(ctx, cfg, r, h, release.HookBeforeHookCreation); err != nil {
		return err
	}
	h.LastRun = release.HookExecution{StartedAt: cfg.now(), Phase: release.HookPhaseRunning}
	if r.record {
		if err := cfg.Store.Update(ctx, r.rel); err != nil {
			return fmt.Errorf("record release %q revision %d: %w", r.rel.Name, r.rel.Revision, err)
		}
	}
	result, ref, err := applyAndAwait(ctx, cfg, r, h)
	h.LastRun.CompletedAt = cfg.now()
	h.LastRun.Phase = release.HookPhaseSucceeded
	if err == nil && result.Succeeded {
		cfg.emit(Event{Type: EventHookFinished, Object: ref.String(), Hook: string(r.event), Status: "succeeded"})
		return nil
	}
	h.LastRun.Phase = release.HookPhaseFailed
	herr := &HookError{Event: r.event, Object: hookObject(h, ref, cfg.Namespace), Path: h.Path, Reason: result.Reason, Err: err}
	if err != nil {
		herr.Reason = err.Error()
		// The error names the hook object already said in Object.
		var objErr *kube.ObjectError
		if errors.As(err, &objErr) && objErr.Ref.String() == herr.Object {
			herr.Reason = objErr.Err.Error()
		}
	}
	cfg.emit(Event{Type: EventHookFinished, Object: herr.Object, Hook: string(r.event), Status: "failed", Message: herr.Reason})
	if ref.Name != "" && ctx.Err() == nil {
		herr.Logs = hookLogs(ctx, cfg, ref)
	}
	if derr := deleteHookFor(ctx, cfg, r, h, release.HookFailed); derr != nil {
		return errors.Join(herr, derr)
	}
	return herr
}

// applyAndAwait applies the object of hook h and waits for it to finish;
// ref is the applied object, zero when the apply failed.
func applyAndAwait(ctx context.Context, cfg *Configuration, r hookRun, h *release.Hook) (kube.HookResult, kube.ObjectRef, error) {
	objs, err := parseManifest(fmt.Sprintf("hook %s", h.Path), h.Manifest)
	if err != nil {
		return kube.HookResult{}, kube.ObjectRef{}, err
	}
	cs, err := cfg.Kube.Apply(ctx, objs, applyOptions(cfg, r.rel.Name, r.settings))
	if err != nil {
		return kube.HookResult{}, kube.ObjectRef{}, err
	}
	timeout := r.timeout
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	var ref kube.ObjectRef
	for _, e := range cs.Entries {
		ref = e.Ref
		cfg.emit(Event{Type: EventHookStarted, Object: e.Subject, Action: string(e.Action), Hook: string(r.event)})
		result, err := cfg.Kube.WaitHook(ctx, e.Ref, timeout)
		if err != nil || !result.Succeeded {
			return result, ref, err
		}
	}
	return kube.HookResult{Succeeded: true}, ref, nil
}

// hookObject names the hook as Kind/namespace/name: the applied object
// when there is one, else as the hook record says.
func hookObject(h *release.Hook, ref kube.ObjectRef, namespace string) string {
	if ref.Name != "" {
		return ref.String()
	}
	return h.Kind + "/" + namespace + "/" + h.Name
}

// hookLogs reads the logs of a failed hook, best effort: a failure to read
// them is noted in place of the logs.
func hookLogs(ctx context.Context, cfg *Configuration, ref kube.ObjectRef) []kube.ContainerLog {
	logs, err := cfg.Kube.HookLogs(ctx, ref, kube.DefaultLogLines)
	if err != nil {
		return []kube.ContainerLog{{Pod: ref.Name, Container: "*", Unavailable: err.Error()}}
	}
	return logs
}

// deleteHookFor deletes the object of hook h, and waits until it is gone,
// when its delete policies include policy; no policy means
// before-hook-creation, as in Helm. CRDs are never deleted: that would
// delete every custom resource of theirs.
func deleteHookFor(ctx context.Context, cfg *Configuration, r hookRun, h *release.Hook, policy release.HookDeletePolicy) error {
	policies := h.DeletePolicies
	if len(policies) == 0 {
		policies = []release.HookDeletePolicy{release.HookBeforeHookCreation}
	}
	if h.Kind == "CustomResourceDefinition" || !slices.Contains(policies, policy) {
		return nil
	}
	// The hook may have failed because ctx ended; clean up regardless.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hookDeleteTimeout(r.timeout))
	defer cancel()
	refs, err := manifestRefs(fmt.Sprintf("hook %s", h.Path), h.Manifest)
	if err != nil {
		return err
	}
	cs, err := cfg.Kube.Delete(ctx, refs, kube.DeleteOptions{Namespace: cfg.Namespace, Owner: cfg.owner(r.rel.Name)})
	if err != nil {
		return fmt.Errorf("delete %s hook %s (policy %s): %w", r.event, h.Path, policy, err)
	}
	for _, ref := range cs.Refs(kube.ActionDeleted) {
		if err := cfg.Kube.WaitDeleted(ctx, ref, 0); err != nil {
			return fmt.Errorf("delete %s hook %s (policy %s): %w", r.event, h.Path, policy, err)
		}
	}
	return nil
}

// hookDeleteTimeout bounds deleting a hook object and waiting for it to go.
func hookDeleteTimeout(timeout time.Duration) time.Duration {
	if timeout <= 0 || timeout > time.Minute {
		return time.Minute
	}
	return timeout
}

// releaseHooks runs the hooks of event for a revision being deployed or
// removed, recording their LastRun in it, unless s.NoHooks.
func releaseHooks(ctx context.Context, cfg *Configuration, rel *release.Release, event release.HookEvent, s ApplySettings) error {
	if s.NoHooks {
		return nil
	}
	return runHooks(ctx, cfg, hookRun{rel: rel, event: event, timeout: hookTimeout(s), settings: s, record: true})
}

// hookTimeout is how long each hook may run under s: --timeout, as in
// Helm, which bounds the readiness wait too.
func hookTimeout(s ApplySettings) time.Duration {
	return s.Timeout
}
