package kube

import (
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// documentSeparator splits a manifest into its YAML documents.
var documentSeparator = regexp.MustCompile(`(?m)^---[ \t]*$\n?`)

// MaskManifest returns manifest (YAML documents separated by "---" lines)
// with the values of data and stringData of every Secret masked as
// MaskSecrets masks them, for printing a recorded or rendered manifest.
// Other documents are returned as they were; a Secret is encoded anew
// after its leading comment lines (# Source: ...). A document that names
// kind Secret but does not parse is replaced by a comment saying so.
func MaskManifest(manifest string) string {
	if !strings.Contains(manifest, "Secret") {
		return manifest
	}
	docs := documentSeparator.Split(manifest, -1)
	for i, doc := range docs {
		docs[i] = maskDocument(doc)
	}
	return strings.Join(docs, "---\n")
}

// maskDocument masks one document of MaskManifest.
func maskDocument(doc string) string {
	if !strings.Contains(doc, "Secret") {
		return doc
	}
	var comments strings.Builder
	body := doc
	for strings.HasPrefix(body, "#") {
		line, rest, _ := strings.Cut(body, "\n")
		comments.WriteString(line + "\n")
		body = rest
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(body), &obj.Object); err != nil || obj.Object == nil {
		if strings.Contains(body, "kind: Secret") {
			return comments.String() + "# (sensitive: a Secret document that does not parse is not shown)\n"
		}
		return doc
	}
	if !isSecret(obj) {
		return doc
	}
	MaskSecrets(nil, obj)
	out, err := yaml.Marshal(obj.Object)
	if err != nil {
		return comments.String() + "# (sensitive: Secret not shown)\n"
	}
	return comments.String() + string(out)
}
