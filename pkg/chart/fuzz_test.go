package chart

import (
	"bytes"
	"testing"
)

// FuzzLoadArchive feeds arbitrary bytes to the archive loader: it must
// return a chart or an error, never panic, and whatever it accepts must pack
// and load again. Seeds are in testdata/fuzz/FuzzLoadArchive.
func FuzzLoadArchive(f *testing.F) {
	if c, err := LoadDir("testdata/archived"); err == nil {
		var buf bytes.Buffer
		if err := WriteArchive(&buf, c); err == nil {
			f.Add(buf.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadArchive(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteArchive(&buf, c); err != nil {
			// Load accepts a schema that is not JSON; packing refuses it.
			if c.Schema == nil {
				t.Fatalf("WriteArchive of a loaded chart: %v", err)
			}
			return
		}
		if _, err := LoadArchive(&buf); err != nil {
			t.Fatalf("loading a repacked chart: %v", err)
		}
	})
}
