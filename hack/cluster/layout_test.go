//go:build unix

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestTail(t *testing.T) {
	l := newLayout(t.TempDir())
	if err := os.MkdirAll(l.dir+"/logs", 0o755); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	for i := range 30 {
		fmt.Fprintf(&log, "line %d\n", i)
	}
	if err := os.WriteFile(l.logFile("etcd"), []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := l.tail("etcd", 2), "    line 28\n    line 29"; got != want {
		t.Errorf("tail = %q, want %q", got, want)
	}
	if got := l.tail("kwok", 2); !strings.Contains(got, "no log") {
		t.Errorf("tail of a missing log = %q, want it to say there is no log", got)
	}
}
