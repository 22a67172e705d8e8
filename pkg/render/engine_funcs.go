package render

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
)

// bindFuncs installs the function map on t, with include, tpl, required,
// fail and lookup bound to this render.
func (e *Engine) bindFuncs(t *template.Template) {
	funcs := baseFuncs()
	depth := map[string]int{}
	funcs["include"] = includeFunc(t, depth)
	funcs["tpl"] = e.tplFunc(t, depth)
	funcs["required"] = e.required
	funcs["fail"] = e.fail
	if e.Lookup != nil {
		funcs["lookup"] = e.Lookup
	}
	t.Funcs(funcs)
}

// includeFunc executes a named template into a string, so that its output
// can be piped, unlike the template action. depth guards against a
// template including itself forever.
func includeFunc(t *template.Template, depth map[string]int) func(string, any) (string, error) {
	return func(name string, data any) (string, error) {
		if depth[name] > maxIncludeDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

// tplFunc renders a string as a template with the given data. The text is
// parsed into a copy of the current template set, so it can include every
// define of the chart and its own defines do not leak out.
func (e *Engine) tplFunc(parent *template.Template, depth map[string]int) func(string, any) (string, error) {
	return func(text string, data any) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		// Clone loses the missingkey option (golang/go#43022).
		e.setMissingKey(t)
		t.Funcs(template.FuncMap{
			"include": includeFunc(t, depth),
			"tpl":     e.tplFunc(t, depth),
		})
		t, err = t.New(parent.Name()).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// required returns val, or fails the render with msg when val is nil or
// the empty string.
func (e *Engine) required(msg string, val any) (any, error) {
	if s, ok := val.(string); val == nil || (ok && s == "") {
		if e.LintMode {
			return "", nil
		}
		return val, errors.New(userErrStart + msg + userErrEnd)
	}
	return val, nil
}

// fail fails the render with msg.
func (e *Engine) fail(msg string) (string, error) {
	if e.LintMode {
		return "", nil
	}
	return "", errors.New(userErrStart + msg + userErrEnd)
}
