package chart

import (
	"errors"
	"fmt"
)

// ErrUnsafeArchive is wrapped by every error that rejects a chart archive
// for its shape rather than its content: an absolute or escaping path, a
// link or device entry, an entry or a total size over the limits.
var ErrUnsafeArchive = errors.New("unsafe chart archive")

// ValidationError is a problem in one field of one file of a chart, such as
// Chart.yaml's version. Load returns it for charts Helm would refuse.
type ValidationError struct {
	// File is the file at fault, relative to the chart root ("Chart.yaml").
	File string
	// Field is the field at fault ("version", "dependencies[1].alias").
	Field string
	// Msg says what is wrong with it.
	Msg string
}

// Error returns "FILE: FIELD: MESSAGE".
func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
}

func chartfileErrorf(field, format string, a ...any) *ValidationError {
	return &ValidationError{File: ChartfileName, Field: field, Msg: fmt.Sprintf(format, a...)}
}

// ArchiveError rejects one entry of a chart archive. It wraps
// ErrUnsafeArchive.
type ArchiveError struct {
	// Entry is the entry's name as written in the archive.
	Entry string
	// Reason says why the entry was rejected.
	Reason string
}

// Error names the entry and says why it was rejected.
func (e *ArchiveError) Error() string {
	return fmt.Sprintf("%v: entry %q: %s", ErrUnsafeArchive, e.Entry, e.Reason)
}

// Unwrap returns ErrUnsafeArchive.
func (e *ArchiveError) Unwrap() error { return ErrUnsafeArchive }
