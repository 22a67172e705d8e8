package release

import (
	"context"
	"fmt"
	"strconv"
	"sync"
)

// Memory is a Storage that keeps records in process memory, for tests and
// for commands that must not touch a cluster (`template`, dry runs). It
// stores encoded payloads, as the other drivers do, so callers never share
// state with it, and it enforces the same rules: Create never overwrites,
// Update checks ResourceVersion.
type Memory struct {
	// Namespace is reported in the summaries of the records.
	Namespace string

	mu      sync.Mutex
	records map[memoryKey]memoryRecord
	version int
}

type memoryKey struct {
	name     string
	revision int
}

type memoryRecord struct {
	summary         Summary
	payload         []byte
	resourceVersion string
}

// NewMemory returns an empty in-memory store for releases in namespace.
func NewMemory(namespace string) *Memory {
	return &Memory{Namespace: namespace, records: map[memoryKey]memoryRecord{}}
}

var _ Storage = (*Memory)(nil)

// Create records a new revision; ErrExists if it has a record.
func (m *Memory) Create(_ context.Context, rel *Release) error {
	rec, err := m.encode(rel)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := memoryKey{rel.Name, rel.Revision}
	if _, ok := m.records[key]; ok {
		return fmt.Errorf("create %s: %w", m.describe(key), ErrExists)
	}
	m.store(key, rec, rel)
	return nil
}

// Update replaces the record of a revision if it still has
// rel.ResourceVersion.
func (m *Memory) Update(_ context.Context, rel *Release) error {
	rec, err := m.encode(rel)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := memoryKey{rel.Name, rel.Revision}
	old, ok := m.records[key]
	if !ok {
		return fmt.Errorf("update %s: %w", m.describe(key), ErrNotFound)
	}
	if old.resourceVersion != rel.ResourceVersion {
		return fmt.Errorf("update %s: read at version %q, stored is %q: %w",
			m.describe(key), rel.ResourceVersion, old.resourceVersion, ErrConflict)
	}
	m.store(key, rec, rel)
	return nil
}

// Get reads one revision.
func (m *Memory) Get(_ context.Context, name string, revision int) (*Release, error) {
	m.mu.Lock()
	key := memoryKey{name, revision}
	rec, ok := m.records[key]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("get %s: %w", m.describe(key), ErrNotFound)
	}
	rel, err := decodePayload(rec.payload)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", m.describe(key), err)
	}
	rel.ResourceVersion = rec.resourceVersion
	return rel, nil
}

// History returns every revision of the release, oldest first.
func (m *Memory) History(ctx context.Context, name string) ([]Summary, error) {
	history, err := m.List(ctx, Filter{Name: name})
	if err != nil {
		return nil, err
	}
	if len(history) == 0 {
		return nil, fmt.Errorf("history of release %q: %w", name, ErrNotFound)
	}
	return history, nil
}

// List returns the revisions matching filter.
func (m *Memory) List(_ context.Context, filter Filter) ([]Summary, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Summary{}
	for _, rec := range m.records {
		if filter.Match(rec.summary) {
			out = append(out, rec.summary)
		}
	}
	sortSummaries(out)
	return out, nil
}

// Delete removes one revision.
func (m *Memory) Delete(_ context.Context, name string, revision int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := memoryKey{name, revision}
	if _, ok := m.records[key]; !ok {
		return fmt.Errorf("delete %s: %w", m.describe(key), ErrNotFound)
	}
	delete(m.records, key)
	return nil
}

func (m *Memory) encode(rel *Release) (memoryRecord, error) {
	if err := validateRecord(rel); err != nil {
		return memoryRecord{}, err
	}
	payload, err := encodePayload(rel)
	if err != nil {
		return memoryRecord{}, err
	}
	summary := rel.Summary()
	summary.Namespace = m.Namespace
	summary.Description = truncate(summary.Description, maxDescription)
	// A copy, as the other drivers read it back from metadata.
	summary.Provenance = parseProvenanceAnnotation(provenanceAnnotation(rel.Provenance))
	return memoryRecord{summary: summary, payload: payload}, nil
}

// store saves rec under a new resource version and tells rel about it;
// m.mu is held.
func (m *Memory) store(key memoryKey, rec memoryRecord, rel *Release) {
	m.version++
	rec.resourceVersion = strconv.Itoa(m.version)
	m.records[key] = rec
	rel.ResourceVersion = rec.resourceVersion
}

func (m *Memory) describe(key memoryKey) string {
	return fmt.Sprintf("memory/%s/%s", m.Namespace, RecordName(key.name, key.revision))
}
