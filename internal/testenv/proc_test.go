package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		wantState byte
		wantPPID  int
		wantErr   bool
	}{
		{name: "plain", content: "42 (etcd) S 7 42 42 0 -1", wantState: 'S', wantPPID: 7},
		{name: "comm with parentheses and spaces", content: "42 (a) Z (b) Z 9 42 42 0", wantState: 'Z', wantPPID: 9},
		{name: "truncated", content: "42 (etcd)", wantErr: true},
		{name: "bad ppid", content: "42 (etcd) S x 42", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "stat")
			if err := os.WriteFile(path, []byte(tt.content+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			state, ppid, err := parseStat(path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStat(%q) error = %v, want error %v", tt.content, err, tt.wantErr)
			}
			if !tt.wantErr && (state != tt.wantState || ppid != tt.wantPPID) {
				t.Errorf("parseStat(%q) = %c, %d; want %c, %d", tt.content, state, ppid, tt.wantState, tt.wantPPID)
			}
		})
	}
}
