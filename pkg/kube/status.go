package kube

import (
	"fmt"
	"strings"
	"time"

	kstatus "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Status is the readiness of an object, as kstatus computes it.
type Status string

// The statuses of an awaited object.
const (
	// StatusInProgress: the object is being reconciled.
	StatusInProgress Status = Status(kstatus.InProgressStatus)
	// StatusCurrent: the object is ready; its status reflects its spec.
	StatusCurrent Status = Status(kstatus.CurrentStatus)
	// StatusFailed: reconciling the object failed.
	StatusFailed Status = Status(kstatus.FailedStatus)
	// StatusTerminating: the object is being deleted.
	StatusTerminating Status = Status(kstatus.TerminatingStatus)
	// StatusNotFound: the object does not exist.
	StatusNotFound Status = Status(kstatus.NotFoundStatus)
	// StatusUnknown: the status could not be computed.
	StatusUnknown Status = Status(kstatus.UnknownStatus)
)

// ObjectStatus is the readiness of one awaited object.
type ObjectStatus struct {
	// Ref is the object.
	Ref ObjectRef
	// Status is its readiness.
	Status Status
	// Message explains Status: "1/3 replicas available", "waiting for
	// status". At a timeout it also names the failing pods' reasons.
	Message string
}

// String returns "Kind/namespace/name: message", or the status when there
// is no message.
func (s ObjectStatus) String() string {
	msg := s.Message
	if msg == "" {
		msg = string(s.Status)
	}
	return s.Ref.String() + ": " + msg
}

// waitTarget is one object Wait awaits, with what its apply returned.
type waitTarget struct {
	ref      ObjectRef
	resource schema.GroupResource
	// generation and resourceVersion are the object's right after the
	// apply of this operation.
	generation      int64
	resourceVersion string
	// changed says the apply created or changed the object, so a status
	// written before it says nothing of this change.
	changed bool
	// existsOnly counts the object ready once it exists (berth.sh/wait:
	// exists).
	existsOnly bool
	// expect is what the object's status must show.
	expect statusExpectation
	// graceOver says the grace for a first status ended (expect is
	// statusWithinGrace).
	graceOver bool
	// gone says the object was deleted and is awaited until it is gone;
	// uid is the UID of the object deleted.
	gone bool
	uid  string
}

// statusRules are the settings of one Wait that computeStatus applies.
type statusRules struct {
	waitForJobs bool
	grace       time.Duration
	now         time.Time
}

// computeStatus returns the readiness of obj, the live state of t. It is
// kstatus's, made stricter: the object must be at least the applied
// generation, a workload's status must have observed it, a custom resource
// that expects a status is not ready before its status appears (and, if
// it has no observedGeneration, before a write after the apply), and Jobs
// count when created, or when complete with waitForJobs.
func computeStatus(t *waitTarget, obj *unstructured.Unstructured, rules statusRules) ObjectStatus {
	if t.gone {
		return goneStatus(t, obj)
	}
	st := ObjectStatus{Ref: t.ref}
	switch {
	case obj == nil:
		st.Status, st.Message = StatusNotFound, "not found"
		return st
	case t.existsOnly:
		st.Status, st.Message = StatusCurrent, "exists ("+AnnotationWait+": "+string(WaitExists)+")"
		return st
	}
	if gen := obj.GetGeneration(); gen < t.generation {
		st.Status, st.Message = StatusInProgress, fmt.Sprintf("waiting for generation %d (seen %d)", t.generation, gen)
		return st
	}
	if countedReady(t, obj, rules) {
		st.Status, st.Message = StatusCurrent, fmt.Sprintf("no status from a controller within %s; counted ready", rules.grace)
		return st
	}
	if msg, waiting := awaitingStatus(t, obj); waiting {
		st.Status, st.Message = StatusInProgress, msg
		return st
	}
	res, err := kstatus.Compute(obj)
	if err != nil {
		st.Status, st.Message = StatusUnknown, err.Error()
		return st
	}
	st.Status, st.Message = Status(res.Status), res.Message
	if t.ref.Group == "batch" && t.ref.Kind == "Job" {
		return jobStatus(st, obj, rules.waitForJobs)
	}
	if podFailed(t.ref, obj) {
		// kstatus calls a failed Pod current: it completed.
		st.Status, st.Message = StatusFailed, "Pod failed"
		if reason := podReason(obj); reason != "" {
			st.Message += ": " + reason
		}
		return st
	}
	if st.Status == StatusInProgress {
		if msg := workloadMessage(t.ref, obj); msg != "" {
			st.Message = msg
		}
	}
	return st
}

// countedReady reports whether obj, a custom resource awaited for a first
// status within the grace, has none and the grace is over, or has had none
// for as long as the grace.
func countedReady(t *waitTarget, obj *unstructured.Unstructured, rules statusRules) bool {
	if t.expect != statusWithinGrace || hasStatus(obj) || obj.GetDeletionTimestamp() != nil {
		return false
	}
	return t.graceOver || oldWithoutStatus(obj, rules.grace, rules.now)
}

// workloads are the kinds whose controllers report status.observedGeneration.
var workloads = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true}

// awaitingStatus reports whether obj's status does not reflect this
// operation yet, with why.
func awaitingStatus(t *waitTarget, obj *unstructured.Unstructured) (string, bool) {
	status, _, _ := unstructured.NestedMap(obj.Object, "status")
	_, hasObserved, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	switch {
	case t.ref.Group == "apps" && workloads[t.ref.Kind] && !hasObserved:
		return fmt.Sprintf("waiting for the controller to observe generation %d", obj.GetGeneration()), true
	case t.expect == statusAsIs || obj.GetDeletionTimestamp() != nil:
		return "", false
	case len(status) == 0:
		return "waiting for status", true
	case !hasObserved && t.changed && obj.GetResourceVersion() == t.resourceVersion:
		// Without observedGeneration only a write after the apply tells
		// that the status may reflect it.
		return "waiting for a status update after the apply", true
	}
	return "", false
}

// jobStatus applies --wait-for-jobs to a Job's kstatus: without it a Job
// counts once created; with it, only once complete (kstatus calls a
// started Job current).
func jobStatus(st ObjectStatus, obj *unstructured.Unstructured, waitForJobs bool) ObjectStatus {
	if !waitForJobs {
		if st.Status == StatusInProgress {
			st.Status, st.Message = StatusCurrent, "created"
		}
		return st
	}
	if st.Status == StatusCurrent && !hasCondition(obj, "Complete") {
		st.Status = StatusInProgress
	}
	return st
}

// hasCondition reports whether obj has condition typ with status True.
func hasCondition(obj *unstructured.Unstructured, typ string) bool {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		cond, _ := c.(map[string]any)
		if cond["type"] == typ {
			return cond["status"] == "True"
		}
	}
	return false
}

// terminal reports whether the object of st, obj, can no longer become
// ready: a failed Job or a failed Pod.
func terminal(st ObjectStatus, obj *unstructured.Unstructured) bool {
	isJob := st.Ref.Group == "batch" && st.Ref.Kind == "Job"
	return isJob && st.Status == StatusFailed || podFailed(st.Ref, obj)
}

// podFailed reports whether obj is a Pod in phase Failed.
func podFailed(ref ObjectRef, obj *unstructured.Unstructured) bool {
	if ref.Group != "" || ref.Kind != "Pod" || obj == nil {
		return false
	}
	phase, _, _ := unstructured.NestedString(obj.Object, "status", "phase")
	return phase == "Failed"
}

// workloadMessage says how many replicas of a Deployment, StatefulSet or
// DaemonSet are available, once its controller observed the generation;
// "" for other objects.
func workloadMessage(ref ObjectRef, obj *unstructured.Unstructured) string {
	if ref.Group != "apps" {
		return ""
	}
	observed, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	if observed != obj.GetGeneration() {
		return ""
	}
	field := func(def int64, path ...string) int64 {
		v, found, _ := unstructured.NestedInt64(obj.Object, path...)
		if !found {
			return def
		}
		return v
	}
	var parts []string
	short := false
	switch ref.Kind {
	case "Deployment", "StatefulSet":
		want := field(1, "spec", "replicas")
		if updated := field(0, "status", "updatedReplicas"); updated < want {
			parts = append(parts, fmt.Sprintf("%d/%d replicas updated", updated, want))
			short = true
		}
		available := field(0, "status", "availableReplicas")
		if ref.Kind == "StatefulSet" {
			available = field(0, "status", "readyReplicas")
		}
		parts = append(parts, fmt.Sprintf("%d/%d replicas available", available, want))
		short = short || available < want
		if extra := field(0, "status", "replicas") - want; extra > 0 {
			parts = append(parts, fmt.Sprintf("%d old replicas terminating", extra))
			short = true
		}
	case "DaemonSet":
		want, available := field(0, "status", "desiredNumberScheduled"), field(0, "status", "numberAvailable")
		parts = append(parts, fmt.Sprintf("%d/%d pods available", available, want))
		short = available < want
	}
	if !short {
		// kstatus says better what else is missing (a condition).
		return ""
	}
	return strings.Join(parts, ", ")
}
