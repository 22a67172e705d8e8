package action

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/helmrecord"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/render/values"
)

// importedFromHelm is Imported.From of revisions read from Helm's records.
const importedFromHelm = "helm"

// fromHelm converts one of Helm's revisions into berth's: same revision,
// status, chart metadata, user values, manifest, hooks, notes, timestamps
// and description; the computed values are Helm's (the chart's values with
// the user's coalesced over them). Helm's JSON is kept whole in Imported.
func fromHelm(rec *helmrecord.Record, at time.Time) (*release.Release, error) {
	h := rec.Release
	status := release.Status(h.Info.Status)
	if !status.Valid() {
		return nil, fmt.Errorf("%s: unknown status %q: %w", rec.Object, h.Info.Status, helmrecord.ErrCorrupt)
	}
	md := &chart.Metadata{}
	var chartValues map[string]any
	if err := h.ChartField("metadata", md); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", rec.Object, helmrecord.ErrCorrupt, err)
	}
	if err := h.ChartField("values", &chartValues); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", rec.Object, helmrecord.ErrCorrupt, err)
	}
	var user map[string]any
	if len(h.Config) > 0 {
		if err := json.Unmarshal(h.Config, &user); err != nil {
			return nil, fmt.Errorf("%s: config: %w: %w", rec.Object, helmrecord.ErrCorrupt, err)
		}
	}
	computed, err := values.Coalesce(&chart.Chart{Metadata: md, Values: chartValues}, user)
	if err != nil {
		return nil, fmt.Errorf("%s: compute values: %w", rec.Object, err)
	}
	original, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("%s: keep Helm's record: %w", rec.Object, err)
	}
	if err := release.ValidateLabels(h.Labels); err != nil {
		return nil, fmt.Errorf("%s: %w", rec.Object, err)
	}
	return &release.Release{
		Name: h.Name, Namespace: rec.Namespace, Revision: h.Version, Status: status,
		Description: h.Info.Description, Chart: md, Values: user, Config: computed,
		Manifest: h.Manifest, Hooks: hooksFromHelm(h.Hooks), Notes: h.Info.Notes,
		FirstDeployed: h.Info.FirstDeployed, LastDeployed: h.Info.LastDeployed, Deleted: h.Info.Deleted,
		Labels:   h.Labels,
		Imported: &release.Imported{From: importedFromHelm, Record: rec.Object, At: at, Original: original},
	}, nil
}

func hooksFromHelm(hooks []*helmrecord.Hook) []*release.Hook {
	out := make([]*release.Hook, 0, len(hooks))
	for _, h := range hooks {
		b := &release.Hook{
			Name: h.Name, Kind: h.Kind, Path: h.Path, Manifest: h.Manifest, Weight: h.Weight,
			LastRun: release.HookExecution{
				StartedAt: h.LastRun.StartedAt, CompletedAt: h.LastRun.CompletedAt, Phase: release.HookPhase(h.LastRun.Phase),
			},
		}
		for _, e := range h.Events {
			b.Events = append(b.Events, release.HookEvent(e))
		}
		for _, p := range h.DeletePolicies {
			b.DeletePolicies = append(b.DeletePolicies, release.HookDeletePolicy(p))
		}
		out = append(out, b)
	}
	return out
}

// toHelm converts a berth revision into one Helm reads. A revision
// imported from Helm starts from Helm's JSON as it was, so that the fields
// berth does not know survive; berth's own revisions carry the chart's
// metadata and computed values (what helm upgrade --reuse-values reads).
// Every revision is marked applied with server-side apply, as export
// leaves the objects' fields owned by helm's Apply entry.
func toHelm(rel *release.Release) (*helmrecord.Release, error) {
	h := &helmrecord.Release{}
	if rel.Imported != nil && rel.Imported.From == importedFromHelm && len(rel.Imported.Original) > 0 {
		if err := json.Unmarshal(rel.Imported.Original, h); err != nil {
			return nil, fmt.Errorf("release %q revision %d: read the Helm record it was imported from: %w", rel.Name, rel.Revision, err)
		}
	} else {
		chartJSON, err := json.Marshal(map[string]any{"metadata": rel.Chart, "values": rel.Config})
		if err != nil {
			return nil, fmt.Errorf("release %q revision %d: encode chart: %w", rel.Name, rel.Revision, err)
		}
		h.Chart = chartJSON
		if h.Config, err = json.Marshal(rel.Values); err != nil {
			return nil, fmt.Errorf("release %q revision %d: encode values: %w", rel.Name, rel.Revision, err)
		}
		h.Hooks = hooksToHelm(rel.Hooks)
	}
	h.Name, h.Namespace, h.Version = rel.Name, rel.Namespace, rel.Revision
	h.Info.Status, h.Info.Description, h.Info.Notes = string(rel.Status), rel.Description, rel.Notes
	h.Info.FirstDeployed, h.Info.LastDeployed, h.Info.Deleted = rel.FirstDeployed, rel.LastDeployed, rel.Deleted
	h.Manifest = rel.Manifest
	h.Labels = rel.Labels
	h.ApplyMethod = helmrecord.ApplyMethodServerSide
	return h, nil
}

func hooksToHelm(hooks []*release.Hook) []*helmrecord.Hook {
	out := make([]*helmrecord.Hook, 0, len(hooks))
	for _, b := range hooks {
		h := &helmrecord.Hook{
			Name: b.Name, Kind: b.Kind, Path: b.Path, Manifest: b.Manifest, Weight: b.Weight,
			LastRun: helmrecord.HookExecution{StartedAt: b.LastRun.StartedAt, CompletedAt: b.LastRun.CompletedAt, Phase: string(b.LastRun.Phase)},
		}
		for _, e := range b.Events {
			h.Events = append(h.Events, string(e))
		}
		for _, p := range b.DeletePolicies {
			h.DeletePolicies = append(h.DeletePolicies, string(p))
		}
		out = append(out, h)
	}
	return out
}
