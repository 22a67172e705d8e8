package lint

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render"
	"github.com/berth-sh/berth/pkg/render/values"
)

// lintReleaseName is .Release.Name while linting, as in Helm.
const lintReleaseName = "test-release"

const templatesPath = chart.TemplatesDir + "/"

// object is the part of a rendered document the rules read.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

// templates renders the chart in lint mode and checks each of the root
// chart's templates: its extension, its indentation, that its output is
// YAML, and the objects in it.
func (l *linter) templates(c *chart.Chart, opts Options) {
	if !l.hasTemplatesDir(c) {
		l.check(SeverityWarning, templatesPath, errors.New("directory does not exist"))
		return
	}
	caps := render.DefaultCapabilities()
	if opts.KubeVersion != nil {
		caps.KubeVersion = *opts.KubeVersion
	}
	files, ok := l.render(c, opts, caps)
	if !ok {
		return
	}
	for _, tpl := range c.Templates {
		name := tpl.Name
		l.check(SeverityError, name, validateExtension(name))
		if !isYAML(name) {
			continue
		}
		out := files[path.Join(c.Name(), name)]
		if strings.TrimSpace(out) == "" {
			continue
		}
		l.check(SeverityWarning, name, validateTopIndent(out))
		if !l.objects(name, out, caps.KubeVersion) {
			// Helm stops at the first template that is not YAML.
			return
		}
	}
}

// hasTemplatesDir reports whether the chart has a templates/ directory (or,
// for an archive, any template).
func (l *linter) hasTemplatesDir(c *chart.Chart) bool {
	if len(c.Templates) > 0 {
		return true
	}
	fi, err := os.Stat(filepath.Join(l.dir, chart.TemplatesDir))
	return err == nil && fi.IsDir()
}

// render runs Helm's template flow with a lint-mode engine; values errors
// other than the schema's are left to the values rule, as in Helm.
func (l *linter) render(c *chart.Chart, opts Options, caps *render.Capabilities) (map[string]string, bool) {
	user := opts.Values
	if user == nil {
		user = map[string]any{}
	}
	if err := values.ProcessDependencies(c, user); err != nil {
		return nil, false
	}
	vals, err := values.Coalesce(c, user)
	if err != nil {
		return nil, false
	}
	if !opts.SkipSchemaValidation {
		if err := values.ValidateSchema(c, vals); err != nil {
			l.check(SeverityError, templatesPath, err)
			return nil, false
		}
	}
	rel := render.ReleaseOptions{Name: lintReleaseName, Namespace: opts.Namespace}
	eng := &render.Engine{LintMode: true}
	files, err := eng.Render(c, render.TopValues(c, vals, rel, caps))
	if !l.check(SeverityError, templatesPath, err) {
		return nil, false
	}
	return files, true
}

// objects checks each document of a rendered template and reports whether
// all of them are YAML.
func (l *linter) objects(name, out string, kv render.KubeVersion) bool {
	for _, doc := range splitDocuments(out) {
		var obj *object
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			l.check(SeverityError, name, fmt.Errorf("unable to parse YAML: %w", err))
			return false
		}
		if obj == nil {
			continue
		}
		l.check(SeverityWarning, name, validateTypeMeta(obj))
		l.check(SeverityWarning, name, validateMetadataName(obj))
		l.check(SeverityWarning, name, validateNoDeprecations(obj, kv))
		l.check(SeverityError, name, validateMatchSelector(obj, doc))
		l.check(SeverityError, name, validateListAnnotations(obj, doc))
	}
	return true
}

// isSeparatorRest reports whether what follows "---" on a line leaves it a
// document separator: blanks and a comment.
func isSeparatorRest(rest string) bool {
	rest = strings.TrimSpace(rest)
	return rest == "" || strings.HasPrefix(rest, "#")
}

// splitDocuments splits YAML text at lines that are "---" (and blanks or a
// comment), as
// the Kubernetes YAML reader Helm's lint uses does, keeping each
// document's indentation.
func splitDocuments(text string) []string {
	var docs []string
	var cur strings.Builder
	for line := range strings.Lines(text) {
		if rest, ok := strings.CutPrefix(line, "---"); ok && isSeparatorRest(rest) {
			docs = append(docs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	return append(docs, cur.String())
}

var templateExtensions = []string{".yaml", ".yml", ".tpl", ".txt"}

func validateExtension(name string) error {
	ext := filepath.Ext(name)
	if slices.Contains(templateExtensions, ext) {
		return nil
	}
	return fmt.Errorf("file extension '%s' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt", ext)
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// validateTopIndent rejects output whose first non-blank line is indented:
// whether it parses depends on how the YAML is normalised.
func validateTopIndent(out string) error {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			return fmt.Errorf("document starts with an illegal indent: %q, which may cause parsing problems", line)
		}
		return nil
	}
	return sc.Err()
}

// validateTypeMeta requires apiVersion and kind: an object without them
// cannot be applied. Helm's lint does not check them; a warning keeps
// charts that pass helm lint passing.
func validateTypeMeta(obj *object) error {
	switch {
	case obj.APIVersion == "" && obj.Kind == "":
		return errors.New("object has no apiVersion and no kind")
	case obj.APIVersion == "":
		return fmt.Errorf("%s object has no apiVersion", obj.Kind)
	case obj.Kind == "":
		return fmt.Errorf("%s object has no kind", obj.APIVersion)
	}
	return nil
}

// validateMatchSelector requires a selector in workloads whose selector
// is mandatory.
func validateMatchSelector(obj *object, doc string) error {
	switch obj.Kind {
	case "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet":
		if !strings.Contains(doc, "matchLabels") && !strings.Contains(doc, "matchExpressions") {
			return fmt.Errorf("a %s must contain matchLabels or matchExpressions, and %q does not", obj.Kind, obj.Metadata.Name)
		}
	}
	return nil
}

// validateListAnnotations rejects helm.sh/resource-policy on List items,
// where it has no effect.
func validateListAnnotations(obj *object, doc string) error {
	if obj.Kind != "List" {
		return nil
	}
	var list struct {
		Items []struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		} `json:"items"`
	}
	if err := yaml.Unmarshal([]byte(doc), &list); err != nil {
		return fmt.Errorf("unable to parse YAML: %w", err)
	}
	for _, item := range list.Items {
		if _, ok := item.Metadata.Annotations["helm.sh/resource-policy"]; ok {
			return errors.New("annotation 'helm.sh/resource-policy' within List objects are ignored")
		}
	}
	return nil
}
