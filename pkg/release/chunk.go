package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// errChunksChanged means the chunks of a record were missing or did not
// match its digest: a concurrent Update replaced them, reading the record
// again gives the new ones.
var errChunksChanged = errors.New("chunks changed while reading")

// writeChunks stores payload in chunk records named after head and digest.
// Chunks left by an interrupted write of the same payload are replaced.
func (s *KubeStore) writeChunks(ctx context.Context, rel *Release, head, digest string, payload []byte) error {
	for i := 0; len(payload) > 0; i++ {
		part := payload[:min(s.chunkSize, len(payload))]
		payload = payload[len(part):]
		rec := &record{
			meta: metav1.ObjectMeta{
				Name:      chunkName(head, digest, i),
				Namespace: s.namespace,
				Labels: map[string]string{
					LabelOwner:   OwnerBerth,
					LabelName:    rel.Name,
					LabelVersion: strconv.Itoa(rel.Revision),
					LabelChunk:   strconv.Itoa(i),
					LabelDigest:  digest[:shortDigest],
				},
			},
			payload: part,
		}
		if err := s.putChunk(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}

// putChunk creates a chunk record, or replaces one of the same name.
func (s *KubeStore) putChunk(ctx context.Context, rec *record) error {
	_, err := s.createObject(ctx, rec)
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("write chunk %s: namespace %q not found: %w", s.describe(rec.meta.Name), s.namespace, err)
	}
	if !apierrors.IsAlreadyExists(err) {
		if err != nil {
			return s.apiError("write chunk", rec.meta.Name, err)
		}
		return nil
	}
	existing, err := s.objects.get(ctx, rec.meta.Name)
	if err != nil {
		return s.apiError("replace chunk", rec.meta.Name, err)
	}
	rec.meta.ResourceVersion = existing.meta.ResourceVersion
	if _, err := s.updateObject(ctx, rec); err != nil {
		return s.apiError("replace chunk", rec.meta.Name, err)
	}
	return nil
}

// payloadOf returns the payload of a record, joined from its chunks if it
// has some, and verified against its digest.
func (s *KubeStore) payloadOf(ctx context.Context, rec *record) ([]byte, error) {
	digest, chunks := chunkInfo(rec.meta.Annotations)
	if chunks == 0 {
		if digest != "" && digestOf(rec.payload) != digest {
			return nil, fmt.Errorf("payload does not match digest sha256:%s: %w", digest, ErrCorrupt)
		}
		return rec.payload, nil
	}
	if len(digest) < shortDigest {
		return nil, fmt.Errorf("annotation %s=%q: %w", AnnotationDigest, rec.meta.Annotations[AnnotationDigest], ErrCorrupt)
	}
	var buf bytes.Buffer
	for i := range chunks {
		name := chunkName(rec.meta.Name, digest, i)
		part, err := s.objects.get(ctx, name)
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("chunk %s is missing: %w", s.describe(name), errChunksChanged)
		}
		if err != nil {
			return nil, s.apiError("read chunk", name, err)
		}
		buf.Write(part.payload)
	}
	if digestOf(buf.Bytes()) != digest {
		return nil, fmt.Errorf("%d chunks do not match digest sha256:%s: %w", chunks, digest, errChunksChanged)
	}
	return buf.Bytes(), nil
}

// deleteChunks deletes the chunks of a revision whose payload has digest,
// or all of them when digest is "".
func (s *KubeStore) deleteChunks(ctx context.Context, name string, revision int, digest string) error {
	set := labels.Set{LabelName: name, LabelVersion: strconv.Itoa(revision)}
	if digest != "" {
		set[LabelDigest] = digest[:shortDigest]
	}
	sel, err := selector(true, set)
	if err != nil {
		return err
	}
	items, err := s.listMeta(ctx, sel)
	if err != nil {
		return err
	}
	var errs []error
	for _, item := range items {
		err := s.objects.delete(ctx, item.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, s.apiError("delete chunk", item.Name, err))
		}
	}
	return errors.Join(errs...)
}

// dropUnusedChunks deletes the chunks a failed write left for digest,
// unless the record now points to them (a concurrent writer stored the
// same payload). Errors are ignored: GarbageCollect removes what is left.
func (s *KubeStore) dropUnusedChunks(ctx context.Context, name string, revision int, digest string) {
	current, err := s.objects.get(ctx, RecordName(name, revision))
	if err == nil {
		if d, _ := chunkInfo(current.meta.Annotations); d == digest {
			return
		}
	}
	_ = s.deleteChunks(ctx, name, revision, digest)
}

// GarbageCollect deletes the chunk records no record points to: those left
// by a write or delete that stopped half way. name limits it to one
// release, "" does the whole namespace. Chunks younger than the grace
// period (WithGCGrace) are kept, as a write may be about to commit them.
// It returns the names of the deleted chunks, sorted.
func (s *KubeStore) GarbageCollect(ctx context.Context, name string) ([]string, error) {
	orphans, err := s.orphanChunks(ctx, name)
	if err != nil {
		return nil, err
	}
	var deleted []string
	var errs []error
	for _, c := range orphans {
		if s.clock.Since(c.CreationTimestamp.Time) < s.gcGrace {
			continue
		}
		err := s.objects.delete(ctx, c.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, s.apiError("delete orphan chunk", c.Name, err))
			continue
		}
		deleted = append(deleted, c.Name)
	}
	slices.Sort(deleted)
	return deleted, errors.Join(errs...)
}

// orphanChunks lists the chunks of release name ("" for all) that no
// record points to.
func (s *KubeStore) orphanChunks(ctx context.Context, name string) ([]metav1.PartialObjectMetadata, error) {
	set := labels.Set{}
	if name != "" {
		set[LabelName] = name
	}
	chunkSel, err := selector(true, set)
	if err != nil {
		return nil, err
	}
	headSel, err := selector(false, set)
	if err != nil {
		return nil, err
	}
	// Chunks first: a record committed after this list then points to
	// chunks already listed, never to ones we would think orphaned.
	chunks, err := s.listMeta(ctx, chunkSel)
	if err != nil {
		return nil, err
	}
	heads, err := s.listMeta(ctx, headSel)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, h := range heads {
		if digest, n := chunkInfo(h.Annotations); n > 0 && len(digest) >= shortDigest {
			used[revisionKey(h.Labels)+"/"+digest[:shortDigest]] = true
		}
	}
	var orphans []metav1.PartialObjectMetadata
	for _, c := range chunks {
		if !used[revisionKey(c.Labels)+"/"+c.Labels[LabelDigest]] {
			orphans = append(orphans, c)
		}
	}
	return orphans, nil
}

func revisionKey(l map[string]string) string {
	return l[LabelName] + "/" + l[LabelVersion]
}
