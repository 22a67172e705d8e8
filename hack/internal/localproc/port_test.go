//go:build unix

package localproc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFreePorts(t *testing.T) {
	ports, err := FreePorts(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || seen[p] {
			t.Errorf("FreePorts(3) = %v, want 3 distinct ports", ports)
		}
		seen[p] = true
	}
	if len(ports) != 3 {
		t.Errorf("FreePorts(3) = %v, want 3 ports", ports)
	}
}

func TestTailLines(t *testing.T) {
	dir := t.TempDir()
	var short, long strings.Builder
	for i := range 30 {
		fmt.Fprintf(&short, "line %d\n", i)
	}
	for i := range 20000 { // beyond the 64 KiB window
		fmt.Fprintf(&long, "line %d\n", i)
	}
	for name, data := range map[string]string{"short.log": short.String(), "long.log": long.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		file string
		n    int
		want []string
	}{
		{"short.log", 2, []string{"line 28", "line 29"}},
		{"long.log", 3, []string{"line 19997", "line 19998", "line 19999"}},
	}
	for _, tt := range tests {
		got, err := TailLines(filepath.Join(dir, tt.file), tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("TailLines(%s, %d) (-want +got):\n%s", tt.file, tt.n, diff)
		}
	}
	if _, err := TailLines(filepath.Join(dir, "missing.log"), 2); err == nil {
		t.Error("TailLines of a missing file succeeded")
	}
}
