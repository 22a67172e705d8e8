package cli

import (
	"context"
	"fmt"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/render"
)

// locateRenderable is loadRenderable keeping where the chart came from,
// for the provenance install and upgrade record.
func (c *chartRefFlags) locateRenderable(ctx context.Context, f *Factory, ref string) (*action.LocatedChart, error) {
	lc, err := c.locate(ctx, f, ref)
	if err != nil {
		return nil, err
	}
	if err := render.CheckDependencies(lc.Chart); err != nil {
		if !c.dependencyUpdate || lc.Kind != action.SourceLocal || lc.Archive != nil {
			return nil, fmt.Errorf("chart %s: %w: run berth dependency build %s, or pass --dependency-update",
				lc.Ref, err, lc.Ref)
		}
		if lc, err = c.updateDependencies(ctx, f, lc); err != nil {
			return nil, err
		}
	}
	return lc, nil
}
