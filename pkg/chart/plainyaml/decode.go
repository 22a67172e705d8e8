package plainyaml

import "unicode/utf8"

// maxDepth bounds how deeply blocks nest; deeper documents are declined
// rather than recursed into.
const maxDepth = 200

// KeepFunc says whether the value under path is built: path holds the
// mapping keys from the top of the document to the entry (sequence entries
// add nothing). It is asked only for the entries of mappings that are
// themselves kept. A value not kept is checked like any other but reads as
// nil, and its entry is left out of its mapping.
type KeepFunc func(path []string) bool

// Decode decodes doc, one YAML document, to the value sigs.k8s.io/yaml
// decodes it to in an interface: map[string]any, []any, string, float64,
// bool or nil (an empty document is nil). ok is false when doc is outside
// the subset this package decodes; nothing is known of it then, not even
// whether it is valid YAML.
func Decode(doc string) (v any, ok bool) {
	return DecodeSelected(doc, nil)
}

// DecodeSelected is Decode that builds only the values keep selects (nil
// keeps everything): the rest of the document is checked but not built,
// for readers that need a few fields of a large document.
func DecodeSelected(doc string, keep KeepFunc) (v any, ok bool) {
	if !plainChars(doc) {
		return nil, false
	}
	d := &decoder{src: doc, keep: keep}
	if !d.skipToContent() {
		return nil, false
	}
	if d.indent < 0 {
		return nil, true
	}
	v, ok = d.block(d.indent, true)
	if !ok || d.indent >= 0 { // content after the top node: less indented
		return nil, false
	}
	return v, true
}

// decoder reads one document. After each value it stands at the first
// non-space byte of the next line with content, whose indentation is
// indent (-1 at the end of the document).
type decoder struct {
	src       string
	pos       int
	lineStart int
	indent    int
	depth     int
	keep      KeepFunc
	path      []string
}

// plainChars reports whether doc holds only characters YAML reads as they
// are: no control characters but tab and line feed, no carriage returns,
// valid UTF-8 with no byte order mark and none of the characters YAML 1.1
// also takes for line breaks (NEL, LS, PS).
func plainChars(doc string) bool {
	for i := 0; i < len(doc); {
		c := doc[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(doc[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0xa0, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			return false
		}
		i += size
	}
	return true
}

func (d *decoder) col() int { return d.pos - d.lineStart }

func (d *decoder) peek() byte {
	if d.pos < len(d.src) {
		return d.src[d.pos]
	}
	return 0
}

// blankAt reports whether the byte at i is a space, a line feed or the end
// of the document.
func (d *decoder) blankAt(i int) bool {
	return i >= len(d.src) || d.src[i] == ' ' || d.src[i] == '\n'
}

// atEntry reports whether a block sequence entry ("- ") starts here.
func (d *decoder) atEntry() bool {
	return d.peek() == '-' && d.blankAt(d.pos+1)
}

// block decodes the mapping or sequence whose first line starts here, at
// column n.
func (d *decoder) block(n int, keep bool) (any, bool) {
	if d.depth++; d.depth > maxDepth {
		return nil, false
	}
	defer func() { d.depth-- }()
	if d.atEntry() {
		return d.sequence(n, keep, false)
	}
	return d.mapping(n, keep)
}

// mapping decodes a block mapping whose keys are at column n, the first of
// them here.
func (d *decoder) mapping(n int, keep bool) (any, bool) {
	var m map[string]any
	if keep {
		m = map[string]any{}
	}
	for {
		key, st := d.key()
		if st != keyFound {
			return nil, false
		}
		d.path = append(d.path, key)
		child := keep && (d.keep == nil || d.keep(d.path))
		v, ok := d.value(n, child, false)
		d.path = d.path[:len(d.path)-1]
		if !ok {
			return nil, false
		}
		if child {
			m[key] = v
		}
		if d.indent < n {
			if keep {
				return m, true
			}
			return nil, true
		}
		if d.indent > n || d.atEntry() {
			return nil, false
		}
	}
}

// sequence decodes a block sequence whose entries are at column n, the
// first of them here. An indentless sequence (at its key's column) ends at
// the next key of its mapping.
func (d *decoder) sequence(n int, keep, indentless bool) (any, bool) {
	var list []any
	if keep {
		list = []any{}
	}
	for {
		d.pos++ // the '-'
		v, ok := d.value(n, keep, true)
		if !ok {
			return nil, false
		}
		if keep {
			list = append(list, v)
		}
		if d.indent < n || (indentless && d.indent == n && !d.atEntry()) {
			if keep {
				return list, true
			}
			return nil, true
		}
		if d.indent > n || !d.atEntry() {
			return nil, false
		}
	}
}

// value decodes what follows a mapping's ':' or a sequence's '-' in the
// block at column n.
func (d *decoder) value(n int, keep, inSeq bool) (any, bool) {
	if !d.skipSpaces() {
		return nil, false
	}
	switch c := d.peek(); {
	case c == 0 || c == '\n' || c == '#':
		if !d.endLine() {
			return nil, false
		}
		return d.nested(n, keep, inSeq)
	case c == '-' && d.blankAt(d.pos+1):
		return nil, false
	}
	if inSeq {
		switch d.keyAhead() {
		case keyFound: // a mapping on the entry's line, at its key's column
			return d.block(d.col(), keep)
		case keyDeclined:
			return nil, false
		}
	}
	return d.scalar(n, keep)
}

// nested decodes the value of an entry whose line ends after its
// indicator: a block or a scalar on the following, more indented lines,
// an indentless sequence under a key, or else null.
func (d *decoder) nested(n int, keep, inSeq bool) (any, bool) {
	switch {
	case d.indent > n:
		if d.atEntry() {
			return d.block(d.indent, keep)
		}
		switch d.keyAhead() {
		case keyFound:
			return d.block(d.indent, keep)
		case keyDeclined:
			return nil, false
		}
		return d.scalar(n, keep)
	case d.indent == n && !inSeq && d.atEntry():
		if d.depth++; d.depth > maxDepth {
			return nil, false
		}
		defer func() { d.depth-- }()
		return d.sequence(n, keep, true)
	}
	return nil, true
}

// keyAhead reports whether a key starts here, without consuming it.
func (d *decoder) keyAhead() keyStatus {
	save := d.pos
	_, st := d.key()
	d.pos = save
	return st
}

// scalar decodes the scalar (or one-line flow collection) that starts here,
// the value of an entry of the block at column n, and moves to the next
// line with content.
func (d *decoder) scalar(n int, keep bool) (any, bool) {
	switch c := d.peek(); {
	case c == '|' || c == '>':
		v, ok := d.blockScalar(n, keep)
		return d.after(n, v, ok)
	case c == '"' || c == '\'':
		s, ok := d.quoted(n)
		if !ok || !d.endLine() {
			return nil, false
		}
		if !keep {
			return d.after(n, nil, true)
		}
		return d.after(n, s, true)
	case c == '[' || c == '{':
		v, ok := d.flow(keep)
		if ok && d.endLine() {
			return d.after(n, v, true)
		}
		return nil, false
	case !d.plainStart():
		return nil, false
	}
	s, ok := d.plainValue(n, keep)
	if !ok {
		return nil, false
	}
	if !keep {
		return d.after(n, nil, jsonable(s))
	}
	v, ok := resolvePlain(s)
	return d.after(n, v, ok)
}

// after checks that a value that ended its line is not continued on a more
// indented line (a multi-line plain scalar, or an error), and returns it.
func (d *decoder) after(n int, v any, ok bool) (any, bool) {
	if !ok || d.indent > n {
		return nil, false
	}
	return v, true
}

// plainStart reports whether a plain scalar may start here in block
// context: not with an indicator, but with '-' or ':' when no space
// follows. '?', which could too, is declined.
func (d *decoder) plainStart() bool {
	switch d.peek() {
	case '-', ':':
		return !d.blankAt(d.pos + 1)
	case '?', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\t', 0:
		return false
	}
	return true
}
