package render

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/berth-sh/berth/pkg/chart"
)

// ErrLibraryChart is returned when asked to render a library chart: it has
// no manifests of its own.
var ErrLibraryChart = errors.New("library charts are not installable")

// ReleaseOptions is .Release in templates.
type ReleaseOptions struct {
	Name      string
	Namespace string
	// Revision is 1 for an install, the next revision for an upgrade.
	Revision  int
	IsInstall bool
	IsUpgrade bool
}

// Options control a chart render.
type Options struct {
	Release ReleaseOptions
	// Capabilities describe the target cluster; nil means
	// DefaultCapabilities.
	Capabilities *Capabilities
	// Strict fails on missing map keys.
	Strict bool
	// Lookup backs the lookup function; nil renders empty results.
	Lookup LookupFunc
	// SubchartNotes renders the NOTES.txt of subcharts as well.
	SubchartNotes bool
	// EnableDNS lets getHostByName resolve names (--enable-dns).
	EnableDNS bool
	// PostRender edits the rendered templates (name to content) before they
	// are split and sorted; nil leaves them as they are.
	PostRender func(files map[string]string) (map[string]string, error)
}

// Result is a rendered chart.
type Result struct {
	// Manifests are the non-hook documents in install order.
	Manifests []Manifest
	// Hooks are the hook documents, sorted by kind.
	Hooks []*Hook
	// CRDs are the files of crds/ directories of the chart and its enabled
	// subcharts; they are not templates.
	CRDs []chart.CRD
	// Notes is the rendered NOTES.txt of the root chart (and subcharts with
	// SubchartNotes).
	Notes string
	// Files are the rendered templates by name, before splitting, for
	// showing invalid output.
	Files map[string]string
}

// Render renders chart c with values, which must already be coalesced
// with the chart's defaults (values.Coalesce) and validated. It checks the
// chart's kubeVersion, renders every template and NOTES.txt, and splits and
// sorts the output. On a YAML error the returned Result still carries Files.
func Render(c *chart.Chart, values map[string]any, opts Options) (*Result, error) {
	return render(c, values, opts, nil)
}

// render is Render with the templates that pre parsed in the background
// (nil: none).
func render(c *chart.Chart, values map[string]any, opts Options, pre *preparse) (*Result, error) {
	if isLibrary(c) {
		return nil, ErrLibraryChart
	}
	caps := opts.Capabilities
	if caps == nil {
		caps = DefaultCapabilities()
	}
	if c.Metadata != nil {
		if err := CheckKubeVersion(c.Metadata.KubeVersion, caps.KubeVersion); err != nil {
			return nil, err
		}
	}
	eng := &Engine{Strict: opts.Strict, Lookup: opts.Lookup, EnableDNS: opts.EnableDNS, preparsed: pre}
	var prefetch *headPrefetcher
	if opts.PostRender == nil {
		// Without a post-renderer, the output is final as rendered: sort
		// it while rendering goes on.
		prefetch = newHeadPrefetcher()
		eng.rendered = prefetch.add
	}
	files, err := eng.Render(c, TopValues(c, values, opts.Release, caps))
	var prefetched map[string]*splitFile
	if prefetch != nil {
		prefetched = prefetch.done()
	}
	if err != nil {
		return nil, err
	}
	res := &Result{CRDs: c.CRDObjects()}
	res.Notes = extractNotes(files, c.Name(), opts.SubchartNotes)
	if opts.PostRender != nil {
		if files, err = opts.PostRender(files); err != nil {
			return nil, fmt.Errorf("post-render: %w", err)
		}
	}
	res.Files = files
	res.Hooks, res.Manifests, err = sortManifests(files, prefetched)
	if err != nil {
		return res, err
	}
	return res, nil
}

// TopValues builds the data every template starts from: .Values, .Release,
// .Chart and .Capabilities (.Files, .Subcharts and .Template are added per
// chart and template by the engine).
func TopValues(c *chart.Chart, values map[string]any, rel ReleaseOptions, caps *Capabilities) map[string]any {
	if values == nil {
		values = map[string]any{}
	}
	return map[string]any{
		"Chart":        chartInfo(c),
		"Capabilities": caps,
		"Release": map[string]any{
			"Name":      rel.Name,
			"Namespace": rel.Namespace,
			"IsUpgrade": rel.IsUpgrade,
			"IsInstall": rel.IsInstall,
			"Revision":  rel.Revision,
			// Charts label objects with managed-by: .Release.Service; berth
			// keeps Helm's value so output and selectors stay identical.
			"Service": "Helm",
		},
		"Values": values,
	}
}

const notesFile = "NOTES.txt"

// extractNotes removes every NOTES.txt from files and returns the root
// chart's (and, with sub, the subcharts', shallowest first, separated by
// blank lines).
func extractNotes(files map[string]string, root string, sub bool) string {
	var names []string
	for name := range files {
		if !strings.HasSuffix(name, notesFile) {
			continue
		}
		if sub || name == path.Join(root, "templates", notesFile) {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		di, dj := strings.Count(names[i], "/charts/"), strings.Count(names[j], "/charts/")
		if di != dj {
			return di < dj
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	for _, n := range names {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(files[n])
	}
	for name := range files {
		if strings.HasSuffix(name, notesFile) {
			delete(files, name)
		}
	}
	return b.String()
}
