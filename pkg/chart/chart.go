package chart

import "time"

// API versions of Chart.yaml.
const (
	// APIVersionV1 is Helm 2's chart format: dependencies in requirements.yaml.
	APIVersionV1 = "v1"
	// APIVersionV2 is Helm 3's chart format: dependencies in Chart.yaml.
	APIVersionV2 = "v2"
)

// Chart types of Chart.yaml.
const (
	TypeApplication = "application"
	TypeLibrary     = "library"
)

// Chart is a loaded chart: its metadata, templates, values, other files and
// its dependencies (subcharts), which are charts themselves.
type Chart struct {
	// Metadata is the content of Chart.yaml (plus requirements.yaml for v1).
	Metadata *Metadata
	// Lock is Chart.lock (requirements.lock for v1), nil when absent.
	Lock *Lock
	// Templates are the files under templates/, names relative to the chart
	// root ("templates/deployment.yaml").
	Templates []*File
	// Values are the parsed values.yaml; never nil after loading.
	Values map[string]any
	// RawValues is values.yaml as written, for `show values`.
	RawValues []byte
	// Schema is values.schema.json, nil when absent.
	Schema []byte
	// Files are every other file of the chart not ignored by .helmignore
	// (README, crds/, NOTES are templates), names relative to the root.
	Files []*File
	// Raw holds every file as loaded, for packaging.
	Raw []*File

	parent       *Chart
	dependencies []*Chart
}

// File is one file of a chart.
type File struct {
	// Name is the path relative to the chart root, with forward slashes.
	Name string
	Data []byte
	// ModTime is when the file was last modified (zero in archives packed by
	// berth, which are reproducible).
	ModTime time.Time
}

// Name returns the chart's name from its metadata.
func (c *Chart) Name() string {
	if c.Metadata == nil {
		return ""
	}
	return c.Metadata.Name
}

// Parent returns the chart this one is a dependency of, nil for the root.
func (c *Chart) Parent() *Chart { return c.parent }

// IsRoot reports whether the chart is the top of its dependency tree.
func (c *Chart) IsRoot() bool { return c.parent == nil }

// Root returns the top of the dependency tree.
func (c *Chart) Root() *Chart {
	for c.parent != nil {
		c = c.parent
	}
	return c
}

// Dependencies returns the loaded subcharts.
func (c *Chart) Dependencies() []*Chart { return c.dependencies }

// SetDependencies replaces the subcharts and makes c their parent.
func (c *Chart) SetDependencies(deps ...*Chart) {
	c.dependencies = nil
	c.AddDependency(deps...)
}

// AddDependency adds subcharts and makes c their parent.
func (c *Chart) AddDependency(deps ...*Chart) {
	for _, d := range deps {
		d.parent = c
		c.dependencies = append(c.dependencies, d)
	}
}

// ChartPath returns the dotted path of the chart in its tree, as Helm names
// template paths: "parent.charts.child".
func (c *Chart) ChartPath() string {
	if c.parent == nil {
		return c.Name()
	}
	return c.parent.ChartPath() + "." + c.Name()
}

// ChartFullPath returns the slash path of the chart in its tree, as Helm
// prefixes template names: "parent/charts/child".
func (c *Chart) ChartFullPath() string {
	if c.parent == nil {
		return c.Name()
	}
	return c.parent.ChartFullPath() + "/charts/" + c.Name()
}

// Metadata is Chart.yaml. The fields, their order and their JSON names are
// those of Helm's chart.Metadata, so that it serializes as Helm's does.
type Metadata struct {
	Name        string   `json:"name,omitempty"`
	Home        string   `json:"home,omitempty"`
	Sources     []string `json:"sources,omitempty"`
	Version     string   `json:"version,omitempty"`
	Description string   `json:"description,omitempty"`
	Keywords    []string `json:"keywords,omitempty"`
	// Maintainers must not hold nil entries (Validate rejects them).
	Maintainers []*Maintainer `json:"maintainers,omitempty"`
	Icon        string        `json:"icon,omitempty"`
	APIVersion  string        `json:"apiVersion,omitempty"`
	// Condition and Tags are Helm 2 fields kept for compatibility.
	Condition   string            `json:"condition,omitempty"`
	Tags        string            `json:"tags,omitempty"`
	AppVersion  string            `json:"appVersion,omitempty"`
	Deprecated  bool              `json:"deprecated,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	KubeVersion string            `json:"kubeVersion,omitempty"`
	// Dependencies must not hold nil entries (Validate rejects them).
	Dependencies []*Dependency `json:"dependencies,omitempty"`
	Type         string        `json:"type,omitempty"`
}

// Maintainer is one entry of Chart.yaml's maintainers.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Dependency is one entry of Chart.yaml's dependencies (or requirements.yaml).
type Dependency struct {
	Name       string   `json:"name"`
	Version    string   `json:"version,omitempty"`
	Repository string   `json:"repository"`
	Condition  string   `json:"condition,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	// Enabled is computed from Condition and Tags when values are known.
	Enabled bool `json:"enabled,omitempty"`
	// ImportValues holds strings ("data") and maps ({child: x, parent: y}).
	ImportValues []any  `json:"import-values,omitempty"`
	Alias        string `json:"alias,omitempty"`
	// DependsOn names the dependencies (by name or alias) to deploy before
	// this one (HIP-0025); kept so that packing preserves it. Helm v4.3.1's
	// Dependency has no such field, so templates do not see it in .Chart
	// (the tag tells package render).
	DependsOn []string `json:"depends-on,omitempty" template:"-"`
}

// Lock is Chart.lock: the dependencies as resolved.
type Lock struct {
	Generated    time.Time     `json:"generated"`
	Digest       string        `json:"digest"`
	Dependencies []*Dependency `json:"dependencies"`
}
