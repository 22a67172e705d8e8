package engine

import (
	"encoding/base64"
	"path"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// Files is .Files in templates: a chart's non-template files by path
// relative to the chart root. It names the unexported type files, whose
// name templates see, as in Helm.
type Files = files

type files map[string][]byte

// NewFiles indexes a chart's files by name.
func NewFiles(from []*chart.File) Files {
	files := make(Files, len(from))
	for _, f := range from {
		files[f.Name] = f.Data
	}
	return files
}

// GetBytes returns the file's content, an empty (not nil) slice when there
// is no such file, as in Helm: toJson prints "" for it, not null.
func (f files) GetBytes(name string) []byte {
	if data, ok := f[name]; ok {
		return data
	}
	return []byte{}
}

// Get returns the file's content as a string, empty when there is no such
// file.
func (f files) Get(name string) string {
	return string(f.GetBytes(name))
}

// Glob returns the files whose names match pattern. "*" and "?" stop at
// "/", "**" crosses it, "[...]" is a character class and "{a,b}" an
// alternative. A pattern that does not compile matches every file, as in
// Helm.
func (f files) Glob(pattern string) Files {
	re, err := compileGlob(pattern)
	if err != nil {
		re = regexp.MustCompile(`^.*$`)
	}
	out := Files{}
	for name, data := range f {
		if re.MatchString(name) {
			out[name] = data
		}
	}
	return out
}

// Lines returns the file split into lines, without a trailing empty line
// for the final newline.
func (f files) Lines(name string) []string {
	data := f[name]
	if len(data) == 0 {
		return []string{}
	}
	s := strings.TrimSuffix(string(data), "\n")
	return strings.Split(s, "\n")
}

// AsConfig renders the files as a YAML mapping from base name to content,
// for a ConfigMap's data. No files render as "{}", only a nil Files as "".
func (f files) AsConfig() string {
	if f == nil {
		return ""
	}
	m := make(map[string]string, len(f))
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

// toYAML is the template function toYaml, for a map of strings, which
// always marshals.
func toYAML(m map[string]string) string {
	data, err := yaml.Marshal(m)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

// AsSecrets renders the files as a YAML mapping from base name to base64
// content, for a Secret's data.
func (f files) AsSecrets() string {
	if f == nil {
		return ""
	}
	m := make(map[string]string, len(f))
	for name, data := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(data)
	}
	return toYAML(m)
}
