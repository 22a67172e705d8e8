package oci

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/berth-sh/berth/pkg/chart"
)

// helmConfig is Chart.yaml as Helm marshals it into the manifest config:
// Helm's chart.Metadata field order and tags, so that the config blob, and
// with it the manifest digest, is the one `helm push` produces.
type helmConfig struct {
	Name         string              `json:"name,omitempty"`
	Home         string              `json:"home,omitempty"`
	Sources      []string            `json:"sources,omitempty"`
	Version      string              `json:"version,omitempty"`
	Description  string              `json:"description,omitempty"`
	Keywords     []string            `json:"keywords,omitempty"`
	Maintainers  []*chart.Maintainer `json:"maintainers,omitempty"`
	Icon         string              `json:"icon,omitempty"`
	APIVersion   string              `json:"apiVersion,omitempty"`
	Condition    string              `json:"condition,omitempty"`
	Tags         string              `json:"tags,omitempty"`
	AppVersion   string              `json:"appVersion,omitempty"`
	Deprecated   bool                `json:"deprecated,omitempty"`
	Annotations  map[string]string   `json:"annotations,omitempty"`
	KubeVersion  string              `json:"kubeVersion,omitempty"`
	Dependencies []*chart.Dependency `json:"dependencies,omitempty"`
	Type         string              `json:"type,omitempty"`
}

// normalize returns a copy of md with the strings Helm's loader sanitizes
// (Metadata.Validate, Maintainer.Validate, Dependency.Validate) sanitized:
// Helm builds both the config and the annotations from that copy.
func normalize(md *chart.Metadata) *chart.Metadata {
	n := *md
	n.Name, n.Home, n.Description = sanitize(md.Name), sanitize(md.Home), sanitize(md.Description)
	n.Icon, n.Condition, n.Tags = sanitize(md.Icon), sanitize(md.Condition), sanitize(md.Tags)
	n.AppVersion, n.KubeVersion = sanitize(md.AppVersion), sanitize(md.KubeVersion)
	n.Sources, n.Keywords = sanitizeAll(md.Sources), sanitizeAll(md.Keywords)
	n.Maintainers, n.Dependencies = nil, nil
	for _, m := range md.Maintainers {
		n.Maintainers = append(n.Maintainers, &chart.Maintainer{
			Name: sanitize(m.Name), Email: sanitize(m.Email), URL: sanitize(m.URL),
		})
	}
	for _, d := range md.Dependencies {
		dep := *d
		dep.Name, dep.Version = sanitize(d.Name), sanitize(d.Version)
		dep.Repository, dep.Condition = sanitize(d.Repository), sanitize(d.Condition)
		dep.Tags = sanitizeAll(d.Tags)
		n.Dependencies = append(n.Dependencies, &dep)
	}
	return &n
}

// configJSON returns the manifest config of a chart whose metadata was
// normalized: the metadata marshalled in Helm's field order.
func configJSON(md *chart.Metadata) ([]byte, error) {
	b, err := json.Marshal(helmConfig{
		Name: md.Name, Home: md.Home, Sources: md.Sources, Version: md.Version,
		Description: md.Description, Keywords: md.Keywords, Maintainers: md.Maintainers,
		Icon: md.Icon, APIVersion: md.APIVersion, Condition: md.Condition, Tags: md.Tags,
		AppVersion: md.AppVersion, Deprecated: md.Deprecated, Annotations: md.Annotations,
		KubeVersion: md.KubeVersion, Dependencies: md.Dependencies, Type: md.Type,
	})
	if err != nil {
		return nil, fmt.Errorf("encode chart config: %w", err)
	}
	return b, nil
}

// sanitize is Helm's sanitizeString: white space becomes a space and
// unprintable characters are dropped.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
}

func sanitizeAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = sanitize(s)
	}
	return out
}

// manifestAnnotations are the annotations Helm writes on a chart manifest:
// org.opencontainers.image.{description,title,version,url,created,source,
// authors} from Chart.yaml, then the chart's own annotations, which may
// override any of them except title and version. Non-ASCII characters are
// written as \uXXXX escapes, as Helm does. created is omitted when zero.
func manifestAnnotations(md *chart.Metadata, created time.Time) map[string]string {
	a := map[string]string{}
	add := func(key, value string) {
		if strings.TrimSpace(value) != "" {
			a[key] = escapeNonASCII(value)
		}
	}
	add(ocispec.AnnotationDescription, md.Description)
	add(ocispec.AnnotationTitle, md.Name)
	add(ocispec.AnnotationVersion, md.Version)
	add(ocispec.AnnotationURL, md.Home)
	if !created.IsZero() {
		add(ocispec.AnnotationCreated, created.UTC().Format(time.RFC3339))
	}
	if len(md.Sources) > 0 {
		add(ocispec.AnnotationSource, md.Sources[0])
	}
	if len(md.Maintainers) > 0 {
		add(ocispec.AnnotationAuthors, authors(md.Maintainers))
	}
	for k, v := range md.Annotations {
		if k == ocispec.AnnotationTitle || k == ocispec.AnnotationVersion {
			continue
		}
		a[k] = escapeNonASCII(v)
	}
	return a
}

// authors formats maintainers as Helm does: "Name (email), Name2".
func authors(maintainers []*chart.Maintainer) string {
	parts := make([]string, 0, len(maintainers))
	for _, m := range maintainers {
		s := m.Name
		if m.Email != "" {
			s += " (" + m.Email + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// escapeNonASCII writes every non-ASCII rune as a JSON-style \uXXXX escape
// (UTF-16 surrogate pairs above U+FFFF), for registries that only accept
// ASCII annotation values.
func escapeNonASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r <= 0xFFFF:
			writeEscape(&b, r)
		default:
			hi, lo := utf16.EncodeRune(r)
			writeEscape(&b, hi)
			writeEscape(&b, lo)
		}
	}
	return b.String()
}

func writeEscape(b *strings.Builder, r rune) {
	h := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u` + strings.Repeat("0", max(0, 4-len(h))) + h)
}

// chartManifest is the artifact of one chart: the manifest bytes and the
// blobs it references.
type chartManifest struct {
	Manifest []byte
	Desc     ocispec.Descriptor
	Config   ocispec.Descriptor
	Chart    ocispec.Descriptor
	Prov     *ocispec.Descriptor
	Blobs    map[string][]byte // by digest
}

// buildManifest packs a chart the way Helm does: config and layer
// descriptors carry media type, digest and size only; the layers (chart and
// optional provenance) are sorted by digest; the manifest sets schemaVersion
// 2 and annotations, and no mediaType field.
func buildManifest(config, archive, prov []byte, annotations map[string]string) (*chartManifest, error) {
	cm := &chartManifest{Blobs: map[string][]byte{}}
	addBlob := func(mediaType string, data []byte) ocispec.Descriptor {
		d := content.NewDescriptorFromBytes(mediaType, data)
		cm.Blobs[d.Digest.String()] = data
		return d
	}
	cm.Config = addBlob(ConfigMediaType, config)
	cm.Chart = addBlob(ChartLayerMediaType, archive)
	layers := []ocispec.Descriptor{cm.Chart}
	if prov != nil {
		p := addBlob(ProvLayerMediaType, prov)
		cm.Prov = &p
		layers = append(layers, p)
	}
	slices.SortFunc(layers, func(a, b ocispec.Descriptor) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
	m := ocispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		Config:      cm.Config,
		Layers:      layers,
		Annotations: annotations,
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	cm.Manifest = b
	cm.Desc = content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, b)
	return cm, nil
}
