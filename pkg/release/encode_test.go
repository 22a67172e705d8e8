package release

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestDecodePayloadBomb: a tampered record that expands past the limit is
// refused as corrupt after reading at most the limit, not decoded.
func TestDecodePayloadBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	// Valid JSON start, then zeros past the limit: the decoder must stop
	// at the limit, never reach the JSON error.
	if _, err := io.WriteString(zw, `{"name":"`); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(zw, zeroReader{}, maxDecodedPayload+1); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := decodePayload(buf.Bytes())
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "expands past 256 MiB") {
		t.Fatalf("decodePayload(bomb) error = %v, want ErrCorrupt naming the limit", err)
	}
}

// TestDecodePayloadRoundTrip: a record just encoded decodes to the same
// release.
func TestDecodePayloadRoundTrip(t *testing.T) {
	rel := &Release{Name: "web", Namespace: "prod", Revision: 3, Status: StatusDeployed, Manifest: "kind: ConfigMap\n"}
	payload, err := encodePayload(rel)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodePayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != rel.Name || got.Revision != rel.Revision || got.Manifest != rel.Manifest {
		t.Errorf("decodePayload(encodePayload(rel)) = %+v, want %+v", got, rel)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
