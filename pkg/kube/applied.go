package kube

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Skipping applies that change nothing.
//
// Server-side apply is idempotent: applying again the configuration that
// produced an object changes nothing as long as every field berth set
// still holds berth's value. The API server keeps that true of berth's
// managed-fields entry: a write by any other manager that changes, adds or
// removes a field berth owns takes the field out of berth's entry (see
// structured-merge-diff's Updater), and berth's own entry changes (fields
// or time) only when berth's apply changes the object. So when
//
//   - the configuration is byte for byte the one berth last applied, and
//   - berth's entry (API version, fields, time) is the one that apply left,
//
// the apply would be a no-op, and Apply reports the object unchanged
// without sending it. Both are folded into one digest per object, which the caller records after a successful apply and
// hands back as ApplyOptions.Applied next time. The caller must hand back
// only digests of a revision whose every apply was recorded: when an
// operation failed or was killed after the last recorded one, berth's own
// unrecorded apply may have changed values without changing its entry's
// fields within the same second, and the digests must not be used.

// appliedDigest identifies what one apply left: the configuration berth
// sent and berth's managed-fields entry on the object afterwards. It is ""
// when the object has no such entry.
func appliedDigest(config []byte, fields []metav1.ManagedFieldsEntry) string {
	entry := berthEntry(fields)
	if entry == nil {
		return ""
	}
	h := sha256.New()
	sum := sha256.Sum256(config)
	h.Write(sum[:])
	h.Write([]byte("\x00" + entry.APIVersion + "\x00"))
	if entry.Time != nil {
		h.Write([]byte(entry.Time.UTC().Format("2006-01-02T15:04:05Z")))
	}
	h.Write([]byte{0})
	h.Write(canonicalFields(entry.FieldsV1))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// berthEntry returns berth's apply entry of the main resource, nil if none.
func berthEntry(fields []metav1.ManagedFieldsEntry) *metav1.ManagedFieldsEntry {
	for i := range fields {
		e := &fields[i]
		if e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
			return e
		}
	}
	return nil
}

// canonicalFields returns f's JSON with its keys sorted, so that a GET, a
// LIST and an apply response give the same bytes for the same fields.
func canonicalFields(f *metav1.FieldsV1) []byte {
	if f == nil {
		return nil
	}
	raw := f.GetRawBytes()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

// AppliedKey is the key of an object in ApplyOptions.Applied and in
// ChangeSetEntry.Applied's record: group, kind, namespace and name (the
// version is part of the configuration digest).
func AppliedKey(ref ObjectRef) string {
	return ref.Group + "/" + ref.Kind + "/" + ref.Namespace + "/" + ref.Name
}
