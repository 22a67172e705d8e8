package engine

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// compileGlob translates a glob pattern into an anchored regular
// expression, with the syntax and meaning of the glob package Helm's
// .Files.Glob uses (gobwas/glob with "/" as separator):
//
//   - "*" is any run of characters without "/", "**" any run, "?" one
//     character other than "/";
//   - "[abc]" and "[!abc]" are one character of (not of) a list, "[a-z]"
//     and "[!a-z]" of a range, one of either per brackets; they match "/"
//     too;
//   - "{a,b}" is either alternative, nested as deep as needed; braces left
//     open are closed at the end, and "}" and "," outside braces are
//     ordinary;
//   - "\" makes the next character ordinary.
//
// Malformed brackets are an error, which Glob takes as "match everything",
// as Helm does.
func compileGlob(pattern string) (*regexp.Regexp, error) {
	if !utf8.ValidString(pattern) {
		return nil, errors.New("glob is not valid UTF-8")
	}
	p := &globParser{src: pattern}
	var b strings.Builder
	b.WriteString(`^(?s:`)
	if _, err := p.sequence(&b, 0); err != nil {
		return nil, err
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}

// globParser reads a glob pattern one character at a time.
type globParser struct {
	src string
	pos int
}

func (p *globParser) next() (rune, bool) {
	if p.pos >= len(p.src) {
		return 0, false
	}
	r, w := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += w
	return r, true
}

func (p *globParser) peek() (rune, bool) {
	if p.pos >= len(p.src) {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return r, true
}

// sequence writes the pattern up to its end or, inside depth braces, up to
// the "," or "}" that ends the alternative, and returns that rune (0 at the
// end of the pattern).
func (p *globParser) sequence(b *strings.Builder, depth int) (rune, error) {
	for {
		r, ok := p.next()
		switch {
		case !ok:
			return 0, nil
		case depth > 0 && (r == ',' || r == '}'):
			return r, nil
		case r == '*':
			if next, _ := p.peek(); next == '*' {
				p.pos++
				b.WriteString(`.*`)
			} else {
				b.WriteString(`[^/]*`)
			}
		case r == '?':
			b.WriteString(`[^/]`)
		case r == '[':
			if err := p.class(b); err != nil {
				return 0, err
			}
		case r == '{':
			stop, err := p.alternatives(b, depth+1)
			if err != nil || stop == 0 {
				return 0, err
			}
		default:
			p.pos -= utf8.RuneLen(r)
			p.text(b, depth > 0)
		}
	}
}

// alternatives writes "{a,b,...}" (the "{" read) as a group and returns
// "}", or 0 when the pattern ended first.
func (p *globParser) alternatives(b *strings.Builder, depth int) (rune, error) {
	b.WriteString(`(?:`)
	for {
		stop, err := p.sequence(b, depth)
		if err != nil {
			return 0, err
		}
		if stop != ',' {
			b.WriteString(`)`)
			return stop, nil
		}
		b.WriteString(`|`)
	}
}

// text writes ordinary characters up to the next special one; a "\" makes
// the character after it ordinary (a "\" at the end is dropped).
func (p *globParser) text(b *strings.Builder, inBraces bool) {
	breakers := "?*[{"
	if inBraces {
		breakers = "?*[{},"
	}
	var text []byte
	for {
		r, ok := p.peek()
		if !ok || strings.ContainsRune(breakers, r) {
			break
		}
		p.pos += utf8.RuneLen(r)
		if r == '\\' {
			if r, ok = p.next(); !ok {
				break
			}
		}
		text = utf8.AppendRune(text, r)
	}
	b.WriteString(regexp.QuoteMeta(string(text)))
}

// class writes "[...]" (the "[" read): "!" first negates; "x-y" is a range
// when it is all there is, anything else a list of characters, with "\"
// making the next one ordinary.
func (p *globParser) class(b *strings.Builder) error {
	not := ""
	r, ok := p.next()
	if ok && r == '!' {
		not = "^"
		r, ok = p.next()
	}
	if !ok {
		return fmt.Errorf("unterminated character class in %q", p.src)
	}
	if next, _ := p.peek(); next == '-' {
		p.pos++
		hi, ok := p.next()
		if end, _ := p.next(); !ok || end != ']' {
			return fmt.Errorf("a range in %q must be [x-y]", p.src)
		}
		if hi < r {
			return fmt.Errorf("range %c-%c in %q is backwards", r, hi, p.src)
		}
		b.WriteString("[" + not)
		writeClassRune(b, r)
		b.WriteString("-")
		writeClassRune(b, hi)
		b.WriteString("]")
		return nil
	}
	p.pos -= utf8.RuneLen(r)
	var chars []rune
	for {
		r, ok := p.next()
		switch {
		case !ok:
			return fmt.Errorf("unterminated character class in %q", p.src)
		case r == ']':
			if len(chars) == 0 {
				return fmt.Errorf("empty character class in %q", p.src)
			}
			b.WriteString("[" + not)
			for _, c := range chars {
				writeClassRune(b, c)
			}
			b.WriteString("]")
			return nil
		case r == '\\':
			if r, ok = p.next(); ok {
				chars = append(chars, r)
			}
		default:
			chars = append(chars, r)
		}
	}
}

// writeClassRune writes r as an escape that means r inside a character
// class, whatever r is.
func writeClassRune(b *strings.Builder, r rune) {
	b.WriteString(`\x{`)
	b.WriteString(strconv.FormatInt(int64(r), 16))
	b.WriteString(`}`)
}
