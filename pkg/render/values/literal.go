package values

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ParseSetLiteral parses a --set-literal line, "name=value", into dest. The
// value is everything after the first '=' of the key's end, taken literally:
// no commas split it, no backslash escapes, no type inference.
func ParseSetLiteral(s string, dest map[string]any) error {
	p := &literalParser{sc: bytes.NewBufferString(s)}
	for {
		err := p.key(dest, 0)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
}

// literalParser reads a --set-literal line. Keys use the --set grammar
// without escapes; the value runs to the end of the line.
type literalParser struct {
	sc *bytes.Buffer
}

func (p *literalParser) key(data map[string]any, level int) error {
	k, last, err := runesUntil(p.sc, "=[.", false)
	switch {
	case err != nil:
		if len(k) == 0 {
			return err
		}
		return fmt.Errorf("key %q has no value", string(k))
	case last == '=':
		setKey(data, string(k), p.rest())
		return nil
	case last == '.':
		level++
		if level > MaxNestedNameLevel {
			return fmt.Errorf("value name nested level is greater than maximum supported nested level of %d", MaxNestedNameLevel)
		}
		inner, err := existingMap(data, string(k))
		if err != nil {
			return err
		}
		e := p.key(inner, level)
		if e == nil && len(inner) == 0 {
			return fmt.Errorf("key map %q has no value", string(k))
		}
		if len(inner) != 0 {
			setKey(data, string(k), inner)
		}
		return e
	default: // '['
		i, err := p.keyIndex()
		if err != nil {
			return fmt.Errorf("error parsing index: %w", err)
		}
		name := string(k)
		list := []any{}
		if existing, ok := data[name]; ok {
			l, isList := existing.([]any)
			if !isList {
				return conversionError(existing, "[]interface {}")
			}
			list = l
		}
		list, err = p.listItem(list, i, level)
		setKey(data, name, list)
		return err
	}
}

// rest consumes and returns the rest of the line, read as runes like the
// keys (invalid UTF-8 becomes U+FFFD).
func (p *literalParser) rest() string {
	v := string([]rune(p.sc.String()))
	p.sc.Reset()
	return v
}

func (p *literalParser) keyIndex() (int, error) {
	v, _, err := runesUntil(p.sc, "]", false)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

func (p *literalParser) listItem(list []any, i, level int) ([]any, error) {
	if i < 0 {
		return list, fmt.Errorf("negative %d index not allowed", i)
	}
	k, last, err := runesUntil(p.sc, "[.=", false)
	switch {
	case len(k) > 0:
		return list, fmt.Errorf("unexpected data at end of array index: %q", k)
	case err != nil:
		return list, err
	case last == '=':
		return setIndex(list, i, p.rest())
	case last == '.':
		inner := map[string]any{}
		if len(list) > i {
			m, ok := list[i].(map[string]any)
			if !ok {
				m = map[string]any{}
				list[i] = m
			}
			inner = m
		}
		if err := p.key(inner, level); err != nil {
			return list, err
		}
		return setIndex(list, i, inner)
	default: // '['
		next, err := p.keyIndex()
		if err != nil {
			return list, fmt.Errorf("error parsing index: %w", err)
		}
		var inner []any
		if len(list) > i && list[i] != nil {
			l, ok := list[i].([]any)
			if !ok {
				return list, conversionError(list[i], "[]interface {}")
			}
			inner = l
		}
		inner, err = p.listItem(inner, next, level)
		if err != nil {
			return list, err
		}
		return setIndex(list, i, inner)
	}
}
