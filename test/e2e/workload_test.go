//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// workloadTimeout bounds each wait for controllers, scheduler and kwok.
const workloadTimeout = 60 * time.Second

func podSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}}
}

// TestDeploymentBecomesAvailable: the deployment and replicaset controllers
// create Pods, the scheduler binds them to the fake node and kwok runs them.
func TestDeploymentBecomesAvailable(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec()},
		},
	}
	if _, err := client.AppsV1().Deployments(ns).Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Deployment/%s/web: %v", ns, err)
	}
	eventually(t, workloadTimeout, "Deployment/"+ns+"/web Available with 3 ready replicas", func(ctx context.Context) (bool, string, error) {
		got, err := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		status := fmt.Sprintf("generation %d observed %d, ready %d, conditions %v",
			got.Generation, got.Status.ObservedGeneration, got.Status.ReadyReplicas, got.Status.Conditions)
		available := got.Status.ObservedGeneration == got.Generation && got.Status.ReadyReplicas == 3 &&
			hasCondition(got.Status.Conditions, appsv1.DeploymentAvailable)
		return available, status, nil
	})
	pods, err := client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatalf("list Pods: %v", err)
	}
	if len(pods.Items) != 3 {
		t.Fatalf("got %d Pods, want 3", len(pods.Items))
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning || p.Spec.NodeName == "" || p.Status.PodIP == "" {
			t.Errorf("Pod/%s/%s: phase %s, node %q, IP %q; want Running on a node with an IP",
				ns, p.Name, p.Status.Phase, p.Spec.NodeName, p.Status.PodIP)
		}
	}
}

func hasCondition(conds []appsv1.DeploymentCondition, typ appsv1.DeploymentConditionType) bool {
	for _, c := range conds {
		if c.Type == typ {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// TestJobCompletes: the job controller creates a Pod, kwok runs it and then
// marks it Succeeded, and the Job reports Complete.
func TestJobCompletes(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	spec := podSpec()
	spec.RestartPolicy = corev1.RestartPolicyNever
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "migrate"},
		Spec: batchv1.JobSpec{
			Completions:  ptr.To[int32](2),
			BackoffLimit: ptr.To[int32](0),
			Template:     corev1.PodTemplateSpec{Spec: spec},
		},
	}
	if _, err := client.BatchV1().Jobs(ns).Create(t.Context(), job, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Job/%s/migrate: %v", ns, err)
	}
	eventually(t, workloadTimeout, "Job/"+ns+"/migrate Complete", func(ctx context.Context) (bool, string, error) {
		got, err := client.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		status := fmt.Sprintf("succeeded %d, failed %d, conditions %v", got.Status.Succeeded, got.Status.Failed, got.Status.Conditions)
		for _, c := range got.Status.Conditions {
			if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
				return false, status, fmt.Errorf("job failed: %s", c.Message)
			}
			if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
				return got.Status.Succeeded == 2, status, nil
			}
		}
		return false, status, nil
	})
}
