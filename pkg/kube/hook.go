package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// ErrHookTimeout means a hook did not finish within its timeout. It is
// wrapped in an ObjectError naming the hook.
var ErrHookTimeout = errors.New("timed out")

// HookResult is how a hook object ended.
type HookResult struct {
	// Succeeded is true when the Job completed or the Pod succeeded, and
	// for kinds that are not awaited.
	Succeeded bool
	// Reason says why the hook failed ("BackoffLimitExceeded: Job has
	// reached the specified backoff limit"); empty on success.
	Reason string
}

// WaitHook waits up to timeout (0: until ctx ends) for the hook object ref
// to finish, as Helm does: a Job until its Complete or Failed condition is
// True, a Pod until its phase is Succeeded or Failed. Other kinds are
// finished as soon as they exist. It watches the object, relisting when the
// watch breaks. The error is the context's, or ErrHookTimeout with the last
// state seen, both wrapped in an ObjectError.
func (c *Client) WaitHook(ctx context.Context, ref ObjectRef, timeout time.Duration) (HookResult, error) {
	check := hookCheck(ref.Kind)
	if check == nil {
		return HookResult{Succeeded: true}, nil
	}
	mapping, err := c.mapping(ref)
	if err != nil {
		return HookResult{}, unknownKind(ref, err)
	}
	client := c.resource(mapping, ref.Namespace)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	byName := fields.OneTermEqualSelector("metadata.name", ref.Name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = byName
			return client.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = byName
			return client.Watch(ctx, o)
		},
	}
	var mu sync.Mutex
	var result HookResult
	last := "not seen yet"
	_, err = watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, nil, func(ev watch.Event) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Type == watch.Deleted {
			result = HookResult{Reason: "deleted before it finished"}
			return true, nil
		}
		obj, ok := ev.Object.(*unstructured.Unstructured)
		if !ok {
			return false, nil
		}
		var done bool
		done, result, last = check(obj)
		return done, nil
	})
	if err != nil {
		mu.Lock()
		defer mu.Unlock()
		return HookResult{}, hookWaitError(ctx, ref, timeout, last, err)
	}
	return result, nil
}

// hookWaitError says why waiting for ref stopped before it finished.
func hookWaitError(ctx context.Context, ref ObjectRef, timeout time.Duration, last string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &ObjectError{Ref: ref, Err: fmt.Errorf("%w after %s waiting for the hook to finish: %s", ErrHookTimeout, timeout, last)}
	}
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		return &ObjectError{Ref: ref, Err: fmt.Errorf("wait for the hook to finish (%s): %w", last, cause)}
	}
	return &ObjectError{Ref: ref, Err: fmt.Errorf("wait for the hook to finish: %w", err)}
}

// hookChecker reads a hook object: whether it finished, how, and a
// description of its state for timeout errors.
type hookChecker func(obj *unstructured.Unstructured) (done bool, result HookResult, state string)

// hookCheck returns the checker of kind, nil for kinds that are not
// awaited.
func hookCheck(kind string) hookChecker {
	switch kind {
	case "Job":
		return jobFinished
	case "Pod":
		return podFinished
	}
	return nil
}

func jobFinished(job *unstructured.Unstructured) (bool, HookResult, string) {
	conditions, _, _ := unstructured.NestedSlice(job.Object, "status", "conditions")
	for _, c := range conditions {
		cond, _ := c.(map[string]any)
		if s, _ := cond["status"].(string); s != "True" {
			continue
		}
		switch cond["type"] {
		case "Complete":
			return true, HookResult{Succeeded: true}, "complete"
		case "Failed":
			return true, HookResult{Reason: conditionReason(cond, "job failed")}, "failed"
		}
	}
	active, _, _ := unstructured.NestedInt64(job.Object, "status", "active")
	succeeded, _, _ := unstructured.NestedInt64(job.Object, "status", "succeeded")
	failed, _, _ := unstructured.NestedInt64(job.Object, "status", "failed")
	return false, HookResult{}, fmt.Sprintf("%d active, %d succeeded, %d failed pods", active, succeeded, failed)
}

func podFinished(pod *unstructured.Unstructured) (bool, HookResult, string) {
	phase, _, _ := unstructured.NestedString(pod.Object, "status", "phase")
	switch phase {
	case "Succeeded":
		return true, HookResult{Succeeded: true}, "succeeded"
	case "Failed":
		return true, HookResult{Reason: podFailure(pod)}, "failed"
	case "":
		phase = "no phase yet"
	}
	return false, HookResult{}, "phase " + phase
}

// conditionReason formats a condition's reason and message.
func conditionReason(cond map[string]any, fallback string) string {
	reason, _ := cond["reason"].(string)
	message, _ := cond["message"].(string)
	switch {
	case reason != "" && message != "":
		return reason + ": " + message
	case reason != "" || message != "":
		return reason + message
	}
	return fallback
}

// podFailure says why a failed Pod failed: its reason and message, or the
// containers that terminated with an error.
func podFailure(pod *unstructured.Unstructured) string {
	status, _, _ := unstructured.NestedMap(pod.Object, "status")
	if r := conditionReason(status, ""); r != "" {
		return r
	}
	var parts []string
	for _, field := range []string{"initContainerStatuses", "containerStatuses"} {
		statuses, _, _ := unstructured.NestedSlice(pod.Object, "status", field)
		for _, s := range statuses {
			cs, _ := s.(map[string]any)
			term, _, _ := unstructured.NestedMap(cs, "state", "terminated")
			code, _, _ := unstructured.NestedInt64(term, "exitCode")
			if term == nil || code == 0 {
				continue
			}
			name, _ := cs["name"].(string)
			parts = append(parts, fmt.Sprintf("container %s exited with code %d (%s)", name, code, conditionReason(term, "error")))
		}
	}
	if len(parts) == 0 {
		return "pod failed"
	}
	return strings.Join(parts, "; ")
}

// WaitDeleted waits up to timeout until the object ref is gone, so that a
// hook deleted before it is created again does not collide with its
// terminating predecessor. A kind the cluster does not serve is gone.
func (c *Client) WaitDeleted(ctx context.Context, ref ObjectRef, timeout time.Duration) error {
	mapping, err := c.anyMapping(ref)
	if err != nil {
		return nil //nolint:nilerr // an unserved kind has no objects left
	}
	client := c.resource(mapping, ref.Namespace)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	err = wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		_, err := client.Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return objectError(ref, "wait for deletion", err)
	}
	return nil
}
