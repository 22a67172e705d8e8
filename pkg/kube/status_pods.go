package kube

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// maxPodNames bounds the pods named per reason.
const maxPodNames = 3

// podOwners are the kinds whose pods podReasons reads, by group.
var podOwners = map[schema.GroupKind]bool{
	{Group: "apps", Kind: "Deployment"}:  true,
	{Group: "apps", Kind: "StatefulSet"}: true,
	{Group: "apps", Kind: "DaemonSet"}:   true,
	{Group: "apps", Kind: "ReplicaSet"}:  true,
	{Group: "batch", Kind: "Job"}:        true,
}

// podReasons says why the pods of a workload (obj, by its selector) are
// not ready: "ImagePullBackOff on pod web-abc; Unschedulable on pods
// web-def, web-ghi"; for a Pod, why it is not: "ImagePullBackOff". It returns "" when no pod says, or for other
// kinds; failing to read the pods is not an error of the wait, so it is
// left out.
func (c *Client) podReasons(ctx context.Context, ref ObjectRef, obj *unstructured.Unstructured) string {
	var pods []unstructured.Unstructured
	switch {
	case obj == nil:
		return ""
	case ref.Group == "" && ref.Kind == "Pod":
		return podReason(obj)
	case podOwners[ref.GroupKind()]:
		selector, err := podSelector(obj)
		if err != nil || selector.Empty() {
			return ""
		}
		list, err := c.dynamic.Resource(podsResource).Namespace(ref.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
		if err != nil {
			return ""
		}
		pods = list.Items
	default:
		return ""
	}
	return summarizeReasons(pods)
}

// podSelector returns obj's spec.selector; an empty selector when it has
// none.
func podSelector(obj *unstructured.Unstructured) (labels.Selector, error) {
	raw, found, err := unstructured.NestedMap(obj.Object, "spec", "selector")
	if err != nil || !found {
		return labels.Nothing(), err
	}
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls); err != nil {
		return nil, fmt.Errorf("read spec.selector: %w", err)
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, fmt.Errorf("read spec.selector: %w", err)
	}
	return sel, nil
}

// summarizeReasons groups the pods by the reason they are not ready, in
// the order reasons first appear, pods sorted by name.
func summarizeReasons(pods []unstructured.Unstructured) string {
	slices.SortFunc(pods, func(a, b unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
	var reasons []string
	names := map[string][]string{}
	for i := range pods {
		reason := podReason(&pods[i])
		if reason == "" {
			continue
		}
		if _, ok := names[reason]; !ok {
			reasons = append(reasons, reason)
		}
		names[reason] = append(names[reason], pods[i].GetName())
	}
	parts := make([]string, len(reasons))
	for i, reason := range reasons {
		parts[i] = reason + " on " + podList(names[reason])
	}
	return strings.Join(parts, "; ")
}

func podList(names []string) string {
	if len(names) == 1 {
		return "pod " + names[0]
	}
	s := "pods " + strings.Join(names[:min(len(names), maxPodNames)], ", ")
	if len(names) > maxPodNames {
		s += fmt.Sprintf(" and %d more", len(names)-maxPodNames)
	}
	return s
}

// podReason is why one pod is not ready: a container waiting for a reason
// other than starting (ImagePullBackOff, CrashLoopBackOff, ...), one that
// terminated with an error, or the scheduler's refusal.
func podReason(pod *unstructured.Unstructured) string {
	for _, field := range []string{"initContainerStatuses", "containerStatuses"} {
		statuses, _, _ := unstructured.NestedSlice(pod.Object, "status", field)
		for _, s := range statuses {
			cs, _ := s.(map[string]any)
			waiting, _, _ := unstructured.NestedString(cs, "state", "waiting", "reason")
			if waiting != "" && waiting != "ContainerCreating" && waiting != "PodInitializing" {
				return waiting
			}
			exit, _, _ := unstructured.NestedInt64(cs, "state", "terminated", "exitCode")
			if reason, _, _ := unstructured.NestedString(cs, "state", "terminated", "reason"); exit != 0 {
				return fmt.Sprintf("%s (exit code %d)", cmp.Or(reason, "Error"), exit)
			}
		}
	}
	conds, _, _ := unstructured.NestedSlice(pod.Object, "status", "conditions")
	for _, c := range conds {
		cond, _ := c.(map[string]any)
		if cond["type"] == "PodScheduled" && cond["status"] == "False" {
			reason, _ := cond["reason"].(string)
			return cmp.Or(reason, "Unschedulable")
		}
	}
	return ""
}
