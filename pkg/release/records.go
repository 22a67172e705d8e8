package release

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Create records a new revision. A large payload's chunks are written
// first; the record that points to them is created last, and fails with
// ErrExists (never overwriting) if the revision has a record already.
func (s *KubeStore) Create(ctx context.Context, rel *Release) error {
	if err := validateRecord(rel); err != nil {
		return err
	}
	payload, err := encodePayload(rel)
	if err != nil {
		return err
	}
	head := RecordName(rel.Name, rel.Revision)
	digest := digestOf(payload)
	inline, chunks := s.split(payload)
	if chunks > 0 {
		// Fail before writing megabytes for a revision that exists.
		if _, err := s.objects.get(ctx, head); err == nil {
			return fmt.Errorf("create %s: %w", s.describe(head), ErrExists)
		}
		if err := s.writeChunks(ctx, rel, head, digest, payload); err != nil {
			return err
		}
	}
	rec := &record{
		meta: metav1.ObjectMeta{
			Name:        head,
			Namespace:   s.namespace,
			Labels:      recordLabels(rel),
			Annotations: recordAnnotations(rel, digest, chunks),
		},
		payload: inline,
	}
	created, err := s.createObject(ctx, rec)
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("create %s: namespace %q not found: %w", s.describe(head), s.namespace, err)
	}
	if err != nil {
		err = s.apiError("create", head, err)
		if chunks > 0 && errors.Is(err, ErrExists) {
			s.dropUnusedChunks(ctx, rel.Name, rel.Revision, digest)
		}
		return err
	}
	rel.ResourceVersion = created.meta.ResourceVersion
	return nil
}

// Update replaces the record of a revision if it still has
// rel.ResourceVersion. New chunks are written under the new payload's
// digest before the record switches to them; the old ones are deleted
// after.
func (s *KubeStore) Update(ctx context.Context, rel *Release) error {
	if err := validateRecord(rel); err != nil {
		return err
	}
	head := RecordName(rel.Name, rel.Revision)
	if rel.ResourceVersion == "" {
		return fmt.Errorf("update %s: release was not read from storage (no resource version): %w", s.describe(head), ErrConflict)
	}
	old, err := s.objects.get(ctx, head)
	if err != nil {
		return s.apiError("update", head, err)
	}
	if old.meta.ResourceVersion != rel.ResourceVersion {
		return fmt.Errorf("update %s: read at version %s, stored is %s: %w",
			s.describe(head), rel.ResourceVersion, old.meta.ResourceVersion, ErrConflict)
	}
	return s.replace(ctx, rel, old)
}

// replace writes rel over old, the record as just read: new chunks first,
// then the record (conditional on old's resourceVersion), then the old
// chunks go.
func (s *KubeStore) replace(ctx context.Context, rel *Release, old *record) error {
	payload, err := encodePayload(rel)
	if err != nil {
		return err
	}
	head := old.meta.Name
	digest := digestOf(payload)
	oldDigest, oldChunks := chunkInfo(old.meta.Annotations)
	inline, chunks := s.split(payload)
	if chunks > 0 && (digest != oldDigest || chunks != oldChunks) {
		if err := s.writeChunks(ctx, rel, head, digest, payload); err != nil {
			return err
		}
	}
	rec := &record{meta: old.meta, payload: inline}
	rec.meta.Labels = recordLabels(rel)
	rec.meta.Annotations = recordAnnotations(rel, digest, chunks)
	updated, err := s.updateObject(ctx, rec)
	if err != nil {
		if chunks > 0 && digest != oldDigest {
			s.dropUnusedChunks(ctx, rel.Name, rel.Revision, digest)
		}
		return s.apiError("update", head, err)
	}
	rel.ResourceVersion = updated.meta.ResourceVersion
	if oldChunks > 0 && oldDigest != digest {
		// Readers that read the old record retry when its chunks vanish.
		if err := s.deleteChunks(ctx, rel.Name, rel.Revision, oldDigest); err != nil {
			return fmt.Errorf("update %s: record updated, old chunks left for garbage collection: %w", s.describe(head), err)
		}
	}
	return nil
}

// readAttempts bounds how often Get reads a record again because a
// concurrent Update replaced its chunks.
const readAttempts = 5

// Get reads one revision in full, joining and verifying its chunks.
func (s *KubeStore) Get(ctx context.Context, name string, revision int) (*Release, error) {
	head := RecordName(name, revision)
	var lastErr error
	// A concurrent Update may replace the chunks of the record just read:
	// read the record again to get the new ones.
	for range readAttempts {
		rec, err := s.objects.get(ctx, head)
		if err != nil {
			return nil, s.apiError("get", head, err)
		}
		payload, err := s.payloadOf(ctx, rec)
		if errors.Is(err, errChunksChanged) {
			lastErr = err
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", s.describe(head), err)
		}
		rel, err := decodePayload(payload)
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", s.describe(head), err)
		}
		if rel.Name != name || rel.Revision != revision {
			return nil, fmt.Errorf("get %s: holds release %q revision %d: %w", s.describe(head), rel.Name, rel.Revision, ErrCorrupt)
		}
		rel.ResourceVersion = rec.meta.ResourceVersion
		return rel, nil
	}
	return nil, fmt.Errorf("get %s: %w: %w", s.describe(head), ErrCorrupt, lastErr)
}

// Delete removes the record of a revision, then its chunks. If it stops
// between the two, GarbageCollect removes the chunks left.
func (s *KubeStore) Delete(ctx context.Context, name string, revision int) error {
	head := RecordName(name, revision)
	if err := s.objects.delete(ctx, head, metav1.DeleteOptions{}); err != nil {
		return s.apiError("delete", head, err)
	}
	if err := s.deleteChunks(ctx, name, revision, ""); err != nil {
		return fmt.Errorf("delete %s: record deleted, chunks left for garbage collection: %w", s.describe(head), err)
	}
	return nil
}

// History returns every revision of the release, oldest first, from the
// records' metadata.
func (s *KubeStore) History(ctx context.Context, name string) ([]Summary, error) {
	history, err := s.List(ctx, Filter{Name: name})
	if err != nil {
		return nil, err
	}
	if len(history) == 0 {
		return nil, fmt.Errorf("history of release %q in namespace %q: %w", name, s.namespace, ErrNotFound)
	}
	return history, nil
}

// List returns the revisions matching filter, from the records' metadata
// (a metadata-only LIST: payloads are neither sent nor decoded).
func (s *KubeStore) List(ctx context.Context, filter Filter) ([]Summary, error) {
	set := labels.Set{}
	if filter.Name != "" {
		if ValidateName(filter.Name) != nil {
			return []Summary{}, nil // no record can have an invalid name
		}
		set[LabelName] = filter.Name
	}
	sel, err := selector(false, set)
	if err != nil {
		return nil, err
	}
	if len(filter.ExcludeStatuses) > 0 {
		values := make([]string, len(filter.ExcludeStatuses))
		for i, st := range filter.ExcludeStatuses {
			values[i] = string(st)
		}
		req, err := labels.NewRequirement(LabelStatus, selection.NotIn, values)
		if err != nil {
			return nil, fmt.Errorf("select records: %w", err)
		}
		sel = sel.Add(*req)
	}
	items, err := s.listMeta(ctx, sel)
	if err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, item := range items {
		sum, err := summaryOf(item.Namespace, item.Labels, item.Annotations)
		if err != nil {
			return nil, fmt.Errorf("read %s/%s/%s: %w", s.objects.kind(), item.Namespace, item.Name, err)
		}
		if filter.Match(sum) {
			out = append(out, sum)
		}
	}
	sortSummaries(out)
	return out, nil
}

// split decides where a payload goes: in the record itself (chunks 0) or in
// chunk records (inline nil).
func (s *KubeStore) split(payload []byte) (inline []byte, chunks int) {
	if len(payload) <= s.chunkSize {
		return payload, 0
	}
	return nil, (len(payload) + s.chunkSize - 1) / s.chunkSize
}

// chunkInfo reads a record's digest (hex, without "sha256:") and chunk count.
func chunkInfo(annotations map[string]string) (digest string, chunks int) {
	digest = annotations[AnnotationDigest]
	if len(digest) > len("sha256:") {
		digest = digest[len("sha256:"):]
	}
	chunks, _ = strconv.Atoi(annotations[AnnotationChunks])
	return digest, chunks
}
