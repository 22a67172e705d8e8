package render

import (
	"fmt"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Hook annotations.
const (
	// HookAnnotation lists the events a hook runs on.
	HookAnnotation = "helm.sh/hook"
	// HookWeightAnnotation orders hooks of one event.
	HookWeightAnnotation = "helm.sh/hook-weight"
	// HookDeleteAnnotation says when a hook object is deleted.
	HookDeleteAnnotation = "helm.sh/hook-delete-policy"
)

// hookEvents are the events Helm knows, by annotation value. A manifest
// naming any other event is dropped, as in Helm.
var hookEvents = map[string]string{
	"pre-install":   "pre-install",
	"post-install":  "post-install",
	"pre-delete":    "pre-delete",
	"post-delete":   "post-delete",
	"pre-upgrade":   "pre-upgrade",
	"post-upgrade":  "post-upgrade",
	"pre-rollback":  "pre-rollback",
	"post-rollback": "post-rollback",
	"test":          "test",
	// Helm 2's name for test hooks.
	"test-success": "test",
}

// Manifest is one YAML document of the rendered chart.
type Manifest struct {
	// Name is the template it came from ("chart/templates/x.yaml").
	Name    string
	Content string
	Head    *Head
}

// Hook is a manifest annotated as a Helm hook.
type Hook struct {
	Name           string
	Kind           string
	Path           string
	Manifest       string
	Events         []string
	Weight         int
	DeletePolicies []string
}

// IsTest reports whether the hook runs on `test`.
func (h *Hook) IsTest() bool {
	for _, e := range h.Events {
		if e == "test" {
			return true
		}
	}
	return false
}

// InstallOrder is the order in which Helm installs kinds; other kinds come
// after these, alphabetically.
var InstallOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

// SortManifests splits rendered templates into documents and separates
// hooks from the rest. Files are read in name order, documents in file
// order; both lists are then stably sorted by kind in InstallOrder.
// Partials and empty files are skipped. A document that is not valid YAML
// fails with the template name and line.
func SortManifests(files map[string]string) ([]*Hook, []Manifest, error) {
	return sortManifests(files, nil)
}

// sortManifests is SortManifests with the files already split and parsed
// by a headPrefetcher; files missing from prefetched, or whose text
// differs, are split and parsed here.
func sortManifests(files map[string]string, prefetched map[string]*splitFile) ([]*Hook, []Manifest, error) {
	docs, heads := splitAndParse(files, prefetched)
	var hooks []*Hook
	var generic []Manifest
	for i, d := range docs {
		head := heads[i]
		if head.err != nil {
			return hooks, generic, yamlError(d.name, files[d.name], d.index, head.err)
		}
		if head.Metadata == nil || len(head.Metadata.Annotations) == 0 {
			generic = append(generic, Manifest{Name: d.name, Content: d.text, Head: &head.Head})
			continue
		}
		events, ok := head.Metadata.Annotations[HookAnnotation]
		if !ok {
			generic = append(generic, Manifest{Name: d.name, Content: d.text, Head: &head.Head})
			continue
		}
		if h := newHook(d.name, d.text, &head.Head, events); h != nil {
			hooks = append(hooks, h)
		}
	}
	order := kindOrder(InstallOrder)
	sort.SliceStable(generic, func(i, j int) bool {
		return lessByKind(generic[i].Head.Kind, generic[j].Head.Kind, order)
	})
	sort.SliceStable(hooks, func(i, j int) bool {
		return lessByKind(hooks[i].Kind, hooks[j].Kind, order)
	})
	return hooks, generic, nil
}

// document is one YAML document of a rendered template: the template's
// name, the document's index in it and its text.
type document struct {
	name  string
	index int
	text  string
}

// splitAndParse splits the rendered templates into documents, files in
// name order, documents in file order, and parses their heads, taking
// what prefetched holds for a file with the same text. Partials and empty
// files are skipped.
func splitAndParse(files map[string]string, prefetched map[string]*splitFile) ([]document, []parsedHead) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var docs []document
	var heads []parsedHead
	var missing []int
	for _, name := range names {
		content := files[name]
		if isPartial(name) || strings.TrimSpace(content) == "" {
			continue
		}
		if sf, ok := prefetched[name]; ok && sf.text == content {
			docs = append(docs, sf.docs...)
			heads = append(heads, sf.heads...)
			continue
		}
		for i, text := range SplitManifests(content) {
			missing = append(missing, len(docs))
			docs = append(docs, document{name: name, index: i, text: text})
			heads = append(heads, parsedHead{})
		}
	}
	parseHeads(docs, heads, missing)
	return docs, heads
}

// isPartial reports whether the template name is a partial (_*.tpl), which
// is parsed but never output.
func isPartial(name string) bool {
	return strings.HasPrefix(path.Base(name), "_")
}

// parsedHead is a document's Head, or why it is not valid YAML.
type parsedHead struct {
	Head
	err error
}

// parseHeads parses the heads of the documents at indexes todo into heads,
// in parallel; parsing is the bulk of sorting.
func parseHeads(docs []document, heads []parsedHead, todo []int) {
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := w; k < len(todo); k += workers {
				i := todo[k]
				heads[i].Head, heads[i].err = parseHead(docs[i].text)
			}
		})
	}
	wg.Wait()
}

// YAMLError is a rendered template that is not valid YAML.
type YAMLError struct {
	// Template is the template's name ("chart/templates/x.yaml").
	Template string
	// Line is the line of the rendered output where the bad document
	// starts, 0 when unknown.
	Line int
	Err  error
}

// Error names the template, the line and what the YAML parser said.
func (e *YAMLError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("YAML parse error on %s (document starting at line %d of the rendered output): %v",
			e.Template, e.Line, e.Err)
	}
	return fmt.Sprintf("YAML parse error on %s: %v", e.Template, e.Err)
}

// Unwrap returns the YAML parser's error.
func (e *YAMLError) Unwrap() error { return e.Err }

// yamlError names the template and the line of the rendered output where
// the bad document starts.
func yamlError(name, content string, doc int, err error) error {
	ye := &YAMLError{Template: name, Err: err}
	if lines := docStartLines(content); doc < len(lines) {
		ye.Line = lines[doc]
	}
	return ye
}

// newHook builds a hook, or returns nil when an event is unknown.
func newHook(name, doc string, head *Head, events string) *Hook {
	weight, err := strconv.Atoi(head.Metadata.Annotations[HookWeightAnnotation])
	if err != nil {
		weight = 0
	}
	h := &Hook{
		Name: head.Metadata.Name, Kind: head.Kind, Path: name, Manifest: doc,
		Weight: weight, Events: []string{}, DeletePolicies: []string{},
	}
	for _, e := range strings.Split(events, ",") {
		ev, ok := hookEvents[strings.ToLower(strings.TrimSpace(e))]
		if !ok {
			return nil
		}
		h.Events = append(h.Events, ev)
	}
	if dps, ok := head.Metadata.Annotations[HookDeleteAnnotation]; ok {
		for _, dp := range strings.Split(dps, ",") {
			h.DeletePolicies = append(h.DeletePolicies, strings.ToLower(strings.TrimSpace(dp)))
		}
	}
	return h
}

func kindOrder(kinds []string) map[string]int {
	m := make(map[string]int, len(kinds))
	for i, k := range kinds {
		m[k] = i
	}
	return m
}

// lessByKind orders known kinds by install order and unknown kinds after
// them, alphabetically.
func lessByKind(a, b string, order map[string]int) bool {
	ia, aok := order[a]
	ib, bok := order[b]
	switch {
	case !aok && !bok:
		return a < b
	case !aok:
		return false
	case !bok:
		return true
	default:
		return ia < ib
	}
}
