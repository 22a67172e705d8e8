package helmrecord

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Errors of the package, checked with errors.Is.
var (
	// ErrCorrupt means a record does not decode: bad base64, gzip or JSON,
	// or a release that does not match its record.
	ErrCorrupt = errors.New("helm release record is corrupt")
	// ErrNotFound means a release has no Helm record.
	ErrNotFound = errors.New("no helm release record")
	// ErrTooLarge means a revision does not fit in one Helm record.
	ErrTooLarge = errors.New("helm release record too large")
)

// MaxRecordSize is the most data one Secret or ConfigMap holds (the API
// server refuses more), so the largest encoded release Helm can store.
const MaxRecordSize = 1 << 20

// maxDecoded bounds a record once decompressed, so that a tampered record
// (a gzip bomb) cannot exhaust memory.
const maxDecoded = 256 << 20

// RecordPrefix starts the name of every Helm release record.
const RecordPrefix = "sh.helm.release.v1."

// RecordName is the name of the object holding a revision, as Helm's
// storage names it: sh.helm.release.v1.<name>.v<version>.
func RecordName(name string, version int) string {
	return RecordPrefix + name + ".v" + strconv.Itoa(version)
}

// gzipMagic starts every gzip stream; Helm decompresses only data that
// starts with it, for records written before it compressed them.
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// Encode returns the text Helm keeps in a record's "release" key: the
// release's JSON, gzipped at best compression, base64-encoded.
func Encode(rel *Release) (string, error) {
	raw, err := json.Marshal(rel)
	if err != nil {
		return "", fmt.Errorf("encode Helm release %q version %d: %w", rel.Name, rel.Version, err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err == nil {
		_, err = zw.Write(raw)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return "", fmt.Errorf("compress Helm release %q version %d: %w", rel.Name, rel.Version, err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode reads what Encode (or Helm) wrote. Errors wrap ErrCorrupt.
func Decode(data []byte) (*Release, error) {
	raw, err := DecodeJSON(data)
	if err != nil {
		return nil, err
	}
	var rel Release
	if err := json.Unmarshal(raw, &rel); err != nil {
		return nil, fmt.Errorf("decode JSON: %w: %w", ErrCorrupt, err)
	}
	return &rel, nil
}

// DecodeJSON returns the release JSON of a record's data as Helm wrote it:
// it undoes the base64 and, when present, the gzip layer.
func DecodeJSON(data []byte) ([]byte, error) {
	b := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(b, bytes.TrimSpace(data))
	if err != nil {
		return nil, fmt.Errorf("decode base64: %w: %w", ErrCorrupt, err)
	}
	b = b[:n]
	if len(b) < len(gzipMagic) || !bytes.Equal(b[:len(gzipMagic)], gzipMagic) {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w: %w", ErrCorrupt, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w: %w", ErrCorrupt, err)
	}
	if len(raw) > maxDecoded {
		return nil, fmt.Errorf("decompress: %w: the record expands past %d MiB", ErrCorrupt, maxDecoded>>20)
	}
	return raw, nil
}

// SizeError reports a revision whose encoded record is larger than
// MaxRecordSize. It matches ErrTooLarge.
type SizeError struct {
	Name    string
	Version int
	// Size is the encoded record's length in bytes.
	Size int
}

// Error gives the size and the limit.
func (e *SizeError) Error() string {
	return fmt.Sprintf("revision %d of release %q is %d bytes (%.2f MiB) as a Helm record, over Helm's limit of %d bytes (1 MiB)",
		e.Version, e.Name, e.Size, float64(e.Size)/(1<<20), MaxRecordSize)
}

// Is reports whether target is ErrTooLarge.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }

// EncodeChecked is Encode that refuses a release whose record would be
// larger than MaxRecordSize, with a SizeError.
func EncodeChecked(rel *Release) (string, error) {
	s, err := Encode(rel)
	if err != nil {
		return "", err
	}
	if len(s) > MaxRecordSize {
		return "", &SizeError{Name: rel.Name, Version: rel.Version, Size: len(s)}
	}
	return s, nil
}

// ChartField decodes one field of the release's chart JSON ("metadata",
// "values", ...) into v; an absent field leaves v as it is.
func (r *Release) ChartField(key string, v any) error {
	if len(r.Chart) == 0 || string(r.Chart) == "null" {
		return nil
	}
	f, err := decodeObject(r.Chart)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	if err := f.take(key, v); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	return nil
}
