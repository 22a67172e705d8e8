package plainyaml

import (
	"strings"
	"unicode/utf8"
)

// maxKeyLen bounds implicit keys: go-yaml fails on those longer than 1024
// characters, and longer ones are declined.
const maxKeyLen = 1000

// keyStatus is what key found.
type keyStatus int

const (
	// keyNotFound: the line holds no "key:" here (a scalar, say).
	keyNotFound keyStatus = iota
	// keyFound: a key, with its ':' consumed.
	keyFound
	// keyDeclined: a key this package does not decode (not a string, the
	// merge key, too long) or text it cannot be sure of.
	keyDeclined
)

// skipSpaces skips spaces; a tab, which YAML allows only in some places,
// makes it fail.
func (d *decoder) skipSpaces() bool {
	for d.pos < len(d.src) && d.src[d.pos] == ' ' {
		d.pos++
	}
	return d.peek() != '\t'
}

// endLine consumes the rest of the line, spaces and a comment, and moves
// to the next line with content. It fails when anything else is left.
func (d *decoder) endLine() bool {
	if !d.skipSpaces() {
		return false
	}
	if d.peek() == '#' {
		if d.pos > 0 && d.src[d.pos-1] != ' ' {
			return false
		}
		d.pos = d.lineEnd(d.pos)
	}
	switch {
	case d.pos >= len(d.src):
		d.indent = -1
		return true
	case d.src[d.pos] != '\n':
		return false
	}
	d.pos++
	d.lineStart = d.pos
	return d.skipToContent()
}

// lineEnd returns the offset of the line feed ending the line at i, or the
// end of the document.
func (d *decoder) lineEnd(i int) int {
	if nl := strings.IndexByte(d.src[i:], '\n'); nl >= 0 {
		return i + nl
	}
	return len(d.src)
}

// skipToContent moves from the start of a line past blank and comment
// lines to the first non-space byte of the next line with content, and
// sets indent. It fails on a tab in the indentation and on document
// markers and directives.
func (d *decoder) skipToContent() bool {
	for {
		i := d.pos
		for i < len(d.src) && d.src[i] == ' ' {
			i++
		}
		switch {
		case i >= len(d.src):
			d.pos, d.indent = i, -1
			return true
		case d.src[i] == '\t':
			return false
		case d.src[i] == '\n' || d.src[i] == '#':
			d.pos = d.lineEnd(i)
			if d.pos < len(d.src) {
				d.pos++
			}
			d.lineStart = d.pos
			continue
		}
		if i == d.pos && d.marker(i) {
			return false
		}
		d.pos, d.indent = i, i-d.lineStart
		return true
	}
}

// marker reports whether a line starting at i is a document marker or a
// directive.
func (d *decoder) marker(i int) bool {
	rest := d.src[i:]
	if strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "...") {
		return d.blankAt(i + 3)
	}
	return rest[0] == '%'
}

// key reads an implicit key, plain or quoted, and its ':'.
func (d *decoder) key() (string, keyStatus) {
	start := d.pos
	var key string
	switch c := d.peek(); {
	case c == '"' || c == '\'':
		s, ok := d.quoted(-1)
		if !ok {
			return "", keyDeclined
		}
		key = s
		if !d.skipSpaces() {
			return "", keyDeclined
		}
	case !d.plainStart():
		return "", keyNotFound
	default:
		s, st := d.plainKey()
		if st != keyFound {
			return "", st
		}
		if !resolvesToItself(s) {
			return "", keyDeclined // true:, 1:, null: are not string keys
		}
		key = s
	}
	if d.peek() != ':' || !d.blankAt(d.pos+1) {
		return "", keyNotFound
	}
	if d.pos-start > maxKeyLen || key == "<<" {
		return "", keyDeclined
	}
	d.pos++
	return key, keyFound
}

// plainKey reads a plain scalar up to the ':' that makes it a key.
func (d *decoder) plainKey() (string, keyStatus) {
	for i := d.pos; i < len(d.src); i++ {
		switch d.src[i] {
		case '\n':
			return "", keyNotFound
		case '\t':
			return "", keyDeclined
		case ' ':
			if i+1 < len(d.src) && d.src[i+1] == '#' {
				return "", keyNotFound
			}
		case ':':
			if d.blankAt(i + 1) {
				key := strings.TrimRight(d.src[d.pos:i], " ")
				d.pos = i
				return key, keyFound
			}
		}
	}
	return "", keyNotFound
}

// plain reads one line of a plain scalar that is a value: to the end of
// the line or a comment, without the spaces before them. comment reports
// that a comment ends it. A ': ' in it, which YAML rejects there, makes
// it fail.
func (d *decoder) plain() (s string, comment, ok bool) {
	start, end := d.pos, d.pos
	i := d.pos
	for ; i < len(d.src) && d.src[i] != '\n'; i++ {
		switch c := d.src[i]; c {
		case '\t':
			return "", false, false
		case ':':
			if d.blankAt(i + 1) {
				return "", false, false
			}
		case ' ':
			if i+1 < len(d.src) && d.src[i+1] == '#' {
				d.pos = i
				return d.src[start:end], true, true
			}
			continue
		}
		end = i + 1
	}
	d.pos = i
	return d.src[start:end], false, true
}

// plainValue reads a plain scalar value of the block at column n, which
// continues on following lines indented more than n (folded: one line
// break becomes a space, n+1 line breaks n), and moves to the next line
// with content.
func (d *decoder) plainValue(n int, keep bool) (string, bool) {
	s, comment, ok := d.plain()
	var folded []byte
	done := false
	for ok && !comment && !done && d.pos < len(d.src) {
		d.pos++ // the line break
		d.lineStart = d.pos
		breaks, more, cont := d.continuation(n)
		switch {
		case !cont:
			return "", false
		case !more:
			d.pos = d.lineStart
			done = true
			continue
		}
		var line string
		if line, comment, ok = d.plain(); ok && keep {
			folded = appendFolded(folded, s, breaks, line)
		}
	}
	switch {
	case !ok:
		return "", false
	case done:
		ok = d.skipToContent()
	default:
		ok = d.endLine()
	}
	if folded != nil {
		s = string(folded)
	}
	return s, ok
}

// appendFolded appends to folded (which starts as first) a continuation
// line of a plain scalar after breaks empty lines.
func appendFolded(folded []byte, first string, breaks int, line string) []byte {
	if folded == nil {
		folded = append(folded, first...)
	}
	return append(appendBreaks(folded, breaks), line...)
}

// continuation moves past the empty lines after a line of a plain scalar
// of the block at column n, counting them, and reports whether the scalar
// goes on: a line indented more than n that is not a comment. A tab in the
// indentation makes it fail.
func (d *decoder) continuation(n int) (breaks int, more, ok bool) {
	for {
		i := d.pos
		for i < len(d.src) && d.src[i] == ' ' {
			i++
		}
		switch {
		case i < len(d.src) && d.src[i] == '\t':
			return 0, false, false
		case i >= len(d.src):
			return breaks, false, true
		case d.src[i] == '\n':
			breaks++
			d.pos = i + 1
			d.lineStart = d.pos
			continue
		case i-d.lineStart <= n || d.src[i] == '#':
			return breaks, false, true
		}
		d.pos = i
		return breaks, true, true
	}
}

// quoted reads a single- or double-quoted scalar. One that is a value of
// the block at column n may go on over lines indented more than n (folded
// as YAML folds them); n < 0 (a key) keeps it on its line.
func (d *decoder) quoted(n int) (string, bool) {
	q := d.src[d.pos]
	start := d.pos + 1
	var b []byte // the value, once it is not a plain slice of the source
	copied := false
	seg := start
	for i := start; i < len(d.src); {
		switch c := d.src[i]; {
		case c == '\t':
			return "", false
		case c == q && q == '\'' && i+1 < len(d.src) && d.src[i+1] == '\'':
			b, copied = append(b, d.src[seg:i+1]...), true
			i += 2
			seg = i
		case c == q:
			d.pos = i + 1
			if !copied {
				return d.src[start:i], true
			}
			return string(append(b, d.src[seg:i]...)), true
		case c == '\\' && q == '"':
			b, copied = append(b, d.src[seg:i]...), true
			var size int
			var ok bool
			if b, size, ok = appendEscape(b, d.src[i+1:]); !ok {
				return "", false
			}
			i += 1 + size
			seg = i
		case c == '\n':
			if n < 0 {
				return "", false
			}
			b, copied = append(b, strings.TrimRight(d.src[seg:i], " ")...), true
			var breaks int
			var ok bool
			if i, breaks, ok = d.quotedBreaks(i, n); !ok {
				return "", false
			}
			b = appendBreaks(b, breaks)
			seg = i
		default:
			i++
		}
	}
	return "", false
}

// quotedBreaks moves from the line break at i inside a quoted scalar of
// the block at column n past the empty lines and the indentation of the
// next line, which must be indented more than n, and returns where its
// text starts and how many empty lines there were.
func (d *decoder) quotedBreaks(i, n int) (next, breaks int, ok bool) {
	for {
		i++
		d.lineStart = i
		for i < len(d.src) && d.src[i] == ' ' {
			i++
		}
		switch {
		case i >= len(d.src) || d.src[i] == '\t':
			return 0, 0, false
		case d.src[i] == '\n':
			breaks++
			continue
		case i-d.lineStart <= n:
			return 0, 0, false
		}
		return i, breaks, true
	}
}

// appendBreaks appends how a line break followed by breaks empty lines
// folds: a space, or breaks line feeds.
func appendBreaks(b []byte, breaks int) []byte {
	if breaks == 0 {
		return append(b, ' ')
	}
	for range breaks {
		b = append(b, '\n')
	}
	return b
}

// simpleEscapes are the one-character escapes of double-quoted scalars.
var simpleEscapes = map[byte]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", 'n': "\n", 'v': "\v", 'f': "\f", 'r': "\r",
	'e': "\x1b", ' ': " ", '"': "\"", '\'': "'", '\\': "\\",
	'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

// appendEscape appends the character the escape at the start of rest (after
// its backslash) stands for, and returns how many bytes it took.
func appendEscape(b []byte, rest string) ([]byte, int, bool) {
	if rest == "" {
		return b, 0, false
	}
	if s, ok := simpleEscapes[rest[0]]; ok {
		return append(b, s...), 1, true
	}
	var digits int
	switch rest[0] {
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	}
	if digits == 0 || len(rest) < 1+digits {
		return b, 0, false
	}
	var v rune
	for _, c := range []byte(rest[1 : 1+digits]) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return b, 0, false
		}
	}
	if (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff {
		return b, 0, false
	}
	return utf8.AppendRune(b, v), 1 + digits, true
}

func alnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
