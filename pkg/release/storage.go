package release

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// Sentinel errors of the storage drivers, checked with errors.Is. Drivers
// wrap them with the object and the operation at fault.
var (
	// ErrNotFound means the release, or the revision asked for, has no
	// record.
	ErrNotFound = errors.New("release not found")
	// ErrExists means Create found a record for the revision already: a
	// revision is written once and never overwritten by Create.
	ErrExists = errors.New("release revision already exists")
	// ErrConflict means Update lost a race: the record changed since it
	// was read.
	ErrConflict = errors.New("release revision was changed by someone else")
	// ErrCorrupt means a record cannot be read back: its payload does not
	// match its digest, a chunk is missing or the payload does not decode.
	ErrCorrupt = errors.New("release record is corrupt")
)

// Storage keeps the revisions of releases, one record per revision. All
// drivers behave the same: Create never overwrites, Update is conditional on
// the release's ResourceVersion, and History and List read only metadata.
type Storage interface {
	// Create records a new revision. It fails with ErrExists if the
	// revision has a record already. On success rel.ResourceVersion is set.
	Create(ctx context.Context, rel *Release) error
	// Update replaces the record of an existing revision, provided it still
	// has rel.ResourceVersion (ErrConflict otherwise; ErrNotFound if it is
	// gone). On success rel.ResourceVersion is the new version.
	Update(ctx context.Context, rel *Release) error
	// Get reads one revision in full.
	Get(ctx context.Context, name string, revision int) (*Release, error)
	// History returns the summaries of every revision of the release,
	// oldest first; ErrNotFound if it has none.
	History(ctx context.Context, name string) ([]Summary, error)
	// List returns the summaries of every revision matching filter, sorted
	// by namespace, name and revision.
	List(ctx context.Context, filter Filter) ([]Summary, error)
	// Delete removes the record of one revision (and anything stored for
	// it); ErrNotFound if there is none.
	Delete(ctx context.Context, name string, revision int) error
}

// Filter selects the revisions List returns. The zero Filter selects all.
type Filter struct {
	// Name selects one release by exact name; "" selects all.
	Name string
	// Statuses selects revisions with any of these statuses; empty selects
	// all.
	Statuses []Status
	// ExcludeStatuses leaves out the revisions with any of these statuses;
	// the Secret and ConfigMap stores leave them out in the API server's
	// label selection, so they are never sent. list leaves out superseded
	// revisions, which are never a release's last one: in a namespace of
	// many releases with long histories, most records.
	ExcludeStatuses []Status
}

// Match reports whether the summary is selected by the filter.
func (f Filter) Match(s Summary) bool {
	if f.Name != "" && s.Name != f.Name {
		return false
	}
	if slices.Contains(f.ExcludeStatuses, s.Status) {
		return false
	}
	return len(f.Statuses) == 0 || slices.Contains(f.Statuses, s.Status)
}

// Latest keeps the highest revision of each release (per namespace and
// name), sorted by namespace and name: what `list` shows.
func Latest(summaries []Summary) []Summary {
	sorted := slices.Clone(summaries)
	sortSummaries(sorted)
	var out []Summary
	for i, s := range sorted {
		if i+1 < len(sorted) && sorted[i+1].Namespace == s.Namespace && sorted[i+1].Name == s.Name {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Last reads the highest revision of the release, whatever its status.
func Last(ctx context.Context, store Storage, name string) (*Release, error) {
	history, err := store.History(ctx, name)
	if err != nil {
		return nil, err
	}
	return store.Get(ctx, name, history[len(history)-1].Revision)
}

// Deployed reads the highest revision of the release whose status is
// deployed. It fails with ErrNotFound if no revision is deployed.
func Deployed(ctx context.Context, store Storage, name string) (*Release, error) {
	history, err := store.History(ctx, name)
	if err != nil {
		return nil, err
	}
	deployed, ok := lastDeployed(history)
	if !ok {
		return nil, fmt.Errorf("release %q has no deployed revision: %w", name, ErrNotFound)
	}
	return store.Get(ctx, name, deployed.Revision)
}

// lastDeployed returns the highest deployed revision of an ascending
// history.
func lastDeployed(history []Summary) (Summary, bool) {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Status == StatusDeployed {
			return history[i], true
		}
	}
	return Summary{}, false
}

func sortSummaries(s []Summary) {
	slices.SortFunc(s, func(a, b Summary) int {
		return cmp.Or(
			cmp.Compare(a.Namespace, b.Namespace),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Revision, b.Revision),
		)
	})
}

// MaxNameLength is the longest release name, as Helm allows: names appear
// in labels (63 characters) and object names with prefixes and suffixes.
const MaxNameLength = 53

// validName is a DNS-1123 label: what Helm accepts as a release name.
var validName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ValidateName checks that name can name a release.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("release name is empty")
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("release name %q is longer than %d characters", name, MaxNameLength)
	}
	if !validName.MatchString(name) {
		return fmt.Errorf("release name %q is invalid: use lowercase letters, digits and '-', starting and ending with a letter or digit", name)
	}
	return nil
}

// validateRecord checks what every driver needs to store a release.
func validateRecord(rel *Release) error {
	if rel == nil {
		return errors.New("release is nil")
	}
	if err := ValidateName(rel.Name); err != nil {
		return err
	}
	if rel.Revision < 1 {
		return fmt.Errorf("release %q: revision %d is not positive", rel.Name, rel.Revision)
	}
	if !rel.Status.Valid() {
		return fmt.Errorf("release %q revision %d: unknown status %q", rel.Name, rel.Revision, rel.Status)
	}
	if err := ValidateLabels(rel.Labels); err != nil {
		return fmt.Errorf("release %q revision %d: %w", rel.Name, rel.Revision, err)
	}
	return nil
}
