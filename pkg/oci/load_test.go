package oci

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPushFileAndLoadChart(t *testing.T) {
	reg, c := plainRegistry(t)
	path := filepath.Join(t.TempDir(), "app-1.0.0.tgz")
	if err := os.WriteFile(path, simpleChart(t, "app", "1.0.0"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".prov", []byte("signature"), 0o600); err != nil {
		t.Fatal(err)
	}
	pushed, err := c.PushFile(t.Context(), path, reg.Ref("charts"))
	if err != nil {
		t.Fatal(err)
	}
	if pushed.ProvDigest == "" {
		t.Errorf("PushFile did not push %s.prov", path)
	}
	ch, res, err := c.LoadChart(t.Context(), reg.Ref("charts/app"), "^1")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Name() != "app" || ch.Metadata.Version != "1.0.0" || res.Digest != pushed.Digest || string(res.Prov) != "signature" {
		t.Errorf("LoadChart = %s %s, digest %s prov %q; want app 1.0.0, %s", ch.Name(), ch.Metadata.Version, res.Digest, res.Prov, pushed.Digest)
	}

	_, err = c.PushFile(t.Context(), filepath.Join(t.TempDir(), "nope.tgz"), reg.Ref("charts"))
	if err == nil || !strings.Contains(err.Error(), "read chart archive") {
		t.Errorf("PushFile of a missing file: error = %v", err)
	}
}
