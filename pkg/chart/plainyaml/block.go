package plainyaml

// chomping is a block scalar's chomping indicator.
type chomping int

const (
	chompClip  chomping = iota // no indicator: one final line break
	chompStrip                 // '-': none
	chompKeep                  // '+': all
)

// blockScalar reads a literal (|) or folded (>) block scalar in the block
// at column n, the way go-yaml's scanner does. Indentation indicators are
// declined.
func (d *decoder) blockScalar(n int, keep bool) (any, bool) {
	literal := d.src[d.pos] == '|'
	d.pos++
	chomp := chompClip
	switch d.peek() {
	case '-':
		chomp = chompStrip
		d.pos++
	case '+':
		chomp = chompKeep
		d.pos++
	}
	if c := d.peek(); c >= '0' && c <= '9' {
		return nil, false
	}
	if !d.headerEnd() {
		return nil, false
	}
	indent := 0
	trailing, ok := d.blockBreaks(&indent, n)
	if !ok {
		return nil, false
	}
	s, ok := d.blockContent(indent, n, trailing, literal, keep)
	if !ok {
		return nil, false
	}
	switch chomp {
	case chompStrip:
		s.leadingBreak = false
		s.trailing = 0
	case chompClip:
		s.trailing = 0
	}
	if d.pos >= len(d.src) {
		d.indent = -1
	} else {
		d.pos = d.lineStart
		if !d.skipToContent() {
			return nil, false
		}
	}
	if !keep {
		return nil, true
	}
	return s.finish(), true
}

// headerEnd consumes the rest of a block scalar's header line: spaces, a
// comment after a space, and the line break.
func (d *decoder) headerEnd() bool {
	if !d.skipSpaces() {
		return false
	}
	if d.peek() == '#' {
		if d.src[d.pos-1] != ' ' {
			return false
		}
		d.pos = d.lineEnd(d.pos)
	}
	if d.peek() != '\n' {
		return false
	}
	d.pos++
	d.lineStart = d.pos
	return true
}

// blockText is a block scalar's content as it is read.
type blockText struct {
	b []byte
	// leadingBreak: the last content line ended with a line break;
	// trailing: the empty lines after it.
	leadingBreak bool
	trailing     int
}

func (s *blockText) finish() string {
	if s.leadingBreak {
		s.b = append(s.b, '\n')
	}
	for range s.trailing {
		s.b = append(s.b, '\n')
	}
	return string(s.b)
}

// blockContent reads the lines of a block scalar at indent, folding them
// when not literal.
func (d *decoder) blockContent(indent, n, trailing int, literal, keep bool) (blockText, bool) {
	s := blockText{trailing: trailing}
	leadingBlank := false
	for d.col() == indent && d.pos < len(d.src) {
		trailingBlank := d.src[d.pos] == ' ' || d.src[d.pos] == '\t'
		if keep {
			switch {
			case !literal && s.leadingBreak && !leadingBlank && !trailingBlank:
				if s.trailing == 0 {
					s.b = append(s.b, ' ')
				}
			case s.leadingBreak:
				s.b = append(s.b, '\n')
			}
			for range s.trailing {
				s.b = append(s.b, '\n')
			}
		}
		s.leadingBreak, s.trailing = false, 0
		leadingBlank = trailingBlank
		end := d.lineEnd(d.pos)
		if keep {
			s.b = append(s.b, d.src[d.pos:end]...)
		}
		d.pos = end
		if d.pos >= len(d.src) {
			break
		}
		d.pos++
		d.lineStart = d.pos
		s.leadingBreak = true
		var ok bool
		if s.trailing, ok = d.blockBreaks(&indent, n); !ok {
			return s, false
		}
	}
	return s, true
}

// blockBreaks consumes the indentation and the empty lines before a block
// scalar's next line, and returns how many line breaks it consumed. With
// indent 0 it sets indent from the lines it read: the deepest, at least
// one more than n.
func (d *decoder) blockBreaks(indent *int, n int) (int, bool) {
	breaks, maxIndent := 0, 0
	for {
		for (*indent == 0 || d.col() < *indent) && d.peek() == ' ' {
			d.pos++
		}
		maxIndent = max(maxIndent, d.col())
		if (*indent == 0 || d.col() < *indent) && d.peek() == '\t' {
			return 0, false
		}
		if d.peek() != '\n' {
			break
		}
		d.pos++
		d.lineStart = d.pos
		breaks++
	}
	if *indent == 0 {
		*indent = max(maxIndent, n+1, 1)
	}
	return breaks, true
}
