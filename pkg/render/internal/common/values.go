package common

import "strings"

// Values is the type Helm gives the data of a template, its .Values and its
// .Template. It is a named map type, so typeOf prints "common.Values" as
// in Helm, while kindOf prints "map" and every function that takes a
// map[string]interface{} (hasKey, dig, merge, toYaml...) accepts it. The
// maps nested in it stay plain map[string]interface{}, as in Helm.
type Values map[string]any

// Table returns the map at a dotted path of v ("Values.sub"), as a Values,
// and whether there is one. Like Helm's Values.Table, it splits the path at
// every dot, so that a chart whose name has a dot gets the values at that
// nested path.
func (v Values) Table(path string) (Values, bool) {
	table := v
	for _, key := range strings.Split(path, ".") {
		next, ok := asValues(table[key])
		if !ok {
			return nil, false
		}
		table = next
	}
	return table, true
}

// asValues returns v as a Values when it is a map of values, of either type.
func asValues(v any) (Values, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case Values:
		return m, true
	}
	return nil, false
}
