//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

const (
	notReadyTaint = "node.kubernetes.io/not-ready"
	// region is the topology.kubernetes.io/region of every fake node.
	region = "local"
)

// zones are the fake nodes' topology.kubernetes.io/zone, one node each, so
// that required pod anti-affinity on the zone can place three replicas.
var zones = []string{"local-a", "local-b", "local-c"}

// nodeNames are the fake nodes kwok manages; kwok-node-0 is the name the
// single node of earlier versions had.
func nodeNames() []string {
	names := make([]string, len(zones))
	for i := range zones {
		names[i] = fmt.Sprintf("kwok-node-%d", i)
	}
	return names
}

// nodeCapacity is each fake node's capacity and allocatable: big enough for
// benchmarks (thousands of pods), with the ephemeral-storage that bitnami
// workloads request and are Unschedulable without.
func nodeCapacity() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("32"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
		corev1.ResourcePods:             resource.MustParse("5000"),
	}
}

// fakeNode is the i-th node kwok manages, with the labels charts select on.
func fakeNode(i int) *corev1.Node {
	name := nodeNames()[i]
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
			Labels: map[string]string{
				"type":                     "kwok",
				corev1.LabelHostname:       name,
				corev1.LabelOSStable:       "linux",
				corev1.LabelArchStable:     runtime.GOARCH,
				corev1.LabelTopologyZone:   zones[i],
				corev1.LabelTopologyRegion: region,
			},
		},
		Status: corev1.NodeStatus{Capacity: nodeCapacity(), Allocatable: nodeCapacity()},
	}
}

// readyNodes creates the fake nodes if needed and succeeds once kwok
// reports each Ready and its not-ready taint is gone (removed here: the
// node-lifecycle controller that would do it is disabled).
func readyNodes(ctx context.Context, client kubernetes.Interface) error {
	var errs []error
	for i := range zones {
		errs = append(errs, readyNode(ctx, client, fakeNode(i)))
	}
	return errors.Join(errs...)
}

func readyNode(ctx context.Context, client kubernetes.Interface, want *corev1.Node) error {
	nodes := client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node, err = nodes.Create(ctx, want, metav1.CreateOptions{})
	}
	if err != nil {
		return fmt.Errorf("node %s: %w", want.Name, err)
	}
	if !nodeReady(node) {
		return fmt.Errorf("node %s not Ready yet", want.Name)
	}
	if !slices.ContainsFunc(node.Spec.Taints, isNotReadyTaint) {
		return nil
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, want.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		node.Spec.Taints = slices.DeleteFunc(node.Spec.Taints, isNotReadyTaint)
		_, err = nodes.Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

func isNotReadyTaint(t corev1.Taint) bool { return t.Key == notReadyTaint }

func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// nodeProblem says what is wrong with a node against what up creates: not
// Ready, still tainted, or missing a label or a resource (a node made by an
// older version of up); "" when nothing is.
func nodeProblem(node *corev1.Node, want *corev1.Node) string {
	for key, value := range want.Labels {
		if got, ok := node.Labels[key]; !ok || got != value {
			return fmt.Sprintf("node %s lacks label %s=%s", node.Name, key, value)
		}
	}
	for name, quantity := range want.Status.Allocatable {
		if got, ok := node.Status.Allocatable[name]; !ok || got.Cmp(quantity) < 0 {
			return fmt.Sprintf("node %s has allocatable %s %s, want %s", node.Name, name, got.String(), quantity.String())
		}
	}
	if !nodeReady(node) {
		return fmt.Sprintf("node %s is not Ready", node.Name)
	}
	if slices.ContainsFunc(node.Spec.Taints, isNotReadyTaint) {
		return fmt.Sprintf("node %s still has the %s taint", node.Name, notReadyTaint)
	}
	return ""
}

// nodesProblem checks every fake node exists as up creates it.
func nodesProblem(ctx context.Context, client kubernetes.Interface) string {
	for i, name := range nodeNames() {
		node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Sprintf("node %s: %v", name, err)
		}
		if p := nodeProblem(node, fakeNode(i)); p != "" {
			return p
		}
	}
	return ""
}
