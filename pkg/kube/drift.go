package kube

import (
	"context"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// DriftKind says how a field drifted from the release.
type DriftKind string

// The kinds of field drift.
const (
	// DriftChanged means the field has another value than the release
	// gives it.
	DriftChanged DriftKind = "changed"
	// DriftAdded means another field manager added a field the release
	// does not have.
	DriftAdded DriftKind = "added"
)

// FieldDrift is one field of a live object that differs from the release.
type FieldDrift struct {
	// Kind says how it drifted.
	Kind DriftKind `json:"kind"`
	// Path is the field as a user reads it:
	// spec.template.spec.containers[name=web].env[name=EXTRA].
	Path string `json:"path"`
	// Pointer is the field's JSON pointer in the live object.
	Pointer string `json:"pointer"`
	// Manager is the field manager that owns the live value; "" when
	// none does.
	Manager string `json:"manager,omitempty"`
	// Want is the release's value; absent for added fields.
	Want any `json:"want,omitempty"`
	// Live is the live value; absent when the field is gone.
	Live any `json:"live,omitempty"`
}

// ObjectDrift is how one live object differs from the release. Values of
// Secrets are masked (see MaskSecrets).
type ObjectDrift struct {
	// Ref is the object, namespace defaulted.
	Ref ObjectRef `json:"-"`
	// Missing means the object was deleted out of band.
	Missing bool `json:"missing,omitempty"`
	// Fields are its drifted fields.
	Fields []FieldDrift `json:"fields,omitempty"`

	// obj is the release's object to re-apply, owner stamped.
	obj *unstructured.Unstructured
	// added are the fields other managers added, per manager, for Correct.
	added map[string]*fieldpath.Set
}

// Drifted reports whether the object differs from the release.
func (d ObjectDrift) Drifted() bool { return d.Missing || len(d.Fields) > 0 }

// Drift compares the live objects with objs, the objects of a deployed
// revision, and returns one entry per object in install order. Each object
// is applied with a server-side dry run that forces berth's fields: where
// the result differs from the live object, someone changed a field of the
// release (DriftChanged, with the manager now owning it). Fields that other
// field managers own and the release does not have are DriftAdded, named
// per manager from managedFields. Objects that are gone are Missing.
func (c *Client) Drift(ctx context.Context, objs []*unstructured.Unstructured, opts ApplyOptions) ([]ObjectDrift, error) {
	opts.DryRun, opts.Force, opts.TakeOwnership = true, true, false
	items, err := c.prepareApply(objs, opts)
	if err != nil {
		return nil, err
	}
	var ordered []*applyItem
	for _, wave := range planWaves(items, (*applyItem).waveKey, installStages, installOrder) {
		ordered = append(ordered, wave...)
	}
	drifts := make([]ObjectDrift, len(ordered))
	err = forEach(ctx, indexes(len(ordered)), opts.concurrency(), func(ctx context.Context, i int) error {
		var err error
		drifts[i], err = c.driftOne(ctx, ordered[i], opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	return drifts, nil
}

func (c *Client) driftOne(ctx context.Context, it *applyItem, opts ApplyOptions) (ObjectDrift, error) {
	d := ObjectDrift{Ref: it.ref, obj: it.obj}
	if it.mapping == nil {
		d.Missing = true // its kind is not even served
		return d, nil
	}
	client := c.resource(it.mapping, it.ref.Namespace)
	live, err := client.Get(ctx, it.ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		d.Missing = true
		return d, nil
	case err != nil:
		return d, objectError(it.ref, "read", err)
	}
	desired, err := client.Apply(ctx, it.ref.Name, it.obj, metav1.ApplyOptions{
		FieldManager: FieldManager, Force: true, DryRun: []string{metav1.DryRunAll},
	})
	if err != nil {
		return d, objectError(it.ref, "dry-run apply", err)
	}
	sets, err := managedSets(live)
	if err != nil {
		return d, &ObjectError{Ref: it.ref, Err: err}
	}
	d.Fields = changedFields(live, desired, sets)
	added, fields := addedFields(live, it.obj, sets)
	d.added = added
	d.Fields = append(d.Fields, fields...)
	return d, nil
}

// changedFields compares live with desired, the dry-run result of
// applying the release's object: every difference is a field someone
// changed.
func changedFields(live, desired *unstructured.Unstructured, sets []managerFields) []FieldDrift {
	liveClean, desiredClean := Clean(live), Clean(desired)
	MaskSecrets(desiredClean, liveClean)
	var out []FieldDrift
	for _, ch := range FieldChanges(desiredClean, liveClean) {
		out = append(out, FieldDrift{
			Kind:    DriftChanged,
			Path:    readablePointer(desiredClean.Object, ch.Path),
			Pointer: ch.Path,
			Manager: ownerOfPointer(live.Object, sets, ch.Path),
			Want:    ch.Old,
			Live:    ch.New,
		})
	}
	return out
}

// addedFields returns the fields that managers other than berth own in
// live and that the release's object obj does not have: per manager as
// sets, for Correct, and as drift.
func addedFields(live, obj *unstructured.Unstructured, sets []managerFields) (map[string]*fieldpath.Set, []FieldDrift) {
	ours := ownedBy(sets, FieldManager)
	added := map[string]*fieldpath.Set{}
	var out []FieldDrift
	for _, s := range sets {
		if s.manager == FieldManager {
			continue
		}
		theirs := s.set.Difference(ours)
		for _, p := range topmost(theirs) {
			if _, _, inRelease := lookup(obj.Object, p); inRelease || ignoredAddition(p) {
				continue
			}
			value, pointer, ok := lookup(live.Object, p)
			if !ok {
				continue
			}
			if isSecret(live) && (strings.HasPrefix(pointer, "/data/") || strings.HasPrefix(pointer, "/stringData/")) {
				value = sensitive(strings.Split(pointer, "/")[1], value, false)
			}
			if added[s.manager] == nil {
				added[s.manager] = &fieldpath.Set{}
			}
			added[s.manager] = added[s.manager].Union(withPrefix(theirs, p))
			out = append(out, FieldDrift{Kind: DriftAdded, Path: readablePath(p), Pointer: pointer, Manager: s.manager, Live: value})
		}
	}
	return added, out
}

// ignoredAddition reports whether p, added by another manager, is left
// out of drift: status, finalizers and owner references, which controllers
// maintain, and annotations and labels of the object in the domains
// Kubernetes reserves for its components (kubernetes.io, k8s.io), such as
// deployment.kubernetes.io/revision.
func ignoredAddition(p fieldpath.Path) bool {
	name := func(i int) string {
		if i < len(p) && p[i].FieldName != nil {
			return *p[i].FieldName
		}
		return ""
	}
	switch {
	case name(0) == "status":
		return true
	case name(0) != "metadata":
		return false
	case name(1) == "finalizers", name(1) == "ownerReferences":
		return true
	case name(1) == "annotations", name(1) == "labels":
		domain, _, found := strings.Cut(name(2), "/")
		return found && reservedDomain(domain)
	}
	return false
}

// reservedDomain reports whether a key prefix belongs to Kubernetes.
func reservedDomain(domain string) bool {
	for _, d := range []string{"kubernetes.io", "k8s.io"} {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// withPrefix returns the members of set at or under prefix.
func withPrefix(set *fieldpath.Set, prefix fieldpath.Path) *fieldpath.Set {
	out := &fieldpath.Set{}
	set.Iterate(func(p fieldpath.Path) {
		if len(p) < len(prefix) {
			return
		}
		for i := range prefix {
			if !p[i].Equals(prefix[i]) {
				return
			}
		}
		out.Insert(p)
	})
	return out
}
