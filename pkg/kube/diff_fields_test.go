package kube_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/kube"
)

func TestFieldChanges(t *testing.T) {
	tests := []struct {
		name          string
		before, after map[string]any
		want          []kube.FieldChange
	}{
		{"equal", map[string]any{"a": int64(1)}, map[string]any{"a": int64(1)}, nil},
		{
			"keys escaped and sorted",
			map[string]any{"m": map[string]any{"x/y": "1", "a~b": "2"}},
			map[string]any{"m": map[string]any{"x/y": "3", "c": "4"}},
			[]kube.FieldChange{
				{Path: "/m/a~0b", Op: kube.FieldOpRemove, Old: "2"},
				{Path: "/m/c", Op: kube.FieldOpAdd, New: "4"},
				{Path: "/m/x~1y", Op: kube.FieldOpReplace, Old: "1", New: "3"},
			},
		},
		{
			"lists by index",
			map[string]any{"l": []any{"a", map[string]any{"n": "b"}, "c"}},
			map[string]any{"l": []any{"a", map[string]any{"n": "B"}}},
			[]kube.FieldChange{
				{Path: "/l/1/n", Op: kube.FieldOpReplace, Old: "b", New: "B"},
				{Path: "/l/2", Op: kube.FieldOpRemove, Old: "c"},
			},
		},
		{
			"type change replaces",
			map[string]any{"v": map[string]any{"a": "1"}},
			map[string]any{"v": "flat"},
			[]kube.FieldChange{{Path: "/v", Op: kube.FieldOpReplace, Old: map[string]any{"a": "1"}, New: "flat"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kube.FieldChanges(&unstructured.Unstructured{Object: tt.before}, &unstructured.Unstructured{Object: tt.after})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("FieldChanges (-want +got):\n%s", d)
			}
		})
	}
}

func TestMaskSecrets(t *testing.T) {
	secret := func(data map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "data": data}}
	}
	before := secret(map[string]any{"same": "YWJj", "changed": "YWJj", "gone": "YQ=="})
	after := secret(map[string]any{"same": "YWJj", "changed": "YWJjZA==", "new": "YWI="})
	kube.MaskSecrets(before, after)
	wantBefore := map[string]any{"same": "(sensitive, 3 bytes)", "changed": "(sensitive, 3 bytes)", "gone": "(sensitive, 1 bytes)"}
	wantAfter := map[string]any{"same": "(sensitive, 3 bytes)", "changed": "(sensitive, 4 bytes, changed)", "new": "(sensitive, 2 bytes)"}
	if d := cmp.Diff(wantBefore, before.Object["data"]); d != "" {
		t.Errorf("before (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantAfter, after.Object["data"]); d != "" {
		t.Errorf("after (-want +got):\n%s", d)
	}
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"a": "b"}}}
	kube.MaskSecrets(cm, nil)
	if d := cmp.Diff(map[string]any{"a": "b"}, cm.Object["data"]); d != "" {
		t.Errorf("ConfigMap masked (-want +got):\n%s", d)
	}
}
