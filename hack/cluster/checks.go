//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// checkName names the objects up creates to prove the cluster works.
const checkName = "berth-cluster-check"

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
