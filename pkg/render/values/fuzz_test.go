package values

import (
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// FuzzParseSet checks that the --set parsers never panic, are
// deterministic, and that --set-string and --set-literal only store strings.
func FuzzParseSet(f *testing.F) {
	for _, s := range []string{
		"a=b", "a.b[0].c={x,y},d=null", `a\.b=c\,d`, "a[1][2]=3", "a={}", "a=1,a.b=2",
		`j={"k":[1,{"l":null}]}`, "x[0].y=1,x[0].z=2", "a[65537]=1", "lit=a,b=c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parsers := map[string]func(string, map[string]any) error{
			"set":         ParseSet,
			"set-string":  ParseSetString,
			"set-json":    ParseSetJSON,
			"set-literal": ParseSetLiteral,
			"set-file": func(s string, dest map[string]any) error {
				return ParseSetFile(s, dest, func(path string) ([]byte, error) { return []byte(path), nil })
			},
		}
		for name, parse := range parsers {
			first, second := map[string]any{}, map[string]any{}
			err1, err2 := parse(s, first), parse(s, second)
			if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(first, second) {
				t.Fatalf("%s %q: not deterministic: %v / %v", name, s, err1, err2)
			}
			if err1 == nil && (name == "set-string" || name == "set-literal") {
				checkStringLeaves(t, name, s, first)
			}
		}
	})
}

func checkStringLeaves(t *testing.T, name, in string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			checkStringLeaves(t, name, in, e)
		}
	case []any:
		for _, e := range v {
			checkStringLeaves(t, name, in, e)
		}
	case string, nil: // nil fills list holes
	default:
		t.Fatalf("%s %q stored a %T", name, in, v)
	}
}

// FuzzCoalesce checks that coalescing never panics, never changes its
// inputs, and that a user's top-level scalar always wins.
func FuzzCoalesce(f *testing.F) {
	f.Add("a: 1\nm: {x: 1}", "a: null\nm: {x: null}", "b: 2\nglobal: {g: 1}")
	f.Add("global: {h: {k: null}}\nsub: {h: {k: null}}", "", "global: {h: {k: 1}}\nh: {k: 1}")
	f.Add("sub: {a: [1]}", "sub: {a: {b: 1}}\nglobal: 3", "a: null\nglobal: {x: {y: 1}}")
	f.Fuzz(func(t *testing.T, parentYAML, userYAML, subYAML string) {
		parentVals, ok1 := fuzzValues(parentYAML)
		user, ok2 := fuzzValues(userYAML)
		subVals, ok3 := fuzzValues(subYAML)
		if !ok1 || !ok2 || !ok3 {
			return
		}
		sub := &chart.Chart{Metadata: &chart.Metadata{Name: "sub", Version: "1.0.0"}, Values: subVals}
		c := &chart.Chart{Metadata: &chart.Metadata{Name: "app", Version: "1.0.0"}, Values: parentVals}
		c.SetDependencies(sub)
		wantParent, wantUser, wantSub := copyMap(parentVals), copyMap(user), copyMap(subVals)

		opt, _ := logBuffer()
		got, err := Coalesce(c, user, opt)
		if !reflect.DeepEqual(wantParent, c.Values) || !reflect.DeepEqual(wantSub, sub.Values) || !reflect.DeepEqual(wantUser, user) {
			t.Fatal("Coalesce changed its inputs")
		}
		if err != nil {
			return
		}
		for k, v := range user {
			if k == "sub" || k == GlobalKey || v == nil || isTable(v) {
				continue
			}
			if !reflect.DeepEqual(v, got[k]) {
				t.Fatalf("user %s=%v lost: got %v", k, v, got[k])
			}
		}
	})
}

func fuzzValues(s string) (map[string]any, bool) {
	out := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		return nil, false
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, true
}
