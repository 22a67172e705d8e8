package values

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// MaxIndex is the largest list index --set accepts (a[65536]); larger ones
// would let a short flag allocate a huge list.
const MaxIndex = 65536

// MaxNestedNameLevel is the deepest key --set accepts (a.b.c... with at most
// this many dots).
const MaxNestedNameLevel = 30

// errNotList tells the value reader that a value is not a {a,b} list.
var errNotList = errors.New("not a list")

// ParseSet parses a --set line, "name1=value1,name2=value2", into dest.
// Values are typed: true/false, null, and base-10 integers without a leading
// zero become bool, nil and int64; everything else stays a string.
func ParseSet(s string, dest map[string]any) error {
	return newSetParser(s, dest, func(rs []rune) (any, error) { return typedValue(string(rs)), nil }).parse()
}

// ParseSetString parses a --set-string line into dest, keeping every value a
// string.
func ParseSetString(s string, dest map[string]any) error {
	return newSetParser(s, dest, func(rs []rune) (any, error) { return string(rs), nil }).parse()
}

// ParseSetJSON parses a --set-json line, "name1=jsonval1,name2=jsonval2",
// into dest. An empty value is null.
func ParseSetJSON(s string, dest map[string]any) error {
	p := newSetParser(s, dest, nil)
	p.json = true
	return p.parse()
}

// ParseSetFile parses a --set-file line, "name1=path1,name2=path2", into dest;
// each value is the content of the file it names, read with readFile.
func ParseSetFile(s string, dest map[string]any, readFile func(path string) ([]byte, error)) error {
	return newSetParser(s, dest, func(rs []rune) (any, error) {
		data, err := readFile(string(rs))
		if err != nil {
			return nil, err
		}
		return string(data), nil
	}).parse()
}

// setParser reads a --set line rune by rune into data. reader turns the runes
// of one value into the value stored; json parsers decode values as JSON.
type setParser struct {
	sc     *bytes.Buffer
	data   map[string]any
	reader func([]rune) (any, error)
	json   bool
}

func newSetParser(s string, dest map[string]any, reader func([]rune) (any, error)) *setParser {
	return &setParser{sc: bytes.NewBufferString(s), data: dest, reader: reader}
}

func (p *setParser) parse() error {
	for {
		err := p.key(p.data, 0)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
}

// key reads one key (with its nested keys and indexes) and its value.
func (p *setParser) key(data map[string]any, level int) error {
	k, last, err := runesUntil(p.sc, "=[,.", true)
	switch {
	case err != nil:
		if len(k) == 0 {
			return err
		}
		return fmt.Errorf("key %q has no value", string(k))
	case last == '[':
		return p.keyList(data, string(k), level)
	case last == '=':
		return p.keyValue(data, string(k))
	case last == ',':
		setKey(data, string(k), "")
		return fmt.Errorf("key %q has no value (cannot end with ,)", string(k))
	default: // '.'
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
	}
}

// keyList handles "name[i]...": it finds or creates the list under name.
func (p *setParser) keyList(data map[string]any, name string, level int) error {
	i, err := p.keyIndex()
	if err != nil {
		return fmt.Errorf("error parsing index: %w", err)
	}
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

// keyValue reads the value after "name=".
func (p *setParser) keyValue(data map[string]any, name string) error {
	if p.json {
		v, err := p.jsonValue()
		if err != nil {
			return err
		}
		setKey(data, name, v)
		return nil
	}
	list, err := p.valueList()
	switch {
	case err == nil:
		setKey(data, name, list)
		return nil
	case errors.Is(err, io.EOF):
		setKey(data, name, "")
		return err
	case errors.Is(err, errNotList):
		rs, err := p.value()
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		v, err := p.reader(rs)
		setKey(data, name, v)
		return err
	default:
		return err
	}
}

// jsonValue decodes one JSON value and skips the blanks and comma after it;
// an empty value is null.
func (p *setParser) jsonValue() (any, error) {
	empty, err := p.emptyValue()
	if err != nil || empty {
		return nil, err
	}
	// The decoder buffers ahead, so it reads a copy of the rest and the parser
	// then skips exactly the bytes the value took.
	var v any
	dec := json.NewDecoder(strings.NewReader(p.sc.String()))
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	p.sc.Next(int(dec.InputOffset()))
	if _, err := p.emptyValue(); err != nil {
		return nil, err
	}
	return v, nil
}

// listItem reads what follows "[i]": "=value", ".key", or another "[j]".
func (p *setParser) listItem(list []any, i, level int) ([]any, error) {
	if i < 0 {
		return list, fmt.Errorf("negative %d index not allowed", i)
	}
	k, last, err := runesUntil(p.sc, "[.=", true)
	switch {
	case len(k) > 0:
		// %q of the runes, as Helm prints it: ['b'].
		return list, fmt.Errorf("unexpected data at end of array index: %q", k)
	case err != nil:
		return list, err
	case last == '=':
		return p.listValue(list, i)
	case last == '[':
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
	default: // '.'
		inner := map[string]any{}
		if len(list) > i {
			m, ok := list[i].(map[string]any)
			if !ok {
				// Indexes given out of order left a hole here.
				m = map[string]any{}
				list[i] = m
			}
			inner = m
		}
		if err := p.key(inner, level); err != nil {
			return list, err
		}
		return setIndex(list, i, inner)
	}
}

// listValue reads the value after "name[i]=".
func (p *setParser) listValue(list []any, i int) ([]any, error) {
	if p.json {
		v, err := p.jsonValue()
		if err != nil {
			return list, err
		}
		return setIndex(list, i, v)
	}
	vl, err := p.valueList()
	switch {
	case err == nil:
		return setIndex(list, i, vl)
	case errors.Is(err, io.EOF):
		return setIndex(list, i, "")
	case errors.Is(err, errNotList):
		rs, err := p.value()
		if err != nil && !errors.Is(err, io.EOF) {
			return list, err
		}
		v, err := p.reader(rs)
		if err != nil {
			return list, err
		}
		return setIndex(list, i, v)
	default:
		return list, err
	}
}

func (p *setParser) keyIndex() (int, error) {
	v, _, err := runesUntil(p.sc, "]", true)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

// emptyValue consumes blanks up to a comma or the end (an empty value) or up
// to anything else, which it leaves unread.
func (p *setParser) emptyValue() (bool, error) {
	for {
		r, _, err := p.sc.ReadRune()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if r == ',' {
			return true, nil
		}
		if !unicode.IsSpace(r) {
			_ = p.sc.UnreadRune()
			return false, nil
		}
	}
}

func (p *setParser) value() ([]rune, error) {
	v, _, err := runesUntil(p.sc, ",", true)
	return v, err
}

// valueList reads a "{a,b,c}" list, or returns errNotList and leaves the
// input as it was.
func (p *setParser) valueList() ([]any, error) {
	r, _, err := p.sc.ReadRune()
	if err != nil {
		return []any{}, err
	}
	if r != '{' {
		_ = p.sc.UnreadRune()
		return []any{}, errNotList
	}
	list := []any{}
	for {
		rs, last, err := runesUntil(p.sc, ",}", true)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("list must terminate with '}'")
			}
			return list, err
		}
		if last == '}' {
			// A comma after the list ends this value.
			if r, _, err := p.sc.ReadRune(); err == nil && r != ',' {
				_ = p.sc.UnreadRune()
			}
			v, err := p.reader(rs)
			return append(list, v), err
		}
		v, err := p.reader(rs)
		if err != nil {
			return list, err
		}
		list = append(list, v)
	}
}

// runesUntil reads up to one of the stop runes, which it consumes and
// returns. With escapes, a backslash makes the rune after it literal.
func runesUntil(in io.RuneReader, stop string, escapes bool) ([]rune, rune, error) {
	v := []rune{}
	for {
		r, _, err := in.ReadRune()
		switch {
		case err != nil:
			return v, r, err
		case strings.ContainsRune(stop, r):
			return v, r, nil
		case escapes && r == '\\':
			next, _, err := in.ReadRune()
			if err != nil {
				return v, next, err
			}
			v = append(v, next)
		default:
			v = append(v, r)
		}
	}
}

// setKey sets data[key] unless key is empty, as Helm ignores empty names.
func setKey(data map[string]any, key string, v any) {
	if key == "" {
		return
	}
	data[key] = v
}

// existingMap returns the map under key, a new one when the key is absent,
// and an error when something else is there.
func existingMap(data map[string]any, key string) (map[string]any, error) {
	existing, ok := data[key]
	if !ok {
		return map[string]any{}, nil
	}
	m, isMap := existing.(map[string]any)
	if !isMap {
		return nil, conversionError(existing, "map[string]interface {}")
	}
	return m, nil
}

// setIndex sets list[index], growing the list with nils as needed.
func setIndex(list []any, index int, v any) ([]any, error) {
	if index < 0 {
		return list, fmt.Errorf("negative %d index not allowed", index)
	}
	if index > MaxIndex {
		return list, fmt.Errorf("index of %d is greater than maximum supported index of %d", index, MaxIndex)
	}
	if len(list) <= index {
		grown := make([]any, index+1)
		copy(grown, list)
		list = grown
	}
	list[index] = v
	return list, nil
}

// typedValue infers the type of a --set value as Helm does.
func typedValue(s string) any {
	switch {
	case strings.EqualFold(s, "true"):
		return true
	case strings.EqualFold(s, "false"):
		return false
	case strings.EqualFold(s, "null"):
		return nil
	case s == "0":
		return int64(0)
	}
	// A leading zero keeps the value a string ("0123" is not an integer).
	if s != "" && s[0] != '0' {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// conversionError reports a key used as a map or list where the line (or a
// values file) already set something else, in the words of Helm, which
// recovers from the failed type assertion.
func conversionError(got any, want string) error {
	name := "nil"
	if got != nil {
		name = fmt.Sprintf("%T", got)
	}
	return fmt.Errorf("unable to parse key: interface conversion: interface {} is %s, not %s", name, want)
}
