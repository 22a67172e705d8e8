package kube

import (
	"errors"
	"reflect"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ErrImmutable means an apply was refused because it changes fields that
// cannot change once the object exists.
var ErrImmutable = errors.New("immutable field changed")

// ImmutableField is one field the API server refused to change.
type ImmutableField struct {
	// Field is the field path as the API server names it (spec.template,
	// spec.clusterIPs[0]) or, when it names a whole section (spec), the
	// fields of that section that changed.
	Field string
	// Why is the API server's reason, without the value: "field is
	// immutable", "may not change once set".
	Why string
}

// ImmutableFieldError reports the immutable fields an apply would change.
// It matches ErrImmutable and unwraps to the API server's status error.
type ImmutableFieldError struct {
	Fields []ImmutableField
	Err    error
}

// Error names each field and what to do: "spec.template: field is
// immutable; use --force-replace to delete and re-create the object".
func (e *ImmutableFieldError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Why
	}
	return strings.Join(parts, "; ") + "; use --force-replace to delete and re-create the object"
}

// Fieldnames returns the fields, comma-separated.
func (e *ImmutableFieldError) Fieldnames() string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f.Field
	}
	return strings.Join(names, ", ")
}

// Is reports whether target is ErrImmutable.
func (e *ImmutableFieldError) Is(target error) bool { return target == ErrImmutable }

// Unwrap returns the API server's error.
func (e *ImmutableFieldError) Unwrap() error { return e.Err }

// immutableFromStatus returns the immutable fields of an Invalid error
// from the API server, or nil when err is not one or names other
// troubles too (those need fixing; re-creating would not help).
func immutableFromStatus(err error) *ImmutableFieldError {
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return nil
	}
	causes := status.Status().Details.Causes
	fields := make([]ImmutableField, 0, len(causes))
	for _, cause := range causes {
		why, ok := immutableReason(cause)
		if !ok {
			return nil
		}
		fields = append(fields, ImmutableField{Field: cause.Field, Why: why})
	}
	if len(fields) == 0 {
		return nil
	}
	return &ImmutableFieldError{Fields: fields, Err: err}
}

// causeTypeForbidden is field.ErrorTypeForbidden's cause type, which
// metav1 has no constant for.
const causeTypeForbidden metav1.CauseType = "FieldValueForbidden"

// immutableReason returns why cause refuses a change of an immutable
// field, without the value it quotes, and whether it is such a cause:
// "field is immutable" (Job template, Deployment selector, ConfigMaps
// marked immutable), "may not change once set" (a Service's clusterIP),
// "updates to statefulset spec for fields other than ... are forbidden",
// "spec is immutable after creation except ..." (claims).
func immutableReason(cause metav1.StatusCause) (string, bool) {
	msg := cause.Message
	switch cause.Type {
	case metav1.CauseTypeFieldValueInvalid:
		// "Invalid value: <value>: why"; the value may hold ": " too.
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	case causeTypeForbidden:
		msg = strings.TrimPrefix(msg, "Forbidden: ")
	default:
		return "", false
	}
	immutable := strings.Contains(msg, "immutable") || strings.Contains(msg, "may not change once set") ||
		strings.HasPrefix(msg, "updates to ") && strings.HasSuffix(msg, " are forbidden")
	return msg, immutable
}

// quoted returns the words msg quotes in single quotes: the fields that
// may change, in "updates to statefulset spec for fields other than
// 'replicas', 'template' ... are forbidden".
func quoted(msg string) []string {
	parts := strings.Split(msg, "'")
	var words []string
	for i := 1; i < len(parts); i += 2 {
		words = append(words, parts[i])
	}
	return words
}

// refineFields names, for a field the API server reports as a whole
// section with the fields that may change (a StatefulSet's spec: "updates
// to statefulset spec for fields other than 'replicas', ... are
// forbidden"), the other fields of that section that the applied object
// changes: those whose applied value is not contained in the live one (the
// live object has defaults and status on top).
func refineFields(e *ImmutableFieldError, applied, live *unstructured.Unstructured) {
	if live == nil {
		return
	}
	var fields []ImmutableField
	for _, f := range e.Fields {
		want, _, _ := unstructured.NestedFieldNoCopy(applied.Object, strings.Split(f.Field, ".")...)
		have, _, _ := unstructured.NestedFieldNoCopy(live.Object, strings.Split(f.Field, ".")...)
		wantMap, ok := want.(map[string]any)
		haveMap, _ := have.(map[string]any)
		allowed := quoted(f.Why)
		if !ok || len(allowed) == 0 || strings.ContainsAny(f.Field, "[]") {
			fields = append(fields, f)
			continue
		}
		var changed []string
		for key, value := range wantMap {
			if !slices.Contains(allowed, key) && !contained(value, haveMap[key]) {
				changed = append(changed, f.Field+"."+key)
			}
		}
		if len(changed) == 0 {
			fields = append(fields, f)
			continue
		}
		slices.Sort(changed)
		for _, name := range changed {
			fields = append(fields, ImmutableField{Field: name, Why: f.Why})
		}
	}
	e.Fields = fields
}

// contained reports whether want, an applied value, is in have, the live
// one: maps key by key, lists item by item, other values equal (numbers
// compared as the API server may retype them).
func contained(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return len(w) == 0 && have == nil
		}
		for key, value := range w {
			if !contained(value, h[key]) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !contained(w[i], h[i]) {
				return false
			}
		}
		return true
	case int64, float64, int:
		w64, ok1 := number(want)
		h64, ok2 := number(have)
		return ok1 && ok2 && w64 == h64
	}
	return reflect.DeepEqual(want, have)
}

// number returns v as a float64 for comparison, and whether it is a
// number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}
