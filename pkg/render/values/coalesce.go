package values

import (
	"fmt"
	"log/slog"
	"maps"

	"github.com/berth-sh/berth/pkg/chart"
)

// GlobalKey is the values key whose content is copied down to every
// subchart.
const GlobalKey = "global"

// Option changes how the functions of this package report.
type Option func(*config)

type config struct {
	logger *slog.Logger
}

// WithLogger sends Helm's warnings (such as "skipped value for x: Not a
// table.") to logger at warning level. Without it they go to slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

func newConfig(opts []Option) *config {
	c := &config{logger: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	return c
}

// warnf logs one of Helm's printf-style warnings.
func (cfg *config) warnf(format string, args ...any) {
	cfg.logger.Warn(fmt.Sprintf(format, args...))
}

// Coalesce merges user values over the chart's and subcharts' defaults with
// globals flowing down and null deleting keys, exactly as Helm's
// CoalesceValues:
//
//   - a value given by a parent (or the user) wins over a subchart default;
//   - maps are merged, scalars and lists are replaced;
//   - a subchart's values live under its name (or alias) in its parent's;
//   - null given for a key that has a default removes the key.
//
// Neither user nor the chart's Values are modified.
func Coalesce(c *chart.Chart, user map[string]any, opts ...Option) (map[string]any, error) {
	cfg := newConfig(opts)
	return cfg.coalesce(c, copyMap(user), "", false)
}

// mergeValues is Coalesce that keeps nulls (Helm's MergeValues), used while
// processing dependencies so that nulls still delete keys at the final
// Coalesce.
func (cfg *config) mergeValues(c *chart.Chart, user map[string]any) (map[string]any, error) {
	return cfg.coalesce(c, copyMap(user), "", true)
}

// coalesce merges the values of c and of its dependencies into dest, which
// holds the values given for c by its parent or the user. prefix is the
// dotted path of c's parent, empty for the root chart.
func (cfg *config) coalesce(c *chart.Chart, dest map[string]any, prefix string, merge bool) (map[string]any, error) {
	cfg.coalesceChartValues(c, dest, prefix, merge)
	return cfg.coalesceDeps(c, dest, prefix, merge)
}

// coalesceDeps coalesces each subchart under its name in dest, after copying
// dest's globals into it.
func (cfg *config) coalesceDeps(c *chart.Chart, dest map[string]any, prefix string, merge bool) (map[string]any, error) {
	for _, sub := range c.Dependencies() {
		name := sub.Name()
		existing, ok := dest[name]
		if !ok {
			existing = map[string]any{}
			dest[name] = existing
		}
		subVals, isMap := existing.(map[string]any)
		if !isMap {
			return dest, fmt.Errorf("type mismatch on %s: %t", name, existing)
		}
		subPrefix := joinPrefix(prefix, c.Name())
		cfg.coalesceGlobals(subVals, dest, subPrefix)
		out, err := cfg.coalesce(sub, subVals, subPrefix, merge)
		if err != nil {
			return dest, err
		}
		dest[name] = out
	}
	return dest, nil
}

// coalesceGlobals merges the globals of src (the parent's values) over the
// globals of dest (a subchart's values): the parent's win.
func (cfg *config) coalesceGlobals(dest, src map[string]any, prefix string) {
	var destGlobals, srcGlobals map[string]any
	if g, ok := dest[GlobalKey]; !ok {
		destGlobals = map[string]any{}
	} else if destGlobals, ok = g.(map[string]any); !ok {
		cfg.warnf("warning: skipping globals because destination %s is not a table.", GlobalKey)
		return
	}
	if g, ok := src[GlobalKey]; !ok {
		srcGlobals = map[string]any{}
	} else if srcGlobals, ok = g.(map[string]any); !ok {
		cfg.warnf("warning: skipping globals because source %s is not a table.", GlobalKey)
		return
	}

	for key, val := range srcGlobals {
		if table, ok := val.(map[string]any); ok {
			merged := make(map[string]any, len(table))
			maps.Copy(merged, table)
			existing, ok := destGlobals[key]
			if !ok {
				destGlobals[key] = merged
				continue
			}
			existingTable, ok := existing.(map[string]any)
			if !ok {
				cfg.warnf("Conflict: cannot merge map onto non-map for %q. Skipping.", key)
				continue
			}
			// The parent's table wins; nulls stay so that the subchart's
			// coalescing removes them.
			cfg.coalesceTables(merged, existingTable, joinPrefix(prefix, key), true)
			destGlobals[key] = merged
		} else if existing, ok := destGlobals[key]; ok && isTable(existing) {
			cfg.warnf("key %s is table. Skipping", key)
		} else {
			destGlobals[key] = val
		}
	}
	dest[GlobalKey] = destGlobals
}

// coalesceChartValues merges a copy of c's own values under v, which wins.
func (cfg *config) coalesceChartValues(c *chart.Chart, v map[string]any, prefix string, merge bool) {
	subPrefix := joinPrefix(prefix, c.Name())
	// A copy, so that merging never changes the chart's own values.
	defaults := copyMap(c.Values)
	for key, val := range defaults {
		value, ok := v[key]
		if !ok {
			// Null defaults are dropped so that they neither shadow globals
			// nor render as "<nil>". Helm 4.2 to 4.3 drop the root chart's
			// too, and with them a parent's nulls meant to delete a
			// subchart's defaults.
			if !merge {
				if val == nil {
					continue
				}
				if table, ok := val.(map[string]any); ok {
					removeNils(table)
				}
			}
			v[key] = val
			continue
		}
		if value == nil && !merge {
			// null given for a key with a default deletes the key.
			delete(v, key)
			continue
		}
		dest, ok := value.(map[string]any)
		if !ok {
			continue
		}
		src, ok := val.(map[string]any)
		if !ok {
			if val != nil {
				cfg.warnf("warning: skipped value for %s.%s: Not a table.", subPrefix, key)
			}
			continue
		}
		// Values for a subchart keep their nulls: the subchart's own
		// coalescing uses them to delete its defaults.
		mergeKey := merge || isSubchart(c, key)
		if !mergeKey {
			removeNils(src)
		}
		cfg.coalesceTables(dest, src, joinPrefix(subPrefix, key), mergeKey)
	}
}

func isSubchart(c *chart.Chart, name string) bool {
	for _, sub := range c.Dependencies() {
		if sub.Name() == name {
			return true
		}
	}
	return false
}

// coalesceTables merges src under dst, which wins, and returns dst. Unless
// merging, a null in dst for a key that src gives a value removes the key.
func (cfg *config) coalesceTables(dst, src map[string]any, prefix string, merge bool) map[string]any {
	if src == nil {
		return dst
	}
	if dst == nil {
		return src
	}
	// Remember which keys src gives a value before dst's nulls are copied in:
	// a null in dst deletes a default but is kept where there is none.
	srcHasValue := make(map[string]bool, len(src))
	for key, val := range src {
		if val != nil {
			srcHasValue[key] = true
		}
	}
	for key, val := range dst {
		if val == nil {
			src[key] = nil
		}
	}
	for key, val := range src {
		fullKey := joinPrefix(prefix, key)
		dv, ok := dst[key]
		switch {
		case ok && !merge && dv == nil && srcHasValue[key]:
			delete(dst, key)
		case !ok:
			dst[key] = val
		case isTable(val):
			if dvTable, isMap := dv.(map[string]any); isMap {
				cfg.coalesceTables(dvTable, val.(map[string]any), fullKey, merge)
			} else {
				cfg.warnf("warning: cannot overwrite table with non table for %s (%v)", fullKey, val)
			}
		case isTable(dv) && val != nil:
			cfg.warnf("warning: destination for %s is a table. Ignoring non-table value (%v)", fullKey, val)
		}
	}
	return dst
}

// removeNils deletes null entries from m and the maps inside it.
func removeNils(m map[string]any) {
	for key, val := range m {
		if val == nil {
			delete(m, key)
		} else if table, ok := val.(map[string]any); ok {
			removeNils(table)
		}
	}
}

func isTable(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func joinPrefix(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// copyMap deep-copies values: maps and lists are copied, other values are
// immutable scalars. A nil map gives an empty one.
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		return copyMap(v)
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	default:
		return v
	}
}
