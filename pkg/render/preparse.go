package render

import (
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"

	"github.com/berth-sh/berth/pkg/chart"
)

// preparse parses the templates of a chart tree in the background while
// the values are processed, coalesced and validated, work that does not
// need the templates. It parses every template of the tree as loaded;
// subcharts that conditions then disable were parsed for nothing, so the
// engine stops it as soon as it needs the results and parses what is left
// itself.
type preparse struct {
	funcs template.FuncMap
	names []string
	texts []string
	// files are the chart files the texts were made from: the engine takes
	// a template's text and trees from here when its name and file are the
	// same, instead of converting and comparing the text again.
	files []*chart.File
	out   []parsed
	// next is the index of the next template to parse; stop makes the
	// workers take no more.
	next atomic.Int64
	stop atomic.Bool
	// parsedOK[i] is set when template i was parsed without a panic.
	parsedOK []atomic.Bool
	wg       sync.WaitGroup
	// byName indexes names, for text.
	byName map[string]int
}

// parseFuncNames are the functions templates may call, for the parser,
// which only checks that names exist: baseFuncs and the functions the
// engine binds per render (see bindFuncs).
func parseFuncNames() template.FuncMap {
	funcs := baseFuncs()
	for _, name := range []string{"include", "tpl", "required", "fail"} {
		funcs[name] = true
	}
	return funcs
}

// startPreparse starts parsing the templates of c and its subcharts on
// background goroutines, one per core but the one the caller goes on
// with.
func startPreparse(c *chart.Chart) *preparse {
	p := &preparse{funcs: parseFuncNames()}
	p.collect(c)
	p.out = make([]parsed, len(p.names))
	p.parsedOK = make([]atomic.Bool, len(p.names))
	for range max(1, min(runtime.GOMAXPROCS(0)-1, len(p.names))) {
		p.wg.Go(p.work)
	}
	return p
}

func (p *preparse) collect(c *chart.Chart) {
	prefix := c.ChartFullPath()
	library := isLibrary(c)
	for _, t := range c.Templates {
		if t == nil || (library && !strings.HasPrefix(path.Base(t.Name), "_")) {
			continue
		}
		p.names = append(p.names, path.Join(prefix, t.Name))
		p.texts = append(p.texts, string(t.Data))
		p.files = append(p.files, t)
	}
	for _, dep := range c.Dependencies() {
		p.collect(dep)
	}
}

func (p *preparse) work() {
	for !p.stop.Load() {
		i := int(p.next.Add(1) - 1)
		if i >= len(p.names) {
			return
		}
		if !p.parse(i) {
			return
		}
	}
}

// parse parses template i. A parser panic is left for the engine to meet
// again, should it need the template (a disabled subchart's template
// must not fail the render): the template is left unmarked and the
// worker stops.
func (p *preparse) parse(i int) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
		}
	}()
	p.out[i].trees, p.out[i].err = parseTemplate(p.names[i], p.texts[i], p.funcs)
	p.parsedOK[i].Store(true)
	return true
}

// results stops the background parsing, waits for the templates being
// parsed and returns those parsed by name, with the file each was parsed
// from.
func (p *preparse) results() map[string]parsedText {
	p.close()
	done := make(map[string]parsedText, len(p.names))
	for i, name := range p.names {
		if p.parsedOK[i].Load() {
			done[name] = parsedText{file: p.files[i], parsed: p.out[i]}
		}
	}
	return done
}

// text returns the text of template name made from file f: the one
// converted for parsing when it is the same template of the same file.
// names, files and texts are fixed before the workers start, so it may be
// called while they run; the index is built on first use, by the caller.
func (p *preparse) text(name string, f *chart.File) string {
	if p != nil {
		if p.byName == nil {
			p.byName = make(map[string]int, len(p.names))
			for i, n := range p.names {
				p.byName[n] = i
			}
		}
		if i, ok := p.byName[name]; ok && p.files[i] == f {
			return p.texts[i]
		}
	}
	return string(f.Data)
}

// close stops the background parsing and waits for the templates being
// parsed.
func (p *preparse) close() {
	p.stop.Store(true)
	p.wg.Wait()
}

// parsedText is a parsed template and the file it was parsed from.
type parsedText struct {
	file *chart.File
	parsed
}

// sameFuncNames reports whether a and b hold the same function names.
func sameFuncNames(a, b template.FuncMap) bool {
	if len(a) != len(b) {
		return false
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			return false
		}
	}
	return true
}
