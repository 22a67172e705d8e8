package cli

import (
	"io"
	"strings"
	"unicode"
)

// writeHelmTable writes rows as Helm's tables are written (gosuri/uitable),
// so that scripts cutting helm search repo's output cut berth's: each cell
// padded with spaces to its column's width, the last one too; a column is
// as wide as its widest cell but at most maxWidth (0: no limit); a longer
// cell is cut and ends with "..."; cells are joined by a tab.
func writeHelmTable(w io.Writer, maxWidth uint, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			cw := textWidth(cell)
			if maxWidth > 0 && cw > int(maxWidth) {
				cw = int(maxWidth)
			}
			widths[i] = max(widths[i], cw)
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(fitCell(cell, widths[i]))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fitCell pads s to width columns, or cuts it as uitable does: runes are
// kept up to the one that reaches width-3 columns, then "..." follows. A
// width of 0 leaves s as it is.
func fitCell(s string, width int) string {
	sw := textWidth(s)
	switch {
	case width == 0 || sw == width:
		return s
	case sw < width:
		return s + strings.Repeat(" ", width-sw)
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		b.WriteRune(r)
		rw := runeWidth(r)
		if used+rw >= width-3 {
			break
		}
		used += rw
	}
	return b.String() + "..."
}

// textWidth is how many terminal columns s takes.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// wideRanges are the East Asian wide and fullwidth blocks (CJK, kana,
// Hangul syllables, fullwidth forms, most emoji), two columns each.
var wideRanges = []struct{ lo, hi rune }{
	{0x1100, 0x115F},
	{0x231A, 0x231B},
	{0x2329, 0x232A},
	{0x23E9, 0x23EC},
	{0x23F0, 0x23F0},
	{0x23F3, 0x23F3},
	{0x25FD, 0x25FE},
	{0x2614, 0x2615},
	{0x2648, 0x2653},
	{0x267F, 0x267F},
	{0x2693, 0x2693},
	{0x26A1, 0x26A1},
	{0x26AA, 0x26AB},
	{0x26BD, 0x26BE},
	{0x26C4, 0x26C5},
	{0x26CE, 0x26CE},
	{0x26D4, 0x26D4},
	{0x26EA, 0x26EA},
	{0x26F2, 0x26F3},
	{0x26F5, 0x26F5},
	{0x26FA, 0x26FA},
	{0x26FD, 0x26FD},
	{0x2705, 0x2705},
	{0x270A, 0x270B},
	{0x2728, 0x2728},
	{0x274C, 0x274C},
	{0x274E, 0x274E},
	{0x2753, 0x2755},
	{0x2757, 0x2757},
	{0x2795, 0x2797},
	{0x27B0, 0x27B0},
	{0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C},
	{0x2B50, 0x2B50},
	{0x2B55, 0x2B55},
	{0x2E80, 0x303E},
	{0x3041, 0x33FF},
	{0x3400, 0x4DBF},
	{0x4E00, 0x9FFF},
	{0xA000, 0xA4CF},
	{0xA960, 0xA97F},
	{0xAC00, 0xD7A3},
	{0xF900, 0xFAFF},
	{0xFE10, 0xFE19},
	{0xFE30, 0xFE6F},
	{0xFF00, 0xFF60},
	{0xFFE0, 0xFFE6},
	{0x16FE0, 0x16FE4},
	{0x17000, 0x18CFF},
	{0x1B000, 0x1B2FF},
	{0x1F004, 0x1F004},
	{0x1F0CF, 0x1F0CF},
	{0x1F18E, 0x1F18E},
	{0x1F191, 0x1F19A},
	{0x1F200, 0x1F251},
	{0x1F300, 0x1F64F},
	{0x1F680, 0x1F6FF},
	{0x1F900, 0x1F9FF},
	{0x20000, 0x2FFFD},
	{0x30000, 0x3FFFD},
}

// runeWidth is 0 for control and combining characters, 2 for wide ones
// and 1 for the rest, as go-runewidth (which uitable uses) counts them
// outside East Asian locales.
func runeWidth(r rune) int {
	if r < 0x20 || (r >= 0x7F && r < 0xA0) || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	for _, wr := range wideRanges {
		if r >= wr.lo && r <= wr.hi {
			return 2
		}
	}
	return 1
}
