package kube

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// annotationLastApplied is kubectl's client-side apply record: a copy of
// the object, noise in a diff, and a copy of a Secret's values.
const annotationLastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Clean returns a copy of obj without what the API server maintains and
// that no one applies: managedFields, resourceVersion, generation, uid,
// creationTimestamp, selfLink, status and kubectl's last-applied
// annotation. Diffs and drift compare cleaned objects. Nil gives nil.
func Clean(obj *unstructured.Unstructured) *unstructured.Unstructured {
	if obj == nil {
		return nil
	}
	obj = obj.DeepCopy()
	obj.SetManagedFields(nil)
	for _, field := range []string{"resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"} {
		unstructured.RemoveNestedField(obj.Object, "metadata", field)
	}
	delete(obj.Object, "status")
	if a := obj.GetAnnotations(); a != nil {
		delete(a, annotationLastApplied)
		if len(a) == 0 {
			a = nil
		}
		obj.SetAnnotations(a)
	}
	return obj
}

// FieldOp is what a field change does, as in JSON Patch.
type FieldOp string

// The operations of a field change.
const (
	// FieldOpAdd means the field is new.
	FieldOpAdd FieldOp = "add"
	// FieldOpRemove means the field goes away.
	FieldOpRemove FieldOp = "remove"
	// FieldOpReplace means the field gets another value.
	FieldOpReplace FieldOp = "replace"
)

// FieldChange is one changed field of an object.
type FieldChange struct {
	// Path is the field's JSON pointer (RFC 6901): /spec/replicas,
	// /spec/template/spec/containers/0/image.
	Path string `json:"path"`
	// Op is what changes.
	Op FieldOp `json:"op"`
	// Old is the value before; absent for add.
	Old any `json:"old,omitempty"`
	// New is the value after; absent for remove.
	New any `json:"new,omitempty"`
}

// FieldChanges returns the changes from before to after, each at the
// deepest path where the two differ: maps key by key (sorted), lists
// index by index. Nil sides are empty objects.
func FieldChanges(before, after *unstructured.Unstructured) []FieldChange {
	var b, a map[string]any
	if before != nil {
		b = before.Object
	}
	if after != nil {
		a = after.Object
	}
	var out []FieldChange
	return compareMaps("", b, a, out)
}

func compareValues(path string, before, after any, out []FieldChange) []FieldChange {
	if bm, ok := before.(map[string]any); ok {
		if am, ok := after.(map[string]any); ok {
			return compareMaps(path, bm, am, out)
		}
	}
	if bl, ok := before.([]any); ok {
		if al, ok := after.([]any); ok {
			return compareLists(path, bl, al, out)
		}
	}
	if reflect.DeepEqual(before, after) {
		return out
	}
	return append(out, FieldChange{Path: path, Op: FieldOpReplace, Old: before, New: after})
}

func compareMaps(path string, before, after map[string]any, out []FieldChange) []FieldChange {
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := path + "/" + escapePointer(k)
		b, inBefore := before[k]
		a, inAfter := after[k]
		switch {
		case !inBefore:
			out = append(out, FieldChange{Path: p, Op: FieldOpAdd, New: a})
		case !inAfter:
			out = append(out, FieldChange{Path: p, Op: FieldOpRemove, Old: b})
		default:
			out = compareValues(p, b, a, out)
		}
	}
	return out
}

func compareLists(path string, before, after []any, out []FieldChange) []FieldChange {
	for i := range max(len(before), len(after)) {
		p := path + "/" + strconv.Itoa(i)
		switch {
		case i >= len(before):
			out = append(out, FieldChange{Path: p, Op: FieldOpAdd, New: after[i]})
		case i >= len(after):
			out = append(out, FieldChange{Path: p, Op: FieldOpRemove, Old: before[i]})
		default:
			out = compareValues(p, before[i], after[i], out)
		}
	}
	return out
}

// escapePointer escapes a JSON pointer token: ~ as ~0, / as ~1.
func escapePointer(token string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}

// UnifiedDiff returns the unified diff of the YAML of before and after
// (either may be nil), labelled "live" and "merged" with the subject;
// "" when they are equal. Mask Secrets first.
func UnifiedDiff(subject string, before, after *unstructured.Unstructured) (string, error) {
	b, err := yamlText(before)
	if err != nil {
		return "", fmt.Errorf("%s: encode live object: %w", subject, err)
	}
	a, err := yamlText(after)
	if err != nil {
		return "", fmt.Errorf("%s: encode merged object: %w", subject, err)
	}
	return udiff.Unified("live "+subject, "merged "+subject, b, a), nil
}

func yamlText(obj *unstructured.Unstructured) (string, error) {
	if obj == nil {
		return "", nil
	}
	b, err := yaml.Marshal(obj.Object)
	return string(b), err
}
