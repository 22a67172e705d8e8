package release

import (
	"fmt"
	"testing"
)

func TestNew(t *testing.T) {
	clients := testClients(t)
	tests := []struct {
		driver string
		want   string // %T of the store, kind for KubeStore
		err    string
	}{
		{"", "Secret", ""},
		{"secret", "Secret", ""},
		{"Secrets", "Secret", ""},
		{"configmap", "ConfigMap", ""},
		{"configmaps", "ConfigMap", ""},
		{"memory", "*release.Memory", ""},
		{"sql", "", `unknown release storage driver "sql": use one of secret, configmap, memory`},
	}
	for _, tt := range tests {
		s, err := New(tt.driver, clients, "ns")
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("New(%q) error = %v, want %q", tt.driver, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q): %v", tt.driver, err)
			continue
		}
		got := fmt.Sprintf("%T", s)
		if k, ok := s.(*KubeStore); ok {
			got = k.objects.kind()
		}
		if got != tt.want {
			t.Errorf("New(%q) = %s, want %s", tt.driver, got, tt.want)
		}
	}
}
