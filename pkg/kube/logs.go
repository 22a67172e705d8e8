package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultLogLines is how many lines of each container's log HookLogs
// returns when asked for none or fewer.
const DefaultLogLines = 50

// jobNameLabels are the labels the Job controller puts on a Job's pods,
// the current one first.
var jobNameLabels = []string{"batch.kubernetes.io/job-name", "job-name"}

// ContainerLog is the tail of one container's log.
type ContainerLog struct {
	// Pod is the pod's name.
	Pod string `json:"pod"`
	// Container is the container's name.
	Container string `json:"container"`
	// Log is the last lines of the log.
	Log string `json:"log,omitempty"`
	// Unavailable says why the log could not be read; empty when it was.
	Unavailable string `json:"unavailable,omitempty"`
}

// String returns the log under a "==> pod/container <==" header, or the
// reason it is unavailable.
func (l ContainerLog) String() string {
	header := "==> " + l.Pod + "/" + l.Container + " <==\n"
	if l.Unavailable != "" {
		return header + "(logs unavailable: " + l.Unavailable + ")\n"
	}
	if l.Log == "" || strings.HasSuffix(l.Log, "\n") {
		return header + l.Log
	}
	return header + l.Log + "\n"
}

// HookLogs returns the last lines (0: DefaultLogLines) of the log of every
// container, init containers first, of the pods of hook ref: the Pod
// itself, or the pods of a Job. Other kinds have no logs. Reading is best
// effort: a container whose log cannot be read is listed with the reason;
// the error is for the pods themselves not being readable.
func (c *Client) HookLogs(ctx context.Context, ref ObjectRef, lines int64) ([]ContainerLog, error) {
	if lines <= 0 {
		lines = DefaultLogLines
	}
	pods, err := c.hookPods(ctx, ref)
	if err != nil {
		return nil, objectError(ref, "list pods for logs", err)
	}
	var logs []ContainerLog
	for _, pod := range pods {
		for _, ctr := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
			logs = append(logs, c.containerLog(ctx, &pod, ctr.Name, lines))
		}
	}
	return logs, nil
}

// hookPods returns the pods of a Pod or Job hook, none for other kinds.
func (c *Client) hookPods(ctx context.Context, ref ObjectRef) ([]corev1.Pod, error) {
	if c.typed == nil {
		return nil, errors.New("client has no typed clientset")
	}
	pods := c.typed.CoreV1().Pods(ref.Namespace)
	switch ref.Kind {
	case "Pod":
		pod, err := pods.Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return []corev1.Pod{*pod}, nil
	case "Job":
		for _, label := range jobNameLabels {
			list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: label + "=" + ref.Name})
			if err != nil {
				return nil, err
			}
			if len(list.Items) > 0 {
				return list.Items, nil
			}
		}
	}
	return nil, nil
}

func (c *Client) containerLog(ctx context.Context, pod *corev1.Pod, container string, lines int64) ContainerLog {
	l := ContainerLog{Pod: pod.Name, Container: container}
	raw, err := c.typed.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{
		Container: container, TailLines: &lines,
	}).DoRaw(ctx)
	if err != nil {
		l.Unavailable = fmt.Sprintf("read log: %v", err)
		return l
	}
	if len(raw) == 0 && !containerStarted(pod, container) {
		// The API server answers with an empty log for a container that
		// never ran; say why there is nothing.
		l.Unavailable = fmt.Sprintf("container has not started (pod phase %s)", pod.Status.Phase)
		return l
	}
	l.Log = string(raw)
	return l
}

// containerStarted reports whether container of pod ran or runs.
func containerStarted(pod *corev1.Pod, container string) bool {
	for _, cs := range append(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses...) {
		if cs.Name == container {
			return cs.State.Running != nil || cs.State.Terminated != nil || cs.LastTerminationState.Terminated != nil
		}
	}
	return false
}
