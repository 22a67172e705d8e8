package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-sh/berth/pkg/helmrecord"
	"github.com/berth-sh/berth/pkg/release"
)

// ErrManagedByHelm means a release exists only in Helm's records.
var ErrManagedByHelm = errors.New("managed by Helm")

// refuseHelmRelease fails when berth has no record of release name but Helm
// has, so that install and upgrade never start a second release beside
// Helm's. Without a cluster (a client dry run) it checks nothing.
func refuseHelmRelease(ctx context.Context, cfg *Configuration, name string) error {
	if cfg.Kube == nil || cfg.Store == nil {
		return nil
	}
	if _, err := cfg.Store.History(ctx, name); !errors.Is(err, release.ErrNotFound) {
		return nil // berth's release, or an error the action reports
	}
	helm, err := helmrecord.Exists(ctx, cfg.Kube.Metadata(), cfg.Namespace, name)
	if err != nil || !helm {
		return nil //nolint:nilerr // unreadable Helm records do not stop berth's own releases
	}
	return fmt.Errorf("release %s is %w; run `berth import helm %s`", name, ErrManagedByHelm, name)
}
