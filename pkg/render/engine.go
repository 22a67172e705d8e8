package render

import (
	"fmt"
	"maps"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render/internal/common"
)

// Engine renders a chart's templates with Go text/template, sprig and
// Helm's functions, the way Helm's engine does.
type Engine struct {
	// Strict fails the render when a template reads a missing map key,
	// instead of rendering it empty.
	Strict bool
	// LintMode makes required and fail log-free no-ops, so that a chart can
	// be checked without the values a real install needs.
	LintMode bool
	// Lookup is the lookup function; nil renders an empty map, as offline.
	Lookup LookupFunc
	// EnableDNS lets getHostByName resolve names; without it the function
	// renders "", as in Helm, so that output does not depend on the network.
	EnableDNS bool

	// rendered, when set, receives the output of each template as soon
	// as it is rendered.
	rendered func(name, text string)
	// preparsed, when set, holds templates parsed in the background.
	preparsed *preparse
}

// renderable is one template with the scope it is executed with.
type renderable struct {
	text     string
	file     *chart.File
	scope    common.Values
	basePath string
}

// tplName is the name of the template set, and of the template the tpl
// function parses its text as (error messages name it).
const tplName = "gotpl"

// maxIncludeDepth bounds how often one template may include itself.
const maxIncludeDepth = 1000

// Markers around messages of required and fail, so the engine can print
// them without text/template's call-chain noise.
const (
	userErrStart = "BERTH_ERR_START"
	userErrEnd   = "BERTH_ERR_END"
)

var userErrRegexp = regexp.MustCompile(userErrStart + `((?s).*)` + userErrEnd)

// Render executes every template of c and its dependencies with the
// top-level values top (see TopValues) and returns the output by template
// name ("chart/templates/x.yaml", subcharts as
// "chart/charts/sub/templates/y.yaml"). Partials (base name starting with
// "_") are parsed but not rendered; library charts contribute only
// partials.
func (e *Engine) Render(c *chart.Chart, top map[string]any) (map[string]string, error) {
	tpls := map[string]renderable{}
	collectTemplates(c, tpls, rootScope(top), e.preparsed)
	return e.render(tpls)
}

// collectTemplates walks the chart tree, giving each chart its own scope:
// its metadata, files and the part of the parent's values under its name.
// It returns the chart's scope, which its parent shows as .Subcharts.
// Texts come from pre (nil: none) where it converted them.
//
// The types are Helm's, as typeOf shows them: a template's data, its
// .Values and .Template are common.Values, .Subcharts and its entries,
// .Chart and .Release plain maps.
func collectTemplates(c *chart.Chart, tpls map[string]renderable, parent common.Values, pre *preparse) map[string]any {
	subcharts := map[string]any{}
	scope := map[string]any{
		"Chart":        chartInfo(c),
		"Files":        NewFiles(c.Files),
		"Release":      parent["Release"],
		"Capabilities": parent["Capabilities"],
		"Values":       common.Values{},
		"Subcharts":    subcharts,
	}
	if c.IsRoot() {
		scope["Values"] = parent["Values"]
	} else if v, ok := parent.Table("Values." + c.Name()); ok {
		scope["Values"] = v
	}
	for _, dep := range c.Dependencies() {
		subcharts[dep.Name()] = collectTemplates(dep, tpls, scope, pre)
	}
	prefix := c.ChartFullPath()
	library := isLibrary(c)
	for _, t := range c.Templates {
		if t == nil || (library && !strings.HasPrefix(path.Base(t.Name), "_")) {
			continue
		}
		name := path.Join(prefix, t.Name)
		tpls[name] = renderable{
			text:     pre.text(name, t),
			file:     t,
			scope:    scope,
			basePath: path.Join(prefix, "templates"),
		}
	}
	return scope
}

// rootScope is the data the root chart's scope is made from: top, with
// .Values as a common.Values, which Helm's coalescing returns.
func rootScope(top map[string]any) common.Values {
	if v, ok := top["Values"].(map[string]any); ok {
		scope := maps.Clone(top)
		scope["Values"] = common.Values(v)
		return scope
	}
	return top
}

// chartInfo is .Chart in templates, as Helm 4 builds it: Chart.yaml's
// fields as a map under their Go names (.Chart.Name, .Chart.AppVersion,
// .Chart.Maintainers...), nested structs as maps and lists as lists, plus
// IsRoot. Being a map, an unknown field renders empty rather than failing.
func chartInfo(c *chart.Chart) map[string]any {
	info := map[string]any{}
	if c.Metadata != nil {
		info = structMap(reflect.ValueOf(*c.Metadata))
	}
	info["IsRoot"] = c.IsRoot()
	return info
}

// structMap converts a struct to a map from field name to value, recursing
// into structs, pointers to structs and lists of them. Fields tagged
// template:"-" are berth's own, which Helm's types do not have: they are
// left out.
func structMap(v reflect.Value) map[string]any {
	out := make(map[string]any, v.NumField())
	t := v.Type()
	for i := range v.NumField() {
		if t.Field(i).Tag.Get("template") == "-" {
			continue
		}
		out[t.Field(i).Name] = plainValue(v.Field(i))
	}
	return out
}

func plainValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Struct:
		return structMap(v)
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return plainValue(v.Elem())
	case reflect.Slice:
		list := make([]any, v.Len())
		for i := range v.Len() {
			list[i] = plainValue(v.Index(i))
		}
		return list
	default:
		return v.Interface()
	}
}

func isLibrary(c *chart.Chart) bool {
	return c.Metadata != nil && strings.EqualFold(c.Metadata.Type, chart.TypeLibrary)
}

// render parses every template into one set, so that defines are shared,
// and executes the non-partials.
func (e *Engine) render(tpls map[string]renderable) (rendered map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	t := template.New(tplName)
	e.setMissingKey(t)
	funcs := e.bindFuncs(t)

	// Deeper templates are added first so that, when two charts define the
	// same name, the one nearer the root wins; at equal depth the
	// alphabetically first file wins. Parsing is independent per file and
	// runs in parallel; adding is in order.
	keys := sortTemplates(tpls)
	for i, p := range parseWith(e.preparsed, keys, tpls, funcs) {
		if p.err == nil {
			p.err = addTrees(t, p.trees)
		}
		if p.err != nil {
			return nil, parseError(keys[i], p.err)
		}
	}
	rendered = make(map[string]string, len(keys))
	for _, name := range keys {
		if isPartial(name) {
			continue
		}
		r := tpls[name]
		r.scope["Template"] = common.Values{"Name": name, "BasePath": r.basePath}
		var buf strings.Builder
		buf.Grow(len(r.text)) // output is usually about as long as the template
		if err := t.ExecuteTemplate(&buf, name, r.scope); err != nil {
			return nil, execError(name, err)
		}
		// missingkey=zero still prints "<no value>" for a missing key of a
		// map of interfaces; Helm renders it as nothing.
		out := strings.ReplaceAll(buf.String(), "<no value>", "")
		rendered[name] = out
		if e.rendered != nil {
			e.rendered(name, out)
		}
	}
	return rendered, nil
}

func (e *Engine) setMissingKey(t *template.Template) {
	if e.Strict {
		t.Option("missingkey=error")
	} else {
		t.Option("missingkey=zero")
	}
}

func sortTemplates(tpls map[string]renderable) []string {
	keys := make([]string, 0, len(tpls))
	for k := range tpls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		di, dj := strings.Count(keys[i], "/"), strings.Count(keys[j], "/")
		if di != dj {
			return di > dj
		}
		return keys[i] > keys[j]
	})
	return keys
}
