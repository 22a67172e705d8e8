package action_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// eventLog collects the events of an operation, without their times.
type eventLog struct {
	mu     sync.Mutex
	events []action.Event
}

func (l *eventLog) add(e action.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// take returns the events collected so far, without their times, and
// forgets them.
func (l *eventLog) take(t *testing.T) []action.Event {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	for i := range out {
		if out[i].Time.IsZero() {
			t.Errorf("event %+v has no time", out[i])
		}
		out[i].Time = time.Time{}
	}
	return out
}

const deploymentTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: main, image: example.com/web:1}]
`

func TestInstallWaitTimeoutRecordsFailed(t *testing.T) {
	cfg, _ := newConfig(t)
	ns := cfg.Namespace
	log := &eventLog{}
	cfg.Progress = log.add
	c := writeChart(t, "web", map[string]string{
		"values.yaml":           "color: red\nconfigmaps:\n- name: conf\n",
		"templates/cms.yaml":    configMapTemplate,
		"templates/deploy.yaml": deploymentTemplate,
	})
	// No controller runs on the test API server: the Deployment never
	// becomes available.
	rel, _, err := action.Install(t.Context(), cfg, c, nil, action.InstallOptions{
		Name:          "web",
		ApplySettings: action.ApplySettings{Wait: true, Timeout: time.Second},
	})
	var waitErr *kube.WaitError
	if !errors.As(err, &waitErr) {
		t.Fatalf("Install = %v, want a *kube.WaitError", err)
	}
	reason := "timed out after 1s waiting for 1 of 2 objects: Deployment/" + ns + "/web: waiting for the controller to observe generation 1"
	if want := "Install failed: wait for readiness: " + reason; rel.Description != want {
		t.Errorf("description:\n got %s\nwant %s", rel.Description, want)
	}
	if diff := cmp.Diff([]string{"1:failed"}, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	want := []action.Event{
		{Type: action.EventApplied, Object: "ConfigMap/" + ns + "/conf", Action: "created"},
		{Type: action.EventApplied, Object: "Deployment/" + ns + "/web", Action: "created"},
		{Type: action.EventStatus, Object: "ConfigMap/" + ns + "/conf", Status: "Current", Message: "Resource is always ready"},
		{
			Type: action.EventStatus, Object: "Deployment/" + ns + "/web", Status: "InProgress",
			Message: "waiting for the controller to observe generation 1",
		},
		{Type: action.EventDone, Status: "failed", Message: err.Error()},
	}
	if diff := cmp.Diff(want, sortStatusEvents(log.take(t))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestUpgradeWaitsAndReports(t *testing.T) {
	cfg, _ := newConfig(t)
	ns := cfg.Namespace
	log := &eventLog{}
	cfg.Progress = log.add
	settings := action.ApplySettings{Wait: true, Timeout: time.Minute}
	if _, _, err := action.Install(t.Context(), cfg, configMapChart(t), nil, action.InstallOptions{Name: "cms", ApplySettings: settings}); err != nil {
		t.Fatalf("Install: %v", err)
	}
	log.take(t)
	rel, _, err := action.Upgrade(t.Context(), cfg, configMapChart(t), map[string]any{"color": "blue"}, action.UpgradeOptions{
		Name: "cms", ApplySettings: settings,
	})
	if err != nil {
		t.Fatalf("Upgrade: %v", err)
	}
	var want []action.Event
	for _, name := range []string{"a", "b", "k"} {
		want = append(want, action.Event{Type: action.EventApplied, Object: "ConfigMap/" + ns + "/" + name, Action: "configured"})
	}
	for _, name := range []string{"a", "b", "k"} {
		want = append(want, action.Event{Type: action.EventStatus, Object: "ConfigMap/" + ns + "/" + name, Status: "Current", Message: "Resource is always ready"})
	}
	want = append(want, action.Event{Type: action.EventDone, Status: "deployed", Message: rel.Description})
	if diff := cmp.Diff(want, sortStatusEvents(log.take(t))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// sortStatusEvents sorts each run of applied and of status events by
// object: objects of one kind are applied in parallel, and watches of
// different kinds report in any order.
func sortStatusEvents(events []action.Event) []action.Event {
	for start := 0; start < len(events); {
		end := start + 1
		for end < len(events) && events[end].Type == events[start].Type {
			end++
		}
		if t := events[start].Type; t == action.EventApplied || t == action.EventStatus {
			slices.SortStableFunc(events[start:end], func(a, b action.Event) int { return strings.Compare(a.Object, b.Object) })
		}
		start = end
	}
	return events
}

// Applied events stream as objects are applied: when a later kind fails,
// the objects applied before it have been reported.
func TestAppliedEventsComeAsObjectsAreApplied(t *testing.T) {
	cfg, _ := newConfig(t)
	ns := cfg.Namespace
	log := &eventLog{}
	cfg.Progress = log.add
	_, _, err := action.Install(t.Context(), cfg, servicesChart(t), map[string]any{"badService": true},
		action.InstallOptions{Name: "web"})
	if err == nil {
		t.Fatal("install with an invalid Service succeeded")
	}
	want := []action.Event{
		{Type: action.EventApplied, Object: "ConfigMap/" + ns + "/a", Action: "created"},
		{Type: action.EventApplied, Object: "ConfigMap/" + ns + "/b", Action: "created"},
		{Type: action.EventDone, Status: "failed", Message: err.Error()},
	}
	if diff := cmp.Diff(want, sortStatusEvents(log.take(t))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
