package release

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

// FuzzDecodePayload feeds arbitrary bytes to the release record decoder,
// as a tampered or truncated Secret would: it must return a release or an
// ErrCorrupt error, never panic, and a release it accepts must encode and
// decode again to the same release. Seeds are in
// testdata/fuzz/FuzzDecodePayload.
func FuzzDecodePayload(f *testing.F) {
	rel := &Release{
		Name: "web", Namespace: "prod", Revision: 3, Status: StatusDeployed, Description: "Upgrade complete",
		Chart:        &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "web", Version: "1.2.3"},
		Values:       map[string]any{"replicas": 3.0, "image": map[string]any{"tag": "v1"}},
		Manifest:     "---\n# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\n",
		Hooks:        []*Hook{{Name: "migrate", Kind: "Job", Events: []HookEvent{"pre-upgrade"}}},
		LastDeployed: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC),
	}
	payload, err := encodePayload(rel)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload)
	f.Add(gzipped(f, `{}`))
	f.Add(gzipped(f, `{"name": 1}`))
	f.Add(payload[:len(payload)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decodePayload(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodePayload error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := encodePayload(got)
		if err != nil {
			return // decoded values JSON cannot encode again, such as NaN: none parse from JSON
		}
		back, err := decodePayload(again)
		if err != nil {
			t.Fatalf("decoding a re-encoded release: %v", err)
		}
		if diff := cmp.Diff(got, back); diff != "" {
			t.Errorf("release changed through encode and decode (-first +second):\n%s", diff)
		}
	})
}

func gzipped(f *testing.F, s string) []byte {
	f.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		f.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}
