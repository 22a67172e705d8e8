package plainyaml

import (
	"slices"
	"strings"
)

// flow reads a flow collection on one line: {} or a sequence of quoted and
// simple plain scalars.
func (d *decoder) flow(keep bool) (any, bool) {
	open := d.src[d.pos]
	d.pos++
	if !d.skipSpaces() {
		return nil, false
	}
	if open == '{' {
		return d.flowMapping(keep)
	}
	var list []any
	if keep {
		list = []any{}
	}
	if d.peek() == ']' {
		d.pos++
		return list, true
	}
	for {
		v, ok := d.flowItem()
		if !ok || !d.skipSpaces() {
			return nil, false
		}
		if keep {
			list = append(list, v)
		}
		switch d.peek() {
		case ']':
			d.pos++
			return list, true
		case ',':
			d.pos++
			if !d.skipSpaces() || d.peek() == ']' {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

// flowMapping reads the rest of a flow mapping on one line, after its
// '{' and spaces: {} or "key: value" pairs of flow scalars (see flowItem)
// separated by commas, with string keys, each key once.
func (d *decoder) flowMapping(keep bool) (any, bool) {
	var m map[string]any
	if keep {
		m = map[string]any{}
	}
	if d.peek() == '}' {
		d.pos++
		if keep {
			return m, true
		}
		return nil, true
	}
	var seen []string
	for {
		start := d.pos
		k, ok := d.flowItem()
		key, isString := k.(string)
		if !ok || !isString || d.pos-start > maxKeyLen || key == "<<" || slices.Contains(seen, key) {
			return nil, false
		}
		if c := d.src[start]; c != '"' && c != '\'' && !resolvesToItself(key) {
			return nil, false
		}
		seen = append(seen, key)
		if d.peek() != ':' || !d.blankAt(d.pos+1) {
			return nil, false
		}
		d.pos++
		if !d.skipSpaces() {
			return nil, false
		}
		v, ok := d.flowItem()
		if !ok || !d.skipSpaces() {
			return nil, false
		}
		if keep {
			m[key] = v
		}
		switch d.peek() {
		case '}':
			d.pos++
			if keep {
				return m, true
			}
			return nil, true
		case ',':
			d.pos++
			if !d.skipSpaces() || d.peek() == '}' {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

// flowItem reads one scalar of a flow sequence: quoted, or plain of
// letters, digits and "_./+-" (starting with a letter, digit, '_' or '/',
// or a sign or dot before a letter or digit).
func (d *decoder) flowItem() (any, bool) {
	if c := d.peek(); c == '"' || c == '\'' {
		s, ok := d.quoted(-1)
		return s, ok
	}
	start := d.pos
	for d.pos < len(d.src) && flowPlainByte(d.src[d.pos]) {
		d.pos++
	}
	s := d.src[start:d.pos]
	if s == "" || (strings.IndexByte("+-.", s[0]) >= 0 && (len(s) < 2 || !alnum(s[1]))) {
		return nil, false
	}
	return resolvePlain(s)
}

func flowPlainByte(c byte) bool {
	return alnum(c) || strings.IndexByte("_./+-", c) >= 0
}
