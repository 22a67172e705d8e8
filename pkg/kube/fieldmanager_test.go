package kube_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

var configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

func configMap(ns, name string, data map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"data":       data,
	}}
}

// ownedDataKeys returns the data keys that the Apply entry of manager owns,
// sorted, read from the object's managedFields.
func ownedDataKeys(t *testing.T, obj *unstructured.Unstructured, manager string) []string {
	t.Helper()
	for _, e := range obj.GetManagedFields() {
		if e.Manager != manager || e.Operation != metav1.ManagedFieldsOperationApply {
			continue
		}
		var fields map[string]map[string]any
		if err := json.Unmarshal(e.FieldsV1.GetRawBytes(), &fields); err != nil {
			t.Fatalf("decode managedFields of %s: %v", manager, err)
		}
		var keys []string
		for k := range fields["f:data"] {
			keys = append(keys, strings.TrimPrefix(k, "f:"))
		}
		slices.Sort(keys)
		return keys
	}
	t.Fatalf("no managedFields entry with manager %q and operation Apply in %v", manager, obj.GetManagedFields())
	return nil
}

// TestApplyRecordsBerthOwnership proves server-side apply with
// kube.FieldManager against a real API server records berth as the Apply
// owner of every key it set.
func TestApplyRecordsBerthOwnership(t *testing.T) {
	ns := testenv.Namespace(t)
	client := dynamic.NewForConfigOrDie(testenv.Config(t)).Resource(configMaps).Namespace(ns)
	obj := configMap(ns, "settings", map[string]any{"color": "blue", "size": "large"})
	if _, err := client.Apply(t.Context(), "settings", obj, metav1.ApplyOptions{FieldManager: kube.FieldManager}); err != nil {
		t.Fatalf("apply ConfigMap/%s/settings: %v", ns, err)
	}
	got, err := client.Get(t.Context(), "settings", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get ConfigMap/%s/settings: %v", ns, err)
	}
	if diff := cmp.Diff([]string{"color", "size"}, ownedDataKeys(t, got, "berth")); diff != "" {
		t.Errorf("data keys owned by berth (-want +got):\n%s", diff)
	}
}

// TestApplyConflictsWithOtherManager shows what a second field manager meets
// when it applies fields berth owns.
func TestApplyConflictsWithOtherManager(t *testing.T) {
	tests := []struct {
		name         string
		color        string
		force        bool
		wantConflict bool
		wantColor    string
		wantOwners   map[string][]string // manager -> owned data keys
	}{
		{
			name: "changed value without force conflicts", color: "red",
			wantConflict: true, wantColor: "blue",
			wantOwners: map[string][]string{"berth": {"color"}},
		},
		{
			name: "same value shares ownership", color: "blue",
			wantColor:  "blue",
			wantOwners: map[string][]string{"berth": {"color"}, "other": {"color"}},
		},
		{
			name: "changed value with force takes ownership", color: "red", force: true,
			wantColor:  "red",
			wantOwners: map[string][]string{"other": {"color"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			client := dynamic.NewForConfigOrDie(testenv.Config(t)).Resource(configMaps).Namespace(ns)
			ctx := t.Context()
			first := configMap(ns, "settings", map[string]any{"color": "blue"})
			if _, err := client.Apply(ctx, "settings", first, metav1.ApplyOptions{FieldManager: kube.FieldManager}); err != nil {
				t.Fatalf("first apply: %v", err)
			}
			second := configMap(ns, "settings", map[string]any{"color": tt.color})
			_, err := client.Apply(ctx, "settings", second, metav1.ApplyOptions{FieldManager: "other", Force: tt.force})
			checkConflict(t, err, tt.wantConflict)

			got, err := client.Get(ctx, "settings", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			color, _, _ := unstructured.NestedString(got.Object, "data", "color")
			if color != tt.wantColor {
				t.Errorf("data.color = %q, want %q", color, tt.wantColor)
			}
			for manager, want := range tt.wantOwners {
				if diff := cmp.Diff(want, ownedDataKeys(t, got, manager)); diff != "" {
					t.Errorf("data keys owned by %s (-want +got):\n%s", manager, diff)
				}
			}
			if len(got.GetManagedFields()) != len(tt.wantOwners) {
				t.Errorf("managedFields has %d entries, want %d: %v", len(got.GetManagedFields()), len(tt.wantOwners), got.GetManagedFields())
			}
		})
	}
}

// checkConflict asserts err is an apply conflict naming berth and .data.color
// when want is set, and nil otherwise.
func checkConflict(t *testing.T, err error, want bool) {
	t.Helper()
	if !want {
		if err != nil {
			t.Fatalf("second apply: %v", err)
		}
		return
	}
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) {
		t.Fatalf("second apply: got error %v, want a conflict", err)
	}
	var causes []metav1.StatusCause
	if d := status.Status().Details; d != nil {
		causes = d.Causes
	}
	if len(causes) != 1 || causes[0].Field != ".data.color" || !strings.Contains(causes[0].Message, `"berth"`) {
		t.Errorf("conflict causes = %+v, want one on .data.color naming manager \"berth\"", causes)
	}
}
