package oci

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func TestEscapeNonASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ascii", "plain ascii"},
		{"Café", `Caf\u00e9`},
		{"日本", `\u65e5\u672c`},
		{"rocket 🚀", `rocket \ud83d\ude80`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := escapeNonASCII(tt.in); got != tt.want {
			t.Errorf("escapeNonASCII(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestManifestAnnotations(t *testing.T) {
	md := &chart.Metadata{
		Name: "app", Version: "1.0.0", Description: "   ", Home: "https://h",
		Maintainers: []*chart.Maintainer{{Name: "Ann", Email: "a@x"}, {Email: "b@x"}, {Name: "Cy"}},
		Annotations: map[string]string{
			"org.opencontainers.image.version":     "9.9.9",
			"org.opencontainers.image.description": "from annotations",
			"empty":                                "",
		},
	}
	got := manifestAnnotations(md, time.Date(2020, 9, 22, 22, 4, 5, 0, time.FixedZone("x", 3600)))
	want := map[string]string{
		"org.opencontainers.image.title":       "app",
		"org.opencontainers.image.version":     "1.0.0",
		"org.opencontainers.image.url":         "https://h",
		"org.opencontainers.image.created":     "2020-09-22T21:04:05Z",
		"org.opencontainers.image.authors":     "Ann (a@x),  (b@x), Cy",
		"org.opencontainers.image.description": "from annotations",
		"empty":                                "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestConfigJSONv1Chart(t *testing.T) {
	archive := makeArchive(t, "old", time.Unix(0, 0),
		chartFile{"Chart.yaml", "name: old\nversion: 0.1.0\n"},
		chartFile{"requirements.yaml", "dependencies:\n- name: db\n  version: ~1\n  repository: https://charts\n  import-values: [data]\n"})
	info, err := readArchive(archive)
	if err != nil {
		t.Fatal(err)
	}
	got, err := configJSON(normalize(info.Metadata))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"old","version":"0.1.0","apiVersion":"v1","dependencies":[{"name":"db","version":"~1","repository":"https://charts","import-values":["data"]}]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
