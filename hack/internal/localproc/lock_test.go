//go:build unix

package localproc

import (
	"strings"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir, "test", time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	waited := 0
	_, err = Lock(dir, "hack/test.sh", 300*time.Millisecond, func() { waited++ })
	if err == nil || !strings.Contains(err.Error(), "against other runs of hack/test.sh") {
		t.Errorf("second Lock: error %v, want it to name the other runs", err)
	}
	if waited != 1 {
		t.Errorf("onWait called %d times, want 1", waited)
	}
	unlock()
	unlock, err = Lock(dir, "test", time.Second, nil)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock()
	if _, err := Lock(dir+"/missing", "test", time.Second, nil); err == nil {
		t.Error("Lock of a missing directory succeeded")
	}
}
