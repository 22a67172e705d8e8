package kube

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func conflictStatus(causes ...metav1.StatusCause) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    409,
		Reason:  metav1.StatusReasonConflict,
		Details: &metav1.StatusDetails{Causes: causes},
	}}
}

func TestObjectErrorConflict(t *testing.T) {
	ref := ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "prod", Name: "settings"}
	tests := []struct {
		name         string
		err          error
		want         string
		wantConflict bool
	}{
		{
			name: "two managers",
			err: conflictStatus(
				metav1.StatusCause{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "kubectl-edit" using v1`, Field: ".data.color"},
				metav1.StatusCause{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "helm" using v1`, Field: ".data.size"},
				metav1.StatusCause{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "kubectl-edit" using v1`, Field: ".data.shape"},
			),
			want: `ConfigMap/prod/settings: conflict with field manager "kubectl-edit" over .data.color, .data.shape; ` +
				`with field manager "helm" over .data.size (use --force-conflicts to take over these fields)`,
			wantConflict: true,
		},
		{
			name: "subresource manager",
			err: conflictStatus(metav1.StatusCause{
				Type:    metav1.CauseTypeFieldManagerConflict,
				Message: `conflict with "controller" with subresource "status" using v1`, Field: ".status.phase",
			}),
			want:         `ConfigMap/prod/settings: conflict with field manager "controller" over .status.phase (use --force-conflicts to take over these fields)`,
			wantConflict: true,
		},
		{
			name: "optimistic lock conflict is no field conflict",
			err:  apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, "settings", fmt.Errorf("the object has been modified")),
			want: `ConfigMap/prod/settings: apply: conflict: Operation cannot be fulfilled on configmaps "settings": the object has been modified`,
		},
		{
			name: "forbidden",
			err:  apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "settings", errors.New("no RBAC")),
			want: `ConfigMap/prod/settings: apply: forbidden: configmaps "settings" is forbidden: no RBAC`,
		},
		{
			name: "other",
			err:  errors.New("connection refused"),
			want: `ConfigMap/prod/settings: apply: connection refused`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := objectError(ref, "apply", tt.err)
			if got := err.Error(); got != tt.want {
				t.Errorf("message:\n got %s\nwant %s", got, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error does not wrap the API error")
			}
			if got := errors.Is(err, ErrConflict); got != tt.wantConflict {
				t.Errorf("errors.Is(err, ErrConflict) = %v, want %v", got, tt.wantConflict)
			}
		})
	}
}

func TestCRDEstablished(t *testing.T) {
	tests := []struct {
		name       string
		conditions []any
		want       bool
		wantErr    bool
	}{
		{name: "no status"},
		{name: "established", conditions: []any{
			map[string]any{"type": "NamesAccepted", "status": "True"},
			map[string]any{"type": "Established", "status": "True"},
		}, want: true},
		{name: "not yet", conditions: []any{map[string]any{"type": "Established", "status": "False"}}},
		{name: "names rejected", conditions: []any{
			map[string]any{"type": "NamesAccepted", "status": "False", "message": "plural is taken"},
		}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crd := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
				"metadata": map[string]any{"name": "widgets.example.com"},
			}}
			if tt.conditions != nil {
				crd.Object["status"] = map[string]any{"conditions": tt.conditions}
			}
			got, err := crdEstablished(crd)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("crdEstablished = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && err.Error() != "CustomResourceDefinition/widgets.example.com: names not accepted: plural is taken" {
				t.Errorf("error = %q", err)
			}
		})
	}
}

func TestChangeSet(t *testing.T) {
	ref := ObjectRef{Version: "v1", Kind: "ConfigMap", Namespace: "prod", Name: "a"}
	cluster := ObjectRef{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole", Name: "r"}
	cs := &ChangeSet{}
	if cs.Changed() {
		t.Error("empty change set reports changes")
	}
	cs.Add(newEntry(ref, ActionUnchanged, ""), newEntry(cluster, ActionSkipped, "not found"))
	if cs.Changed() {
		t.Error("unchanged and skipped entries report changes")
	}
	want := "ConfigMap/prod/a unchanged\nClusterRole/r skipped (not found)\n"
	if diff := cmp.Diff(want, cs.String()); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ObjectRef{cluster}, cs.Refs(ActionSkipped)); diff != "" {
		t.Errorf("Refs(skipped) (-want +got):\n%s", diff)
	}
	cs.Add(newEntry(ref, ActionConfigured, ""))
	if !cs.Changed() {
		t.Error("configured entry reports no changes")
	}
}
