package action

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/render"
)

// APIRewrite is one object of a stored manifest whose API version the
// cluster no longer serves, rewritten to one it serves (what
// helm-mapkubeapis does), so that the next upgrade can diff against it.
type APIRewrite struct {
	// Revision is the revision whose manifest holds the object.
	Revision int `json:"revision"`
	// Object is Kind/name.
	Object string `json:"object"`
	// From is the API version the manifest had.
	From string `json:"from"`
	// To is the API version written instead; "" when the cluster serves
	// the kind in no version (the object is left as it was).
	To string `json:"to,omitempty"`
}

// movedKinds are the kinds Kubernetes moved to another API group when it
// removed their old versions (the deprecated API migration guide).
var movedKinds = map[schema.GroupKind]string{
	{Group: "extensions", Kind: "Deployment"}:        "apps",
	{Group: "extensions", Kind: "DaemonSet"}:         "apps",
	{Group: "extensions", Kind: "ReplicaSet"}:        "apps",
	{Group: "extensions", Kind: "Ingress"}:           "networking.k8s.io",
	{Group: "extensions", Kind: "NetworkPolicy"}:     "networking.k8s.io",
	{Group: "extensions", Kind: "PodSecurityPolicy"}: "policy",
}

// servedVersion returns the API version to write for an object of gvk:
// its own when served, else the preferred version of its kind (in its new
// group for kinds Kubernetes moved); "" when the kind is served in none.
func servedVersion(mapper meta.RESTMapper, gvk schema.GroupVersionKind) (string, error) {
	_, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err == nil {
		return gvk.GroupVersion().String(), nil
	}
	if !meta.IsNoMatchError(err) {
		return "", fmt.Errorf("resolve %s: %w", gvk, err)
	}
	gk := gvk.GroupKind()
	if group, moved := movedKinds[gk]; moved {
		gk.Group = group
	}
	mapping, err := mapper.RESTMapping(gk)
	if meta.IsNoMatchError(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", gk, err)
	}
	return mapping.GroupVersionKind.GroupVersion().String(), nil
}

// rewriteAPIs returns manifest with the apiVersion line of every document
// whose version the cluster no longer serves replaced by a served one, and
// what it rewrote. The rest of the text is kept byte for byte.
func rewriteAPIs(mapper meta.RESTMapper, revision int, manifest string) (string, []APIRewrite, error) {
	lines := strings.SplitAfter(manifest, "\n")
	var rewrites []APIRewrite
	start := 0
	flush := func(end int) error {
		rw, err := rewriteDoc(mapper, revision, lines[start:end])
		if rw != nil {
			rewrites = append(rewrites, *rw)
		}
		start = end
		return err
	}
	for i, line := range lines {
		if l := strings.TrimRight(line, "\r\n"); l == "---" || strings.HasPrefix(l, "--- ") {
			if err := flush(i); err != nil {
				return "", nil, err
			}
		}
	}
	if err := flush(len(lines)); err != nil {
		return "", nil, err
	}
	if len(rewrites) == 0 {
		return manifest, nil, nil
	}
	return strings.Join(lines, ""), rewrites, nil
}

// rewriteDoc rewrites the top-level apiVersion line of one document in
// place when the cluster does not serve it.
func rewriteDoc(mapper meta.RESTMapper, revision int, lines []string) (*APIRewrite, error) {
	var head render.Head
	if err := yaml.Unmarshal([]byte(strings.Join(lines, "")), &head); err != nil || head.Kind == "" || head.Version == "" {
		return nil, nil //nolint:nilerr // not an object: nothing to rewrite, the apply reports it
	}
	gv, err := schema.ParseGroupVersion(head.Version)
	if err != nil {
		return nil, nil //nolint:nilerr // as above
	}
	to, err := servedVersion(mapper, gv.WithKind(head.Kind))
	if err != nil || to == head.Version {
		return nil, err
	}
	rw := &APIRewrite{Revision: revision, Object: head.Kind, From: head.Version, To: to}
	if head.Metadata != nil {
		rw.Object += "/" + head.Metadata.Name
	}
	if to == "" {
		return rw, nil
	}
	for i, line := range lines {
		if strings.HasPrefix(line, "apiVersion:") {
			end := line[len(strings.TrimRight(line, "\r\n")):]
			lines[i] = "apiVersion: " + to + end
			break
		}
	}
	return rw, nil
}
