package lint

import (
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// dependencies checks that Chart.yaml's dependencies and charts/ agree and
// that no two dependencies share a name or alias. Messages name the chart
// path, as Helm's do.
func (l *linter) dependencies(c *chart.Chart) {
	listed := map[string]bool{}
	for _, d := range c.Metadata.Dependencies {
		listed[d.Name] = true
	}
	present := map[string]bool{}
	var unlisted, missing []string
	for _, d := range c.Dependencies() {
		present[d.Name()] = true
		if !listed[d.Name()] {
			unlisted = append(unlisted, d.Name())
		}
	}
	for _, d := range c.Metadata.Dependencies {
		if !present[d.Name] {
			missing = append(missing, d.Name)
		}
	}
	if len(unlisted) > 0 {
		l.check(SeverityError, l.dir, fmt.Errorf("chart metadata is missing these dependencies: %s", strings.Join(unlisted, ",")))
	}
	l.check(SeverityError, l.dir, validateDependenciesUnique(c.Metadata.Dependencies))
	if len(missing) > 0 {
		l.check(SeverityWarning, l.dir, fmt.Errorf("chart directory is missing these dependencies: %s", strings.Join(missing, ",")))
	}
}

func validateDependenciesUnique(deps []*chart.Dependency) error {
	seen := map[string]bool{}
	var shadowing []string
	for _, d := range deps {
		key := d.Name
		if d.Alias != "" {
			key = d.Alias
		}
		if seen[key] {
			shadowing = append(shadowing, key)
		}
		seen[key] = true
	}
	if len(shadowing) > 0 {
		return fmt.Errorf("multiple dependencies with name or alias: %s", strings.Join(shadowing, ","))
	}
	return nil
}

// crds checks that every document of the crds/ files is a plain
// CustomResourceDefinition: crds/ is not templated.
func (l *linter) crds(c *chart.Chart) {
	for _, crd := range c.CRDObjects() {
		for _, doc := range splitDocuments(string(crd.File.Data)) {
			var obj *object
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				l.check(SeverityError, crd.Name, fmt.Errorf("unable to parse YAML: %w", err))
				return
			}
			if obj == nil {
				continue
			}
			if !strings.HasPrefix(obj.APIVersion, "apiextensions.k8s.io") {
				l.check(SeverityError, crd.Name, errors.New("apiVersion is not in 'apiextensions.k8s.io'"))
			}
			if obj.Kind != "CustomResourceDefinition" {
				l.check(SeverityError, crd.Name, errors.New("object kind is not 'CustomResourceDefinition'"))
			}
		}
	}
}
