package render

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"text/template"
	"text/template/parse"
)

// bindFuncs installs the function map on t, with include, tpl, required,
// fail and lookup bound to this render, and returns it.
func (e *Engine) bindFuncs(t *template.Template) template.FuncMap {
	funcs := baseFuncs()
	depth := map[string]int{}
	funcs["include"] = includeFunc(t, depth)
	funcs["tpl"] = e.tplFunc(t, funcs, depth)
	funcs["required"] = e.required
	funcs["fail"] = e.fail
	if e.Lookup != nil {
		funcs["lookup"] = e.Lookup
	}
	if e.EnableDNS {
		funcs["getHostByName"] = hostByName
	}
	t.Funcs(funcs)
	return funcs
}

// hostByName is getHostByName with DNS enabled: the first address of
// name, or "" when it has none (where sprig's would panic).
func hostByName(name string) string {
	addrs, err := net.LookupHost(name) //nolint:noctx // template functions get no context; Helm's getHostByName neither
	if err != nil || len(addrs) == 0 {
		return ""
	}
	return addrs[0]
}

// errIncludeDepth ends a template that includes itself without end, with
// Helm's words.
var errIncludeDepth = errors.New("unable to execute template")

// includeFunc executes a named template into a string, so that its output
// can be piped, unlike the template action. depth guards against a
// template including itself forever.
func includeFunc(t *template.Template, depth map[string]int) func(string, any) (string, error) {
	return func(name string, data any) (string, error) {
		if depth[name] > maxIncludeDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: %w", name, errIncludeDepth)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

// tplFunc renders a string as a template with the given data, as Helm
// does: the text is parsed as a template named "gotpl" into a copy of the
// current template set, so it can include every define of the chart and its
// own defines do not leak out. A text without defines cannot change the
// set, so it is executed against parent itself and the copy is skipped;
// funcs are parent's functions.
func (e *Engine) tplFunc(parent *template.Template, funcs template.FuncMap, depth map[string]int) func(string, any) (string, error) {
	return func(text string, data any) (string, error) {
		trees, err := parse.Parse(tplName, text, "", "", funcs, builtinNames)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var t *template.Template
		if len(trees) == 1 && trees[tplName] != nil {
			t = parent.New(tplName)
			t.Tree = trees[tplName]
		} else if t, err = e.cloneForTpl(parent, funcs, depth, text); err != nil {
			return "", err
		}
		var buf strings.Builder
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// cloneForTpl parses text, which has defines, as "gotpl" into a copy of
// parent whose include and tpl see the copy; funcs name the functions.
func (e *Engine) cloneForTpl(parent *template.Template, funcs template.FuncMap, depth map[string]int, text string) (*template.Template, error) {
	t, err := parent.Clone()
	if err != nil {
		return nil, fmt.Errorf("cannot clone template: %w", err)
	}
	// Clone loses the missingkey option (golang/go#43022).
	e.setMissingKey(t)
	t.Funcs(template.FuncMap{
		"include": includeFunc(t, depth),
		"tpl":     e.tplFunc(t, funcs, depth),
	})
	t, err = t.New(tplName).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("cannot parse template %q: %w", text, err)
	}
	return t, nil
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
