package render

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"sigs.k8s.io/yaml"
)

// PatchFile is the format of --post-renderer-patch files: patches applied
// to every rendered object that matches their target, in order, before
// output is sorted.
//
//	patches:
//	  - target:                # every field is optional; all given must match
//	      apiVersion: apps/v1  # exact
//	      kind: Deployment     # exact
//	      name: "web-*"        # glob, as path.Match
//	      namespace: prod      # exact; "" matches objects without one
//	    patch:                 # a list: RFC 6902 JSON patch
//	      - op: replace
//	        path: /spec/replicas
//	        value: 3
//	  - target: {kind: ConfigMap}
//	    patch:                 # a mapping: RFC 7386 JSON merge patch
//	      metadata:
//	        labels: {team: web}
//
// Objects that no patch targets are left byte for byte as rendered.
type PatchFile struct {
	Patches []ObjectPatch `json:"patches"`
}

// ObjectPatch is one patch of a PatchFile.
type ObjectPatch struct {
	Target PatchTarget `json:"target"`
	// Patch is a list (JSON patch) or a mapping (merge patch).
	Patch json.RawMessage `json:"patch"`
}

// PatchTarget selects objects by apiVersion, kind, name and namespace.
type PatchTarget struct {
	APIVersion string  `json:"apiVersion,omitempty"`
	Kind       string  `json:"kind,omitempty"`
	Name       string  `json:"name,omitempty"`
	Namespace  *string `json:"namespace,omitempty"`
}

// LoadPatchFile reads and checks a patch file.
func LoadPatchFile(name string) (*PatchFile, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read patch file: %w", err)
	}
	return ParsePatchFile(name, data)
}

// ParsePatchFile parses a patch file's content; name is used in errors.
func ParsePatchFile(name string, data []byte) (*PatchFile, error) {
	var pf PatchFile
	if err := yaml.UnmarshalStrict(data, &pf); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i, p := range pf.Patches {
		if _, err := p.kind(); err != nil {
			return nil, fmt.Errorf("%s: patches[%d].patch: %w", name, i, err)
		}
		if _, err := path.Match(p.Target.Name, ""); err != nil {
			return nil, fmt.Errorf("%s: patches[%d].target.name: %w", name, i, err)
		}
	}
	return &pf, nil
}

type patchKind int

const (
	patchJSON patchKind = iota
	patchMerge
)

func (p *ObjectPatch) kind() (patchKind, error) {
	s := strings.TrimSpace(string(p.Patch))
	switch {
	case strings.HasPrefix(s, "["):
		if _, err := jsonpatch.DecodePatch(p.Patch); err != nil {
			return 0, err
		}
		return patchJSON, nil
	case strings.HasPrefix(s, "{"):
		return patchMerge, nil
	default:
		return 0, fmt.Errorf("must be a list (JSON patch) or a mapping (merge patch)")
	}
}

func (t *PatchTarget) matches(obj map[string]any) bool {
	md, _ := obj["metadata"].(map[string]any)
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	if t.APIVersion != "" && t.APIVersion != str(obj, "apiVersion") {
		return false
	}
	if t.Kind != "" && t.Kind != str(obj, "kind") {
		return false
	}
	if t.Name != "" {
		if ok, _ := path.Match(t.Name, str(md, "name")); !ok {
			return false
		}
	}
	return t.Namespace == nil || *t.Namespace == str(md, "namespace")
}

// Apply is a post-render function (Options.PostRender): it patches the
// matching documents of every rendered template.
func (pf *PatchFile) Apply(files map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(files))
	for name, content := range files {
		patched, err := pf.applyFile(name, content)
		if err != nil {
			return nil, fmt.Errorf("patch %s: %w", name, err)
		}
		out[name] = patched
	}
	return out, nil
}

func (pf *PatchFile) applyFile(name, content string) (string, error) {
	if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
		return content, nil
	}
	docs := SplitManifests(content)
	changed := false
	for i, doc := range docs {
		patched, ok, err := pf.applyDoc(doc)
		if err != nil {
			return "", fmt.Errorf("document %d: %w", i+1, err)
		}
		if ok {
			docs[i], changed = patched, true
		}
	}
	if !changed {
		return content, nil
	}
	return strings.Join(docs, "\n---\n"), nil
}

// applyDoc patches one document; ok is false when no patch targets it.
func (pf *PatchFile) applyDoc(doc string) (string, bool, error) {
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		return "", false, fmt.Errorf("parse YAML: %w", err)
	}
	applied := false
	for i := range pf.Patches {
		p := &pf.Patches[i]
		var obj map[string]any
		if err := json.Unmarshal(js, &obj); err != nil || obj == nil || !p.Target.matches(obj) {
			continue
		}
		if js, err = p.apply(js); err != nil {
			return "", false, fmt.Errorf("patches[%d]: %w", i, err)
		}
		applied = true
	}
	if !applied {
		return doc, false, nil
	}
	y, err := yaml.JSONToYAML(js)
	if err != nil {
		return "", false, err
	}
	return string(y), true, nil
}

func (p *ObjectPatch) apply(doc []byte) ([]byte, error) {
	kind, err := p.kind()
	if err != nil {
		return nil, err
	}
	if kind == patchMerge {
		return jsonpatch.MergePatch(doc, p.Patch)
	}
	jp, err := jsonpatch.DecodePatch(p.Patch)
	if err != nil {
		return nil, err
	}
	return jp.Apply(doc)
}
