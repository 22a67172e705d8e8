package values

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/berth-sh/berth/pkg/chart"
)

// ProcessDependencies prepares c's dependency tree for rendering as Helm's
// ProcessDependencies does, changing c in place:
//
//   - each dependency of Chart.yaml gets its own copy of the matching subchart
//     (name and version range), renamed to its alias if it has one;
//   - tags and conditions, read from the coalesced values, enable or disable
//     dependencies; a condition that resolves to a bool wins over tags;
//   - disabled subcharts are removed from the tree, at every level;
//   - import-values copy values from each subchart into its parent, below the
//     parent's own values; the chart's Values then hold its subcharts'
//     values too, as in Helm.
//
// Subcharts in charts/ that Chart.yaml does not list are kept as they are.
func ProcessDependencies(c *chart.Chart, user map[string]any, opts ...Option) error {
	cfg := newConfig(opts)
	if err := cfg.processEnabled(c, user, ""); err != nil {
		return err
	}
	return cfg.processImports(c)
}

// processEnabled applies aliases, tags and conditions to c's dependencies
// and recurses into the enabled ones. v are the values above c and path is
// c's dotted path in them ("" for the root, "sub." for a subchart).
func (cfg *config) processEnabled(c *chart.Chart, v map[string]any, path string) error {
	if c.Metadata == nil || c.Metadata.Dependencies == nil {
		return nil
	}
	reqs := c.Metadata.Dependencies
	c.SetDependencies(resolveAliases(c.Dependencies(), reqs)...)

	for _, r := range reqs {
		if r != nil {
			r.Enabled = true
		}
	}
	cvals, err := cfg.coalesce(c, copyMap(v), "", false)
	if err != nil {
		return fmt.Errorf("coalesce values of chart %q: %w", c.Name(), err)
	}
	cfg.applyTags(reqs, cvals)
	cfg.applyConditions(reqs, cvals, path)

	disabled := map[string]bool{}
	for _, r := range reqs {
		if r != nil && !r.Enabled {
			disabled[r.Name] = true
		}
	}
	var keptCharts []*chart.Chart
	for _, d := range c.Dependencies() {
		if !disabled[d.Name()] {
			keptCharts = append(keptCharts, d)
		}
	}
	var keptReqs []*chart.Dependency
	for _, r := range reqs {
		if r == nil || !disabled[r.Name] {
			keptReqs = append(keptReqs, r)
		}
	}
	for _, d := range keptCharts {
		if err := cfg.processEnabled(d, cvals, path+d.Name()+"."); err != nil {
			return err
		}
	}
	// nil when every dependency is disabled, which (as in Helm) skips the
	// import-values step for this chart.
	c.Metadata.Dependencies = keptReqs
	c.SetDependencies(keptCharts...)
	return nil
}

// resolveAliases returns the subcharts of a chart: those its Chart.yaml does
// not list, then one copy per listed dependency that matches a subchart,
// renamed to the dependency's alias. It renames the dependencies to their
// aliases too.
func resolveAliases(loaded []*chart.Chart, reqs []*chart.Dependency) []*chart.Chart {
	var out []*chart.Chart
	for _, existing := range loaded {
		if !listed(existing, reqs) {
			out = append(out, existing)
		}
	}
	for _, req := range reqs {
		if req == nil {
			continue
		}
		if d := aliasCopy(loaded, req); d != nil {
			out = append(out, d)
		}
		if req.Alias != "" {
			req.Name = req.Alias
		}
	}
	return out
}

func listed(c *chart.Chart, reqs []*chart.Dependency) bool {
	for _, req := range reqs {
		if req != nil && c.Name() == req.Name && compatible(req.Version, chartVersion(c)) {
			return true
		}
	}
	return false
}

// aliasCopy returns a copy of the first subchart matching dep, named after
// dep's alias. Its metadata and the list of its own subcharts are copied so
// that several aliases of one chart do not share their parent links.
func aliasCopy(loaded []*chart.Chart, dep *chart.Dependency) *chart.Chart {
	for _, c := range loaded {
		if c == nil || c.Name() != dep.Name || !compatible(dep.Version, chartVersion(c)) {
			continue
		}
		out := *c
		out.Metadata = copyMetadata(c.Metadata)
		out.SetDependencies()
		for _, sub := range c.Dependencies() {
			subCopy := *sub
			out.AddDependency(&subCopy)
		}
		if dep.Alias != "" {
			out.Metadata.Name = dep.Alias
		}
		return &out
	}
	return nil
}

func copyMetadata(m *chart.Metadata) *chart.Metadata {
	if m == nil {
		return &chart.Metadata{}
	}
	md := *m
	if md.Dependencies != nil {
		md.Dependencies = make([]*chart.Dependency, len(m.Dependencies))
		for i, d := range m.Dependencies {
			if d != nil {
				dc := *d
				md.Dependencies[i] = &dc
			}
		}
	}
	return &md
}

func chartVersion(c *chart.Chart) string {
	if c.Metadata == nil {
		return ""
	}
	return c.Metadata.Version
}

// compatible reports whether version satisfies the semver range constraint.
// An empty or invalid range matches nothing, as in Helm.
func compatible(constraint, version string) bool {
	v, err := semver.NewVersion(version)
	if err != nil {
		return false
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false
	}
	return c.Check(v)
}

// applyTags disables a dependency whose tags are all false in the values'
// top-level "tags" table (tags not set there do not count).
func (cfg *config) applyTags(reqs []*chart.Dependency, cvals map[string]any) {
	tags, err := table(cvals, "tags")
	if err != nil {
		return
	}
	for _, r := range reqs {
		if r == nil {
			continue
		}
		var hasTrue, hasFalse bool
		for _, name := range r.Tags {
			v, ok := tags[name]
			if !ok {
				continue
			}
			b, isBool := v.(bool)
			switch {
			case !isBool:
				cfg.logger.Warn("returned non-bool value", "tag", name, "chart", r.Name)
			case b:
				hasTrue = true
			default:
				hasFalse = true
			}
		}
		r.Enabled = hasTrue || !hasFalse
	}
}

// applyConditions sets each dependency's Enabled from the first of its
// comma-separated condition paths that holds a bool.
func (cfg *config) applyConditions(reqs []*chart.Dependency, cvals map[string]any, path string) {
	for _, r := range reqs {
		if r == nil {
			continue
		}
		for _, cond := range strings.Split(strings.TrimSpace(r.Condition), ",") {
			if cond == "" {
				continue
			}
			v, err := pathValue(cvals, path+cond)
			if err != nil {
				continue
			}
			if b, ok := v.(bool); ok {
				r.Enabled = b
				break
			}
			cfg.logger.Warn("returned non-bool value", "path", cond, "chart", r.Name)
		}
	}
}
