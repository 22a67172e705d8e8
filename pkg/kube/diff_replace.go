package kube

import (
	"errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// replaceDiff returns the diff of an object whose dry-run apply was
// refused with err because immutable fields change, and true; false for
// other errors. The server cannot say what the object would be: Merged is
// the live object with the rendered fields laid over it.
func replaceDiff(it *applyItem, err error) (ObjectDiff, bool) {
	var imm *ImmutableFieldError
	if !errors.As(err, &imm) || it.live == nil {
		return ObjectDiff{}, false
	}
	refineFields(imm, it.obj, it.live)
	merged := &unstructured.Unstructured{Object: overlay(it.live.DeepCopy().Object, it.obj.Object)}
	d := compareObjects(it.ref, it.live, merged)
	d.Action = DiffReplace
	d.Reason = fieldsImmutable(imm) + ": an upgrade needs --force-replace, which deletes and re-creates the object"
	return d, true
}

// overlay lays the fields of top over base, maps key by key and lists of
// the same length item by item, and returns base.
func overlay(base, top map[string]any) map[string]any {
	for key, value := range top {
		base[key] = overlayValue(base[key], value)
	}
	return base
}

func overlayValue(base, top any) any {
	switch t := top.(type) {
	case map[string]any:
		if b, ok := base.(map[string]any); ok {
			return overlay(b, t)
		}
	case []any:
		if b, ok := base.([]any); ok && len(b) == len(t) {
			for i := range t {
				b[i] = overlayValue(b[i], t[i])
			}
			return b
		}
	}
	return top
}
