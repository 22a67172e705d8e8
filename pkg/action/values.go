package action

import (
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/release"
)

// ValuesPolicy says how an upgrade combines the user's new values with the
// values of the current release, as Helm's flags do.
type ValuesPolicy int

// Values policies. With ValuesDefault the current release's user values are
// reused only when no new values are given.
const (
	// ValuesDefault reuses the current user values when none are given.
	ValuesDefault ValuesPolicy = iota
	// ValuesReset (--reset-values) uses the new chart's defaults and the new
	// values only.
	ValuesReset
	// ValuesReuse (--reuse-values) merges the new values over the current
	// user values and renders with the current release's computed values
	// as the chart's defaults: the new chart's values.yaml is ignored.
	ValuesReuse
	// ValuesResetThenReuse (--reset-then-reuse-values) merges the new
	// values over the current user values, over the new chart's defaults.
	ValuesResetThenReuse
)

// upgradeValues returns the user values of the upgrade of current with
// newVals, following Helm's reuseValues rules; under ValuesReuse it also
// replaces the chart's default values with the current computed values.
func upgradeValues(policy ValuesPolicy, c *chart.Chart, current *release.Release,
	newVals map[string]any,
) map[string]any {
	switch policy {
	case ValuesReset:
		return newVals
	case ValuesReuse:
		if current.Config != nil {
			c.Values = deepCopy(current.Config)
		}
		return coalesceTables(deepCopy(newVals), current.Values)
	case ValuesResetThenReuse:
		return coalesceTables(deepCopy(newVals), current.Values)
	}
	if len(newVals) == 0 && len(current.Values) > 0 {
		return deepCopy(current.Values)
	}
	return newVals
}

// coalesceTables fills dst with the keys of src it lacks, recursing into
// tables both have; dst's values win. It returns dst (a new map when nil).
func coalesceTables(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, sv := range src {
		dv, ok := dst[k]
		if !ok {
			dst[k] = deepCopyValue(sv)
			continue
		}
		dm, dIsMap := dv.(map[string]any)
		sm, sIsMap := sv.(map[string]any)
		if dIsMap && sIsMap {
			dst[k] = coalesceTables(dm, sm)
		}
	}
	return dst
}
