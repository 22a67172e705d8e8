package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// utf8BOM is stripped from the start of every file, as Helm does.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Load loads a chart from a directory or a .tgz archive at name.
func Load(name string) (*Chart, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", name, err)
	}
	if fi.IsDir() {
		return LoadDir(name)
	}
	return LoadFile(name)
}

// LoadFile loads a chart from the .tgz archive at name.
func LoadFile(name string) (*Chart, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", name, err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("load chart %q: %w", name, err)
	}
	if !bytes.HasPrefix(head[:n], []byte{0x1f, 0x8b}) {
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
			return nil, fmt.Errorf("load chart %q: this is a YAML file; expected a chart directory or a .tgz archive", name)
		}
		return nil, fmt.Errorf("load chart %q: not a gzipped archive (%s); expected a chart directory or a .tgz archive",
			name, http.DetectContentType(head[:n]))
	}
	c, err := LoadArchive(io.MultiReader(bytes.NewReader(head[:n]), f))
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", name, err)
	}
	return c, nil
}

// LoadArchive loads a chart from a gzipped tar archive, as `helm package`
// writes it: every entry under one top directory. The archive is read with
// the checks and limits of MaxArchiveSize and MaxFileSize: no absolute
// paths, no "..", no links or device files. .helmignore does not apply.
func LoadArchive(r io.Reader) (*Chart, error) {
	budget := int64(MaxArchiveSize)
	return loadArchive(r, &budget)
}

func loadArchive(r io.Reader, budget *int64) (*Chart, error) {
	files, err := readArchive(r, budget)
	if err != nil {
		return nil, err
	}
	return loadFiles(files, budget)
}

// loadFiles builds a chart from its files, names relative to the chart root,
// splitting them as Helm does. budget bounds the bytes that subchart
// archives may still expand to.
func loadFiles(files []*File, budget *int64) (*Chart, error) {
	c := &Chart{}
	for _, f := range files {
		c.Raw = append(c.Raw, f)
		if f.Name == ChartfileName {
			c.Metadata = &Metadata{}
			if err := yaml.Unmarshal(f.Data, c.Metadata); err != nil {
				return nil, fmt.Errorf("parse %s: %w", ChartfileName, err)
			}
			if c.Metadata.APIVersion == "" {
				// Helm 2 accepted charts without apiVersion; they are v1.
				c.Metadata.APIVersion = APIVersionV1
			}
		}
	}
	subcharts := map[string][]*File{}
	for _, f := range files {
		if err := c.addFile(f, subcharts); err != nil {
			return nil, err
		}
	}
	if c.Metadata == nil {
		return nil, fmt.Errorf("%s is missing", ChartfileName)
	}
	if err := c.Metadata.Validate(); err != nil {
		return nil, err
	}
	if c.Values == nil {
		c.Values = map[string]any{}
	}
	if err := c.loadSubcharts(subcharts, budget); err != nil {
		return nil, err
	}
	return c, nil
}

// addFile files f under the part of the chart it belongs to.
func (c *Chart) addFile(f *File, subcharts map[string][]*File) error {
	switch {
	case f.Name == ChartfileName:
	case f.Name == LockfileName:
		c.Lock = &Lock{}
		if err := yaml.Unmarshal(f.Data, c.Lock); err != nil {
			return fmt.Errorf("parse %s: %w", LockfileName, err)
		}
	case f.Name == ValuesfileName:
		values, err := ParseValues(f.Data)
		if err != nil {
			return fmt.Errorf("parse %s: %w", ValuesfileName, err)
		}
		c.RawValues, c.Values = f.Data, values
	case f.Name == SchemafileName:
		c.Schema = f.Data
	case f.Name == RequirementsName:
		return c.addRequirements(f)
	case f.Name == RequirementsLockName:
		c.Lock = &Lock{}
		if err := yaml.Unmarshal(f.Data, c.Lock); err != nil {
			return fmt.Errorf("parse %s: %w", RequirementsLockName, err)
		}
		if c.Metadata != nil && c.Metadata.APIVersion == APIVersionV1 {
			c.Files = append(c.Files, f)
		}
	case strings.HasPrefix(f.Name, TemplatesDir+"/"):
		c.Templates = append(c.Templates, f)
	case strings.HasPrefix(f.Name, ChartsDir+"/"):
		if path.Ext(f.Name) == ".prov" {
			c.Files = append(c.Files, f)
			return nil
		}
		rest := strings.TrimPrefix(f.Name, ChartsDir+"/")
		sub, _, _ := strings.Cut(rest, "/")
		subcharts[sub] = append(subcharts[sub], &File{Name: rest, Data: f.Data, ModTime: f.ModTime})
	default:
		c.Files = append(c.Files, f)
	}
	return nil
}

// addRequirements merges a Helm 2 requirements.yaml into the metadata. Helm
// reads it whatever the apiVersion, but keeps it as a file only for v1.
func (c *Chart) addRequirements(f *File) error {
	if c.Metadata == nil {
		c.Metadata = &Metadata{}
	}
	if err := yaml.Unmarshal(f.Data, c.Metadata); err != nil {
		return fmt.Errorf("parse %s: %w", RequirementsName, err)
	}
	if c.Metadata.APIVersion == APIVersionV1 {
		c.Files = append(c.Files, f)
	}
	return nil
}

// loadSubcharts loads the charts found under charts/, in name order: a
// directory or a .tgz each. Names starting with "_" or "." are skipped, as
// in Helm; any other plain file there is an error.
func (c *Chart) loadSubcharts(subcharts map[string][]*File, budget *int64) error {
	names := make([]string, 0, len(subcharts))
	for n := range subcharts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if strings.IndexAny(n, "_.") == 0 {
			continue
		}
		sc, err := loadSubchart(n, subcharts[n], budget)
		if err != nil {
			return fmt.Errorf("load subchart %s/%s of %q: %w", ChartsDir, n, c.Name(), err)
		}
		c.AddDependency(sc)
	}
	return nil
}

func loadSubchart(name string, files []*File, budget *int64) (*Chart, error) {
	if path.Ext(name) == ".tgz" {
		if len(files) != 1 || files[0].Name != name {
			return nil, fmt.Errorf("expected an archive, found a directory")
		}
		return loadArchive(bytes.NewReader(files[0].Data), budget)
	}
	inner := make([]*File, 0, len(files))
	for _, f := range files {
		_, rest, ok := strings.Cut(f.Name, "/")
		if !ok {
			continue // a plain file in charts/, not a chart
		}
		inner = append(inner, &File{Name: rest, Data: f.Data, ModTime: f.ModTime})
	}
	return loadFiles(inner, budget)
}
