package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// maxMetadataFile bounds Chart.yaml and requirements.yaml when read from an
// archive.
const maxMetadataFile = 1 << 20

// archiveInfo is what Push needs from a chart archive: its metadata, as
// Helm's loader sees it, and the newest modification time of its entries.
type archiveInfo struct {
	Metadata *chart.Metadata
	ModTime  time.Time
}

// readArchive reads the top-level Chart.yaml (and requirements.yaml, for
// apiVersion v1 charts) of a chart archive, and applies the defaults Helm's
// loader applies: a missing apiVersion means v1. It checks what Helm checks
// before pushing: a name, and a SemVer version.
func readArchive(archive []byte) (*archiveInfo, error) {
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("read chart archive: %w", err)
	}
	defer zr.Close()
	info := &archiveInfo{}
	var chartYAML, requirementsYAML []byte
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read chart archive: %w", err)
		}
		if hdr.ModTime.After(info.ModTime) {
			info.ModTime = hdr.ModTime
		}
		switch topLevelName(hdr.Name) {
		case "Chart.yaml":
			chartYAML, err = io.ReadAll(io.LimitReader(tr, maxMetadataFile))
		case "requirements.yaml":
			requirementsYAML, err = io.ReadAll(io.LimitReader(tr, maxMetadataFile))
		}
		if err != nil {
			return nil, fmt.Errorf("read %s from chart archive: %w", hdr.Name, err)
		}
	}
	if chartYAML == nil {
		return nil, fmt.Errorf("read chart archive: no Chart.yaml in the chart's top directory")
	}
	info.Metadata, err = parseMetadata(chartYAML, requirementsYAML)
	if err != nil {
		return nil, err
	}
	return info, nil
}

// topLevelName returns the name of an archive entry relative to the chart
// directory ("app/Chart.yaml" -> "Chart.yaml"), "" for entries deeper down
// or outside one.
func topLevelName(name string) string {
	name = strings.TrimPrefix(name, "./")
	dir, rest, ok := strings.Cut(name, "/")
	if !ok || dir == "" || strings.Contains(rest, "/") {
		return ""
	}
	return rest
}

func parseMetadata(chartYAML, requirementsYAML []byte) (*chart.Metadata, error) {
	md := &chart.Metadata{}
	if err := yaml.Unmarshal(chartYAML, md); err != nil {
		return nil, fmt.Errorf("load Chart.yaml: %w", err)
	}
	if md.APIVersion == "" {
		md.APIVersion = chart.APIVersionV1
	}
	if md.APIVersion == chart.APIVersionV1 && requirementsYAML != nil {
		var req struct {
			Dependencies []*chart.Dependency `json:"dependencies"`
		}
		if err := yaml.Unmarshal(requirementsYAML, &req); err != nil {
			return nil, fmt.Errorf("load requirements.yaml: %w", err)
		}
		md.Dependencies = req.Dependencies
	}
	switch {
	case md.Name == "":
		return nil, fmt.Errorf("load Chart.yaml: field name: required")
	case md.Version == "":
		return nil, fmt.Errorf("load Chart.yaml: field version: required")
	}
	if _, err := semver.NewVersion(md.Version); err != nil {
		return nil, fmt.Errorf("load Chart.yaml: field version: %q is not a SemVer version: %w", md.Version, err)
	}
	return md, nil
}
