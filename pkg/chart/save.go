package chart

import (
	"archive/tar"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"sigs.k8s.io/yaml"
)

// reproducibleModTime is the modification time of every entry berth packs,
// so that packing the same chart twice gives the same bytes.
var reproducibleModTime = time.Unix(0, 0)

// ArchiveName returns the file name Save gives c: NAME-VERSION.tgz.
func ArchiveName(c *Chart) string {
	return fmt.Sprintf("%s-%s.tgz", c.Name(), c.Metadata.Version)
}

// Save packs c into dir/NAME-VERSION.tgz and returns that path. The layout
// is Helm's: every entry under a top directory named after the chart;
// Chart.yaml (from Metadata) first, then Chart.lock (v2), values.yaml,
// values.schema.json, templates, other files, and the subcharts expanded
// under charts/. Unlike Helm, entries within each group are sorted, every
// entry has mode 0644, owner 0, no user names and the Unix epoch as mtime,
// and the gzip header is fixed, so the same chart packs to the same bytes.
// The archive is written to a temporary file in dir and renamed into place.
func Save(c *Chart, dir string) (string, error) {
	if c == nil || c.Metadata == nil {
		return "", errors.New("save chart: chart has no metadata")
	}
	if err := c.Metadata.Validate(); err != nil {
		return "", fmt.Errorf("save chart: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save chart: %w", err)
	}
	dest := filepath.Join(dir, ArchiveName(c))
	tmp, err := os.CreateTemp(dir, "."+ArchiveName(c)+".*")
	if err != nil {
		return "", fmt.Errorf("save chart: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := WriteArchive(tmp, c); err != nil {
		tmp.Close()
		return "", fmt.Errorf("save chart %s: %w", dest, err)
	}
	if err := tmp.Chmod(0o644); err != nil { //nolint:gosec // chart archives are meant to be readable
		tmp.Close()
		return "", fmt.Errorf("save chart %s: %w", dest, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("save chart %s: %w", dest, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return "", fmt.Errorf("save chart %s: %w", dest, err)
	}
	return dest, nil
}

// WriteArchive writes c to w as a reproducible gzipped tar archive, in the
// layout Save describes.
func WriteArchive(w io.Writer, c *Chart) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	if err := writeChart(tw, c, ""); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func writeChart(tw *tar.Writer, c *Chart, prefix string) error {
	if err := c.Metadata.Validate(); err != nil {
		return fmt.Errorf("chart %q: %w", c.ChartFullPath(), err)
	}
	base := path.Join(prefix, c.Name())
	entries, err := chartEntries(c)
	if err != nil {
		return fmt.Errorf("chart %q: %w", c.ChartFullPath(), err)
	}
	for _, e := range entries {
		if err := writeEntry(tw, path.Join(base, e.Name), e.Data); err != nil {
			return err
		}
	}
	deps := slices.Clone(c.Dependencies())
	slices.SortStableFunc(deps, func(a, b *Chart) int { return cmp.Compare(a.Name(), b.Name()) })
	for _, d := range deps {
		if err := writeChart(tw, d, path.Join(base, ChartsDir)); err != nil {
			return err
		}
	}
	return nil
}

// chartEntries lists the files of c itself, in archive order.
func chartEntries(c *Chart) ([]*File, error) {
	md := *c.Metadata
	if md.APIVersion == APIVersionV1 {
		md.Dependencies = nil // they live in requirements.yaml, kept in Files
	}
	chartYAML, err := yaml.Marshal(&md)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ChartfileName, err)
	}
	entries := []*File{{Name: ChartfileName, Data: chartYAML}}
	if c.Lock != nil && md.APIVersion == APIVersionV2 {
		lock, err := yaml.Marshal(c.Lock)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", LockfileName, err)
		}
		entries = append(entries, &File{Name: LockfileName, Data: lock})
	}
	if values := rawValues(c); values != nil {
		entries = append(entries, &File{Name: ValuesfileName, Data: values})
	}
	if c.Schema != nil {
		if !json.Valid(c.Schema) {
			return nil, fmt.Errorf("%s is not valid JSON", SchemafileName)
		}
		entries = append(entries, &File{Name: SchemafileName, Data: c.Schema})
	}
	entries = append(entries, sortedFiles(c.Templates)...)
	return append(entries, sortedFiles(c.Files)...), nil
}

func rawValues(c *Chart) []byte {
	for _, f := range c.Raw {
		if f.Name == ValuesfileName {
			return f.Data
		}
	}
	return c.RawValues
}

func sortedFiles(files []*File) []*File {
	out := slices.Clone(files)
	slices.SortStableFunc(out, func(a, b *File) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func writeEntry(tw *tar.Writer, name string, data []byte) error {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Mode:     0o644,
		Size:     int64(len(data)),
		ModTime:  reproducibleModTime,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
