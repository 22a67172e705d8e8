package action

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
)

// parseManifest decodes a release manifest (YAML documents separated by
// "---") into objects, skipping empty documents. source names the manifest
// in errors.
func parseManifest(source, text string) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	var objs []*unstructured.Unstructured
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: document %d: %w", source, i, err)
		}
		obj, err := decodeObject(doc)
		if err != nil {
			return nil, fmt.Errorf("decode %s: document %d: %w", source, i, err)
		}
		if obj != nil {
			objs = append(objs, obj)
		}
	}
}

// decodeObject decodes one YAML document; nil for a document without
// content (only comments or whitespace).
func decodeObject(doc []byte) (*unstructured.Unstructured, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, nil
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(doc, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	obj := &unstructured.Unstructured{Object: m}
	if obj.GetKind() == "" || obj.GetAPIVersion() == "" {
		return nil, fmt.Errorf("object %q has no apiVersion or kind", obj.GetName())
	}
	return obj, nil
}

// manifestRefs returns the refs of the objects of a stored manifest,
// lists flattened, as prune and uninstall need them.
func manifestRefs(source, text string) ([]kube.ObjectRef, error) {
	objs, err := parseManifest(source, text)
	if err != nil {
		return nil, err
	}
	objs, err = kube.Flatten(objs)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	return kube.RefsOf(objs), nil
}

// crdObjects decodes the files of the chart's crds/ directories.
func crdObjects(c *chart.Chart) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	for _, crd := range c.CRDObjects() {
		parsed, err := parseManifest(crd.Filename, string(crd.File.Data))
		if err != nil {
			return nil, err
		}
		objs = append(objs, parsed...)
	}
	return objs, nil
}
