package values

import (
	"errors"
	"fmt"
	"strings"

	"github.com/berth-sh/berth/pkg/chart"
)

// processImports applies import-values bottom-up: each subchart's imports
// first, so that values imported into it can be imported further up.
func (cfg *config) processImports(c *chart.Chart) error {
	for _, d := range c.Dependencies() {
		if err := cfg.processImports(d); err != nil {
			return err
		}
	}
	return cfg.importValues(c)
}

// importValues copies the values named by the import-values of c's
// dependencies into c's Values, below c's own values. Either form works:
//
//   - "name" imports the child's exports.name table at the parent's top;
//   - {child: a.b, parent: x.y} imports the child's a.b table at x.y.
//
// The dependencies' ImportValues are rewritten in the second form, as Helm
// does. Like Helm, c.Values end up holding the merged values of c and its
// subcharts, nulls kept.
func (cfg *config) importValues(c *chart.Chart) error {
	if c.Metadata == nil || c.Metadata.Dependencies == nil {
		return nil
	}
	cvals, err := cfg.mergeValues(c, nil)
	if err != nil {
		return fmt.Errorf("merge values of chart %q: %w", c.Name(), err)
	}
	imported := map[string]any{}
	for _, r := range c.Metadata.Dependencies {
		if r == nil {
			continue
		}
		var rewritten []any
		for _, iv := range r.ImportValues {
			var child, parent string
			switch iv := iv.(type) {
			case map[string]any:
				child, parent = fmt.Sprintf("%v", iv["child"]), fmt.Sprintf("%v", iv["parent"])
			case map[string]string:
				// The form this function rewrites to, so that processing a
				// chart twice imports the same values.
				child, parent = iv["child"], iv["parent"]
			case string:
				child, parent = "exports."+iv, "."
			default:
				continue
			}
			rewritten = append(rewritten, map[string]string{"child": child, "parent": parent})
			src, err := table(cvals, r.Name+"."+child)
			if err != nil {
				cfg.logger.Warn("ImportValues missing table from chart", "chart", r.Name, "error", err)
				continue
			}
			if len(src) == 0 {
				src = map[string]any{}
			}
			imported = cfg.coalesceTables(imported, nestUnder(parent, src), "", true)
		}
		r.ImportValues = rewritten
	}
	// The parent's values win over imported ones, so that a parent can import
	// a whole section and override parts of it.
	c.Values = cfg.coalesceTables(copyMap(cvals), imported, "", true)
	return nil
}

// nestUnder returns data placed under the dotted path ("a.b" gives
// {a: {b: data}}); "." is the top.
func nestUnder(path string, data map[string]any) map[string]any {
	if path == "." {
		return data
	}
	keys := strings.Split(path, ".")
	out := data
	for i := len(keys) - 1; i >= 0; i-- {
		out = map[string]any{keys[i]: out}
	}
	return out
}

// errNoTable and errNoValue say a dotted path names no table or no value.
var (
	errNoTable = errors.New("no table")
	errNoValue = errors.New("no value")
)

// table returns the map at the dotted path name in v: the map itself, not a
// copy.
func table(v map[string]any, name string) (map[string]any, error) {
	t := v
	for _, key := range strings.Split(name, ".") {
		next, ok := t[key]
		if !ok {
			return t, fmt.Errorf("%q: %w", key, errNoTable)
		}
		m, ok := next.(map[string]any)
		if !ok {
			return map[string]any{}, fmt.Errorf("%q: %w", key, errNoTable)
		}
		t = m
	}
	return t, nil
}

// pathValue returns the value that is not a table at the dotted path in v.
func pathValue(v map[string]any, path string) (any, error) {
	keys := strings.Split(path, ".")
	last := keys[len(keys)-1]
	t := v
	if len(keys) > 1 {
		var err error
		if t, err = table(v, strings.Join(keys[:len(keys)-1], ".")); err != nil {
			return nil, fmt.Errorf("%q: %w", last, errNoValue)
		}
	}
	if val, ok := t[last]; ok && !isTable(val) {
		return val, nil
	}
	return nil, fmt.Errorf("%q: %w", last, errNoValue)
}
