//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

const (
	nodeName      = "kwok-node-0"
	checkName     = "berth-cluster-check"
	notReadyTaint = "node.kubernetes.io/not-ready"
)

// etcdHealthy asks etcd's /health endpoint.
func etcdHealthy(ctx context.Context, port int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/health", port), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var health struct{ Health string }
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		return fmt.Errorf("etcd /health: %w", err)
	}
	if resp.StatusCode != http.StatusOK || health.Health != "true" {
		return fmt.Errorf("etcd /health: %s, health %q", resp.Status, health.Health)
	}
	return nil
}

// apiServerReady asks the API server's /readyz endpoint.
func apiServerReady(ctx context.Context, client kubernetes.Interface) error {
	body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("kube-apiserver /readyz: %w: %s", err, body)
	}
	return nil
}

// defaultServiceAccount succeeds once the controller-manager has created the
// default ServiceAccount, which Pods need.
func defaultServiceAccount(ctx context.Context, client kubernetes.Interface) error {
	_, err := client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
	return err
}

// readyNode creates the fake node if needed and succeeds once kwok reports it
// Ready and its not-ready taint is gone (removed here: the node-lifecycle
// controller that would do it is disabled).
func readyNode(ctx context.Context, client kubernetes.Interface) error {
	nodes := client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, nodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node, err = nodes.Create(ctx, fakeNode(), metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	if !nodeReady(node) {
		return fmt.Errorf("node %s not Ready yet", nodeName)
	}
	if !slices.ContainsFunc(node.Spec.Taints, isNotReadyTaint) {
		return nil
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, nodeName, metav1.GetOptions{})
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

// fakeNode is the node kwok manages: big enough for benchmarks.
func fakeNode() *corev1.Node {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("5000"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        nodeName,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
			Labels: map[string]string{
				"type":                   "kwok",
				"kubernetes.io/hostname": nodeName,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     runtime.GOARCH,
			},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
}

// checkDeployment creates a one-replica Deployment in the default namespace
// if needed, and once it is Available deletes it and succeeds.
func checkDeployment(ctx context.Context, client kubernetes.Interface) error {
	deployments := client.AppsV1().Deployments(metav1.NamespaceDefault)
	d, err := deployments.Get(ctx, checkName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		d, err = deployments.Create(ctx, testDeployment(), metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	if !deploymentAvailable(d) {
		return errors.New("deployment default/" + checkName + " not Available yet")
	}
	background := metav1.DeletePropagationBackground
	err = deployments.Delete(ctx, checkName, metav1.DeleteOptions{PropagationPolicy: &background})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	if d.Status.ObservedGeneration < d.Generation {
		return false
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func testDeployment() *appsv1.Deployment {
	labels := map[string]string{"app": checkName}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: checkName, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "pause",
					Image: "registry.k8s.io/pause:3.10", // never pulled: kwok fakes Pods
				}}},
			},
		},
	}
}
