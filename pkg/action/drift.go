package action

import (
	"context"
	"fmt"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// DriftResult is how the live objects of a release differ from its
// deployed revision.
type DriftResult struct {
	// Release is the deployed revision compared with.
	Release *release.Release
	// Objects are the objects of the revision in install order, drifted
	// or not.
	Objects []kube.ObjectDrift
}

// Drifted reports whether any object drifted.
func (r *DriftResult) Drifted() bool {
	for _, d := range r.Objects {
		if d.Drifted() {
			return true
		}
	}
	return false
}

// Drift compares the live objects of release name with its deployed
// revision (see kube.Client.Drift). It changes nothing.
func Drift(ctx context.Context, cfg *Configuration, name string) (*DriftResult, error) {
	if err := release.ValidateName(name); err != nil {
		return nil, err
	}
	rel, err := release.Deployed(ctx, cfg.Store, name)
	if err != nil {
		return nil, fmt.Errorf("read deployed revision of release %q: %w", name, err)
	}
	objs, err := parseManifest(fmt.Sprintf("release %q revision %d", name, rel.Revision), rel.Manifest)
	if err != nil {
		return nil, err
	}
	drifts, err := cfg.Kube.Drift(ctx, objs, applyOptions(cfg, name, ApplySettings{}))
	if err != nil {
		return nil, fmt.Errorf("compare release %q revision %d with the cluster: %w", name, rel.Revision, err)
	}
	return &DriftResult{Release: rel, Objects: drifts}, nil
}

// CorrectDrift re-applies the drifted objects of res as the revision has
// them (see kube.Client.Correct), holding the release lock. It records no
// revision: the release's history stays as it is. Only
// settings.Concurrency and settings.LockTimeout apply.
func CorrectDrift(ctx context.Context, cfg *Configuration, res *DriftResult, settings ApplySettings) (*kube.ChangeSet, error) {
	name := res.Release.Name
	var cs *kube.ChangeSet
	err := withLock(ctx, cfg, name, settings.LockTimeout, func(ctx context.Context) error {
		var err error
		cs, err = cfg.Kube.Correct(ctx, res.Objects, applyOptions(cfg, name, ApplySettings{Concurrency: settings.Concurrency}))
		if err != nil {
			return fmt.Errorf("correct drift of release %q: %w", name, err)
		}
		return nil
	})
	return cs, err
}
