package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
)

// pollInterval is how often Apply checks CRDs for Established and
// discovery for their kinds.
const pollInterval = 100 * time.Millisecond

// discoveryTimeout bounds the wait for discovery to serve the kinds of
// CRDs that are already Established, which normally takes well under a
// second.
const discoveryTimeout = 30 * time.Second

// forEach calls fn for every item, at most limit at a time, and returns
// every error joined. Once ctx is done it starts no more items and adds the
// context's error.
func forEach[T any](ctx context.Context, items []T, limit int, fn func(context.Context, T) error) error {
	sem := make(chan struct{}, max(limit, 1))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(ctx, item)
		})
	}
	wg.Wait()
	err := errors.Join(errs...)
	if ctx.Err() != nil && err == nil {
		return ctx.Err()
	}
	return err
}

// establish waits until every applied CRD of wave is Established, then
// resets the RESTMapper so their kinds resolve.
func (c *Client) establish(ctx context.Context, wave []*applyItem, limit int) error {
	err := forEach(ctx, wave, limit, func(ctx context.Context, it *applyItem) error {
		if it.mapping == nil || it.entry.Action == "" {
			return nil
		}
		return c.waitEstablished(ctx, it)
	})
	c.mapper.Reset()
	return err
}

// waitEstablished polls the CRD of it until its Established condition is
// True, failing at once when its names are not accepted.
func (c *Client) waitEstablished(ctx context.Context, it *applyItem) error {
	client := c.resource(it.mapping, "")
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		crd, err := client.Get(ctx, it.ref.Name, metav1.GetOptions{})
		if err != nil {
			return false, objectError(it.ref, "wait for Established", err)
		}
		return crdEstablished(crd)
	})
	var objErr *ObjectError
	if err != nil && !errors.As(err, &objErr) {
		return &ObjectError{Ref: it.ref, Err: fmt.Errorf("wait for Established: %w", err)}
	}
	return err
}

// crdEstablished reads a CRD's conditions: true once Established, an error
// when NamesAccepted is False (it would never become Established).
func crdEstablished(crd *unstructured.Unstructured) (bool, error) {
	conditions, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	established := false
	for _, c := range conditions {
		cond, _ := c.(map[string]any)
		typ, _ := cond["type"].(string)
		status, _ := cond["status"].(string)
		switch {
		case typ == "Established" && status == "True":
			established = true
		case typ == "NamesAccepted" && status == "False":
			msg, _ := cond["message"].(string)
			return false, &ObjectError{Ref: RefOf(crd), Err: fmt.Errorf("names not accepted: %s", msg)}
		}
	}
	return established, nil
}

// resolveDeferred resolves the kinds of wave's items that waited for a CRD
// of the same apply, polling discovery until they appear, for at most
// discoveryTimeout.
// In a dry run the CRDs were not created, and the items stay unresolved.
func (c *Client) resolveDeferred(ctx context.Context, wave []*applyItem, dryRun bool) error {
	var pending []*applyItem
	for _, it := range wave {
		if it.mapping == nil {
			pending = append(pending, it)
		}
	}
	if len(pending) == 0 || dryRun {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	var lastErr error
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(context.Context) (bool, error) {
		c.mapper.Reset()
		done := true
		for _, it := range pending {
			if it.mapping != nil {
				continue
			}
			mapping, err := c.mapping(it.ref)
			switch {
			case err == nil:
				it.mapping = mapping
			case meta.IsNoMatchError(err):
				done, lastErr = false, err
			default:
				return false, objectError(it.ref, "resolve kind", err)
			}
		}
		return done, nil
	})
	var objErr *ObjectError
	if err == nil || lastErr == nil || errors.As(err, &objErr) {
		return err
	}
	return unresolved(pending, fmt.Errorf("%w: %w", lastErr, err))
}

// unresolved reports the items whose kind discovery never served.
func unresolved(items []*applyItem, cause error) error {
	var errs []error
	for _, it := range items {
		if it.mapping == nil {
			errs = append(errs, &ObjectError{Ref: it.ref, Err: &UnknownKindError{
				Group: it.ref.Group, Kind: it.ref.Kind, Detail: "after its CRD was established", Err: cause,
			}})
		}
	}
	return errors.Join(errs...)
}
