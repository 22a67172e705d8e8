package chart

import (
	"path"
	"strings"
)

// CRD is one custom resource definition file of a chart's crds/ directory.
type CRD struct {
	// Name is the file's name relative to its chart ("crds/foo.yaml").
	Name string
	// Filename is the file's path in the chart tree, as Helm prints it in
	// "# Source:" comments ("parent/charts/child/crds/foo.yaml").
	Filename string
	// File is the file itself.
	File *File
}

// CRDObjects returns the CRD files of c and of its subcharts, depth first:
// the .yaml, .yml and .json files under crds/, as Helm picks them.
func (c *Chart) CRDObjects() []CRD {
	var crds []CRD
	for _, f := range c.Files {
		if strings.HasPrefix(f.Name, CRDsDir+"/") && hasManifestExtension(f.Name) {
			crds = append(crds, CRD{Name: f.Name, Filename: path.Join(c.ChartFullPath(), f.Name), File: f})
		}
	}
	for _, d := range c.Dependencies() {
		crds = append(crds, d.CRDObjects()...)
	}
	return crds
}

func hasManifestExtension(name string) bool {
	ext := path.Ext(name)
	return strings.EqualFold(ext, ".yaml") || strings.EqualFold(ext, ".yml") || strings.EqualFold(ext, ".json")
}

// readmeNames are the files `show readme` looks for, case-insensitively, at
// the chart root, in Helm's order of preference within the file list.
var readmeNames = []string{"readme.md", "readme.txt", "readme"}

// Readme returns the chart's README (README.md, README.txt or README in
// any case, at the root), nil when it has none.
func (c *Chart) Readme() *File {
	for _, f := range c.Files {
		for _, n := range readmeNames {
			if strings.EqualFold(f.Name, n) {
				return f
			}
		}
	}
	return nil
}
