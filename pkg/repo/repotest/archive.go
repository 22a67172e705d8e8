package repotest

import (
	"bytes"
	"testing"

	"github.com/berth-sh/berth/pkg/chart"
)

// Archive packs a small valid chart NAME at VERSION (apiVersion v2, one
// ConfigMap template) and returns the .tgz bytes.
func Archive(t testing.TB, name, version string) []byte {
	t.Helper()
	ch := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: version, Description: "test chart"},
		Templates: []*chart.File{{
			Name: "templates/configmap.yaml",
			Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-" + name + "\n"),
		}},
		RawValues: []byte("replicas: 1\n"),
	}
	var buf bytes.Buffer
	if err := chart.WriteArchive(&buf, ch); err != nil {
		t.Fatalf("repotest: pack %s-%s: %v", name, version, err)
	}
	return buf.Bytes()
}
