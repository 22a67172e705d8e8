package kube

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// podTracker watches the pods of the namespaces of awaited workloads, so
// that their status says, while the wait goes on, why their pods are not
// ready (ImagePullBackOff, CrashLoopBackOff, Unschedulable).
type podTracker struct {
	stores map[string]cache.Store // by namespace
}

// watchPods starts a pod informer in each namespace of the workloads among
// w's targets; pod changes reach w's loop as pod updates. Pods that
// cannot be read (no permission) only leave the reasons out.
func (w *waiter) watchPods(ctx context.Context) error {
	w.pods = &podTracker{stores: map[string]cache.Store{}}
	for _, t := range w.targets {
		ns := t.ref.Namespace
		if t.gone || !podOwners[t.ref.GroupKind()] || w.pods.stores[ns] != nil {
			continue
		}
		resource := w.client.dynamic.Resource(podsResource).Namespace(ns)
		inf := cache.NewSharedIndexInformer(&cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return resource.List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return resource.Watch(ctx, o)
			},
		}, &unstructured.Unstructured{}, 0, cache.Indexers{})
		if err := inf.SetWatchErrorHandlerWithContext(func(context.Context, *cache.Reflector, error) {}); err != nil {
			return err
		}
		changed := func(any) { w.send(ctx, waitUpdate{podNamespace: ns}) }
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    changed,
			UpdateFunc: func(_, obj any) { changed(obj) },
			DeleteFunc: changed,
		}); err != nil {
			return err
		}
		w.pods.stores[ns] = inf.GetStore()
		go inf.RunWithContext(ctx)
	}
	return nil
}

// tracks reports whether the pods of the object of ref are watched.
func (p *podTracker) tracks(ref ObjectRef) bool {
	return p != nil && podOwners[ref.GroupKind()] && p.stores[ref.Namespace] != nil
}

// reasons says why the watched pods of workload obj are not ready, "" if
// none says or they are not watched.
func (p *podTracker) reasons(ref ObjectRef, obj *unstructured.Unstructured) string {
	if !p.tracks(ref) || obj == nil {
		return ""
	}
	selector, err := podSelector(obj)
	if err != nil || selector.Empty() {
		return ""
	}
	var pods []unstructured.Unstructured
	for _, item := range p.stores[ref.Namespace].List() {
		if pod, ok := item.(*unstructured.Unstructured); ok && selector.Matches(labels.Set(pod.GetLabels())) {
			pods = append(pods, *pod)
		}
	}
	return summarizeReasons(pods)
}

// podsChanged recomputes the status of the workloads of namespace ns not
// ready yet, after one of its pods changed.
func (w *waiter) podsChanged(ns string) error {
	for i, t := range w.targets {
		if t.ref.Namespace != ns || !w.known[i] || w.status[i].Status == StatusCurrent || !podOwners[t.ref.GroupKind()] {
			continue
		}
		if err := w.set(i, w.live[i]); err != nil {
			return err
		}
	}
	return nil
}
