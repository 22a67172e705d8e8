package render

import (
	"runtime"
	"sync"
	"text/template"
	"text/template/parse"
)

// builtinNames are text/template's predefined functions; parse.Parse needs
// their names to accept them, as Template.Parse passes them itself.
var builtinNames = func() map[string]any {
	m := map[string]any{}
	for _, name := range []string{
		"and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
		"urlquery", "eq", "ge", "gt", "le", "lt", "ne",
	} {
		m[name] = true // parse only checks that the entry is not nil
	}
	return m
}()

// parsed is the outcome of parsing one template file: its own tree and
// those of its defines, by name.
type parsed struct {
	trees map[string]*parse.Tree
	err   error
}

// parseAll parses the texts of the named templates in parallel, the way
// Template.Parse does (same delimiters, the function names of funcs and
// the builtins), and returns the results in the order of names. A panic
// while parsing is raised again in the caller, where the engine recovers
// it as it did when parsing was serial.
func parseAll(names []string, tpls map[string]renderable, funcs template.FuncMap) []parsed {
	out := make([]parsed, len(names))
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var panicked any
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					panicked = r
					mu.Unlock()
					for range work { // let the sender finish
					}
				}
			}()
			for i := range work {
				out[i].trees, out[i].err = parseTemplate(names[i], tpls[names[i]].text, funcs)
			}
		})
	}
	for i := range names {
		work <- i
	}
	close(work)
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return out
}

// parseTemplate parses the text of template name the way Template.Parse
// does: default delimiters, the function names of funcs and the builtins.
func parseTemplate(name, text string, funcs template.FuncMap) (map[string]*parse.Tree, error) {
	return parse.Parse(name, text, "", "", funcs, builtinNames)
}

// parseWith parses the named templates, taking the trees of those that
// pre parsed from the same file under the same name with the same
// functions and parsing the rest in parallel; results are in the order of
// names.
func parseWith(pre *preparse, names []string, tpls map[string]renderable, funcs template.FuncMap) []parsed {
	if pre == nil {
		return parseAll(names, tpls, funcs)
	}
	done := pre.results()
	if !sameFuncNames(pre.funcs, funcs) {
		return parseAll(names, tpls, funcs)
	}
	out := make([]parsed, len(names))
	var missing []string
	var at []int
	for i, name := range names {
		if p, ok := done[name]; ok && p.file == tpls[name].file {
			out[i] = p.parsed
			continue
		}
		missing = append(missing, name)
		at = append(at, i)
	}
	for k, p := range parseAll(missing, tpls, funcs) {
		out[at[k]] = p
	}
	return out
}

// addTrees installs the trees of one file into the set t, as Template.Parse
// does after parsing.
func addTrees(t *template.Template, trees map[string]*parse.Tree) error {
	for name, tree := range trees {
		if _, err := t.AddParseTree(name, tree); err != nil {
			return err
		}
	}
	return nil
}
