package kube

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Sentinel errors, matched with errors.Is through the typed errors below.
var (
	// ErrConflict means another field manager owns fields berth applies.
	ErrConflict = errors.New("conflict with another field manager")
	// ErrNotOwned means the object exists and belongs to no release, or
	// to another one.
	ErrNotOwned = errors.New("object not owned by this release")
	// ErrUnknownKind means the API server serves no such kind.
	ErrUnknownKind = errors.New("unknown kind")
)

// ObjectError is an error about one object. Its message starts with the
// object's Kind/namespace/name and then says why.
type ObjectError struct {
	Ref ObjectRef
	Err error
}

// Error returns "Kind/namespace/name: why".
func (e *ObjectError) Error() string { return e.Ref.String() + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ObjectError) Unwrap() error { return e.Err }

// FieldConflict is one field owned by another field manager.
type FieldConflict struct {
	// Manager is the other field manager's name.
	Manager string
	// Field is the field path, as the API server prints it (.data.color).
	Field string
}

// ConflictError reports the fields of an apply that other field managers
// own. It matches ErrConflict and unwraps to the API server's status error.
type ConflictError struct {
	Conflicts []FieldConflict
	Err       error
}

// Error names each manager with its fields and how to take them over:
// conflict with field manager "a" over .x, .y; with field manager "b" over
// .z (use --force-conflicts to take over these fields).
func (e *ConflictError) Error() string {
	var managers []string
	fields := map[string][]string{}
	for _, c := range e.Conflicts {
		if _, ok := fields[c.Manager]; !ok {
			managers = append(managers, c.Manager)
		}
		fields[c.Manager] = append(fields[c.Manager], c.Field)
	}
	parts := make([]string, len(managers))
	for i, m := range managers {
		parts[i] = fmt.Sprintf("with field manager %q over %s", m, strings.Join(fields[m], ", "))
	}
	return "conflict " + strings.Join(parts, "; ") + " (use --force-conflicts to take over these fields)"
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the API server's error.
func (e *ConflictError) Unwrap() error { return e.Err }

// conflictFromStatus returns the conflict carried by a server-side apply
// error, or nil when err is not one.
func conflictFromStatus(err error) *ConflictError {
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) {
		return nil
	}
	details := status.Status().Details
	if details == nil {
		return nil
	}
	var conflicts []FieldConflict
	for _, cause := range details.Causes {
		if cause.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		conflicts = append(conflicts, FieldConflict{Manager: managerName(cause.Message), Field: cause.Field})
	}
	if len(conflicts) == 0 {
		return nil
	}
	return &ConflictError{Conflicts: conflicts, Err: err}
}

// managerName extracts the manager from a conflict cause message such as
// `conflict with "kubectl" using v1`: the first quoted string.
func managerName(msg string) string {
	_, rest, ok := strings.Cut(msg, `"`)
	if !ok {
		return msg
	}
	name, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return msg
	}
	return name
}

// objectError turns an error from the API server while doing verb on ref
// into an ObjectError that says why.
func objectError(ref ObjectRef, verb string, err error) error {
	if c := conflictFromStatus(err); c != nil {
		return &ObjectError{Ref: ref, Err: c}
	}
	if imm := immutableFromStatus(err); imm != nil {
		return &ObjectError{Ref: ref, Err: imm}
	}
	var why string
	switch {
	case meta.IsNoMatchError(err):
		return unknownKind(ref, err)
	case apierrors.IsNotFound(err):
		why = "not found"
	case apierrors.IsForbidden(err):
		why = "forbidden"
	case apierrors.IsInvalid(err):
		why = "invalid"
	case apierrors.IsConflict(err):
		why = "conflict"
	default:
		return &ObjectError{Ref: ref, Err: fmt.Errorf("%s: %w", verb, err)}
	}
	return &ObjectError{Ref: ref, Err: fmt.Errorf("%s: %s: %w", verb, why, err)}
}

// UnknownKindError reports a kind the API server does not serve. It
// matches ErrUnknownKind and unwraps to the RESTMapper's error.
type UnknownKindError struct {
	Group, Kind string
	// Detail says more about the circumstances; may be empty.
	Detail string
	Err    error
}

// Error says which kind is missing and suggests the usual cause.
func (e *UnknownKindError) Error() string {
	msg := fmt.Sprintf("no matches for kind %q in group %q", e.Kind, e.Group)
	if e.Detail != "" {
		msg += " " + e.Detail
	}
	return msg + ": is the CRD installed?"
}

// Is reports whether target is ErrUnknownKind.
func (e *UnknownKindError) Is(target error) bool { return target == ErrUnknownKind }

// Unwrap returns the RESTMapper's error.
func (e *UnknownKindError) Unwrap() error { return e.Err }

// unknownKind reports a kind the API server does not serve.
func unknownKind(ref ObjectRef, err error) error {
	return &ObjectError{Ref: ref, Err: &UnknownKindError{Group: ref.Group, Kind: ref.Kind, Err: err}}
}
