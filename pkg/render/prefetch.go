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

// headJob is one document whose head a headPrefetcher parses.
type headJob struct {
	file  *splitFile
	index int
}

// headPrefetcher splits the output of each template and parses the heads
// of its documents while the engine goes on executing the next templates,
// so that the YAML parsing sorting needs runs on a second core instead of
// after rendering. add is called from the rendering goroutine; done stops
// the prefetcher, helping with what is left, and returns the results by
// template name.
type headPrefetcher struct {
	work  chan headJob
	wg    sync.WaitGroup
	files map[string]*splitFile
}

// prefetchQueue bounds the documents waiting for the prefetcher; beyond
// it, add parses them itself.
const prefetchQueue = 1024

func newHeadPrefetcher() *headPrefetcher {
	p := &headPrefetcher{work: make(chan headJob, prefetchQueue), files: map[string]*splitFile{}}
	p.wg.Go(p.drain)
	return p
}

// add queues the documents of the output of template name. Partials and
// NOTES.txt, which are not manifests, are left out.
func (p *headPrefetcher) add(name, text string) {
	if isPartial(name) || strings.HasSuffix(name, notesFile) || strings.TrimSpace(text) == "" {
		return
	}
	texts := SplitManifests(text)
	sf := &splitFile{text: text, docs: make([]document, len(texts)), heads: make([]parsedHead, len(texts))}
	for i, t := range texts {
		sf.docs[i] = document{name: name, index: i, text: t}
	}
	p.files[name] = sf
	for i := range texts {
		select {
		case p.work <- headJob{file: sf, index: i}:
		default:
			sf.parse(i)
		}
	}
}

func (p *headPrefetcher) drain() {
	for j := range p.work {
		j.file.parse(j.index)
	}
}

func (sf *splitFile) parse(i int) {
	sf.heads[i].Head, sf.heads[i].err = parseHead(sf.docs[i].text)
}

// done waits for the queued documents, parsing them on this goroutine too,
// and returns what was prefetched by template name.
func (p *headPrefetcher) done() map[string]*splitFile {
	close(p.work)
	p.drain()
	p.wg.Wait()
	return p.files
}
