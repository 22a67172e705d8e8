package release

import (
	"time"

	"github.com/berth-sh/berth/pkg/chart"
)

// Release is one revision of a named deployment of a chart in a namespace:
// what was asked for (chart, values), what was rendered (manifest, hooks,
// notes) and how it went (status, timestamps, description). Each revision is
// stored as its own record; the highest revision is the current state.
type Release struct {
	// Name is the release name, unique per namespace.
	Name string `json:"name"`
	// Namespace is where the release's resources and records live.
	Namespace string `json:"namespace"`
	// Revision counts from 1 and grows by one with every install, upgrade
	// and rollback of the release.
	Revision int `json:"revision"`
	// Status is where the revision stands in its life cycle.
	Status Status `json:"status"`
	// Description is a human summary of the last change ("Install complete").
	Description string `json:"description,omitempty"`
	// Chart is the metadata of the chart that was deployed.
	Chart *chart.Metadata `json:"chart,omitempty"`
	// Values are the values supplied by the user (files and --set flags),
	// not merged with the chart's defaults.
	Values map[string]any `json:"values,omitempty"`
	// Config are the computed values the templates were rendered with: the
	// chart's defaults, the subcharts' and the user's values merged.
	Config map[string]any `json:"config,omitempty"`
	// Manifest is the rendered YAML of every resource of the release except
	// hooks, documents separated by "---".
	Manifest string `json:"manifest,omitempty"`
	// Hooks are the rendered hook resources of the release.
	Hooks []*Hook `json:"hooks,omitempty"`
	// Notes is the rendered NOTES.txt.
	Notes string `json:"notes,omitempty"`
	// FirstDeployed is when revision 1 was installed.
	FirstDeployed time.Time `json:"firstDeployed,omitzero"`
	// LastDeployed is when this revision was deployed (or last changed
	// status); history shows it as "updated".
	LastDeployed time.Time `json:"lastDeployed,omitzero"`
	// Deleted is when the release was uninstalled, zero otherwise.
	Deleted time.Time `json:"deleted,omitzero"`
	// Labels are the user's labels of the revision (--labels), also set on
	// its record so that list can select releases by them.
	Labels map[string]string `json:"labels,omitempty"`
	// Applied holds, for each object the revision applied, a digest of the
	// configuration berth sent and of the managed fields the apply left
	// (kube.ChangeSet.AppliedDigests): the next upgrade or rollback does
	// not send the objects that still match it. Set when the revision is
	// deployed; older records have none, and then everything is applied.
	Applied map[string]string `json:"applied,omitempty"`
	// Imported is set on revisions another tool recorded (berth import
	// helm): where they came from, when, and the original record.
	Imported *Imported `json:"imported,omitempty"`
	// Provenance says where the revision came from: chart reference and
	// digest, values digest, source revision, CI run, actor and, for a
	// promotion, its source. Older revisions have none.
	Provenance *Provenance `json:"provenance,omitempty"`
	// Tests are the latest runs of the revision's tests (berth test),
	// oldest first, at most MaxTestRecords.
	Tests []TestRecord `json:"tests,omitempty"`

	// ResourceVersion is the storage driver's version of the record this
	// release was read from (or last written to). Update succeeds only if
	// the stored record still has it, so that two writers never overwrite
	// each other silently. It is not part of the stored payload.
	ResourceVersion string `json:"-"`
}

// ChartName returns the name of the deployed chart, "" when unknown.
func (r *Release) ChartName() string {
	if r.Chart == nil {
		return ""
	}
	return r.Chart.Name
}

// ChartVersion returns the version of the deployed chart, "" when unknown.
func (r *Release) ChartVersion() string {
	if r.Chart == nil {
		return ""
	}
	return r.Chart.Version
}

// AppVersion returns the appVersion of the deployed chart, "" when unknown.
func (r *Release) AppVersion() string {
	if r.Chart == nil {
		return ""
	}
	return r.Chart.AppVersion
}

// Summary returns the row that list and history show for the release.
func (r *Release) Summary() Summary {
	return Summary{
		Name:         r.Name,
		Namespace:    r.Namespace,
		Revision:     r.Revision,
		Status:       r.Status,
		ChartName:    r.ChartName(),
		ChartVersion: r.ChartVersion(),
		AppVersion:   r.AppVersion(),
		Updated:      r.LastDeployed,
		Description:  r.Description,
		Labels:       r.Labels,
		Provenance:   r.Provenance,

		ProvenanceLabels: pickProvenanceLabels(r.Provenance.Labels()),
	}
}

// Summary is one row of `release list` and `release history`: what can be
// known about a revision from its record's labels and annotations, without
// reading and decoding its payload.
type Summary struct {
	Name         string    `json:"name"`
	Namespace    string    `json:"namespace"`
	Revision     int       `json:"revision"`
	Status       Status    `json:"status"`
	ChartName    string    `json:"chartName,omitempty"`
	ChartVersion string    `json:"chartVersion,omitempty"`
	AppVersion   string    `json:"appVersion,omitempty"`
	Updated      time.Time `json:"updated,omitzero"`
	// Description may be truncated by drivers that keep it in metadata.
	Description string `json:"description,omitempty"`
	// Labels are the user's labels of the revision.
	Labels map[string]string `json:"labels,omitempty"`
	// Provenance is the revision's provenance, read from its record's
	// metadata; nil when it has none.
	Provenance *Provenance `json:"provenance,omitempty"`
	// ProvenanceLabels are the record's provenance labels
	// (LabelChartDigest, ...): berth's, not the user's, but selectable.
	ProvenanceLabels map[string]string `json:"-"`
}

// Chart returns the chart as Helm shows it in list and history:
// "name-version".
func (s Summary) Chart() string {
	if s.ChartName == "" {
		return ""
	}
	return s.ChartName + "-" + s.ChartVersion
}
