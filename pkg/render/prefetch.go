package render

import (
	"strings"
	"sync"
)

// splitFile is a rendered template split into documents, with their heads
// parsed: the work SortManifests does per file.
type splitFile struct {
	text  string
	docs  []document
	heads []parsedHead
}

// renderedFile is a template's output handed to a headPrefetcher.
type renderedFile struct {
	name, text string
}

// headPrefetcher splits and parses the output of each template while the
// engine goes on executing the next ones, so that the YAML parsing sorting
// needs runs on a second core instead of after rendering. Add is called
// from the rendering goroutine; done stops the prefetcher, helping with
// what is left, and returns the results by template name.
type headPrefetcher struct {
	work chan renderedFile
	wg   sync.WaitGroup

	mu    sync.Mutex
	files map[string]splitFile
}

// prefetchQueue bounds the templates waiting for the prefetcher; beyond
// it, the engine waits.
const prefetchQueue = 256

func newHeadPrefetcher() *headPrefetcher {
	p := &headPrefetcher{work: make(chan renderedFile, prefetchQueue), files: map[string]splitFile{}}
	p.wg.Go(p.drain)
	return p
}

// add queues the output of template name. Partials and NOTES.txt, which
// are not manifests, are left out.
func (p *headPrefetcher) add(name, text string) {
	if isPartial(name) || strings.HasSuffix(name, notesFile) || strings.TrimSpace(text) == "" {
		return
	}
	p.work <- renderedFile{name: name, text: text}
}

func (p *headPrefetcher) drain() {
	for f := range p.work {
		sf := splitFile{text: f.text}
		for i, text := range SplitManifests(f.text) {
			head, err := parseHead(text)
			sf.docs = append(sf.docs, document{name: f.name, index: i, text: text})
			sf.heads = append(sf.heads, parsedHead{Head: head, err: err})
		}
		p.mu.Lock()
		p.files[f.name] = sf
		p.mu.Unlock()
	}
}

// done waits for the queued templates, parsing them on this goroutine
// too, and returns what was prefetched by template name.
func (p *headPrefetcher) done() map[string]splitFile {
	close(p.work)
	p.drain()
	p.wg.Wait()
	return p.files
}
