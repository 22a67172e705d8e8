package stack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/berth-sh/berth/pkg/render/values"
)

// DefaultTimeout is how long a release's objects are awaited when the
// stack does not say.
const DefaultTimeout = 5 * time.Minute

// Resolved is one release's settings in one environment, every default
// applied and every path made absolute.
type Resolved struct {
	// Name is the release name.
	Name string
	// Environment is the environment's name ("" for none).
	Environment string
	// Namespace is the release namespace.
	Namespace string
	// Chart is the chart reference; a local path is made absolute (or
	// kept as written when it does not exist, for the locator's error).
	Chart string
	// ChartAsWritten is Chart as the stack file has it, for the lock.
	ChartAsWritten string
	Version        string
	Repo           string
	Verify         bool
	Keep           bool
	Labels         map[string]string
	// CreateNamespace, Wait, Timeout and RollbackOnFailure are the
	// defaults' with the release's over them.
	CreateNamespace   bool
	Wait              bool
	Timeout           time.Duration
	RollbackOnFailure bool
	// Layers are the values layers, lowest precedence first, without the
	// chart's defaults (below them all) and the command line (over them
	// all).
	Layers []Layer
}

// Layer is one source of values of a release.
type Layer struct {
	// Name says where the values come from: "defaults.values",
	// "environments.prod.values", "releases.api.values",
	// "releases.api.environments.prod.values", "releases.api.set",
	// "releases.api.environments.prod.set", "command line".
	Name string
	// File is the values file of the layer, "" for a set.
	File string
	// Values are the set's values; nil for a file, read by Values.
	Values map[string]any
}

// Environment returns environment env of the stack: the zero value and
// true for "" when the stack declares none.
func (s *Stack) Environment(env string) (Environment, error) {
	if env == "" && len(s.Environments) == 0 {
		return Environment{}, nil
	}
	e, ok := s.Environments[env]
	if !ok {
		if env == "" {
			return Environment{}, fmt.Errorf("%s declares environments: choose one with -e (%s)", s.file, strings.Join(s.EnvironmentNames(), ", "))
		}
		return Environment{}, fmt.Errorf("%s: no environment %q: the stack declares %s", s.file, env, s.environmentList())
	}
	return e, nil
}

// Enabled returns the releases of the stack that take part in env (not
// disabled there), in file order.
func (s *Stack) Enabled(env string) []Release {
	var out []Release
	for _, r := range s.Releases {
		if !r.Environments[env].Disabled {
			out = append(out, r)
		}
	}
	return out
}

// Resolve returns the settings of release name in environment env.
func (s *Stack) Resolve(env, name string) (*Resolved, error) {
	e, err := s.Environment(env)
	if err != nil {
		return nil, err
	}
	r := s.Release(name)
	if r == nil {
		return nil, fmt.Errorf("%s: no release %q", s.file, name)
	}
	re := r.Environments[env]
	out := &Resolved{
		Name: r.Name, Environment: env, Namespace: firstOf(r.Namespace, e.Namespace, s.Defaults.Namespace, "default"),
		ChartAsWritten: r.Chart, Chart: s.chartPath(r.Chart), Version: firstOf(re.Version, r.Version),
		Repo: r.Repo, Verify: r.Verify, Keep: r.Keep, Labels: r.Labels,
		CreateNamespace:   boolOf(true, s.Defaults.CreateNamespace, r.CreateNamespace),
		Wait:              boolOf(true, s.Defaults.Wait, r.Wait),
		RollbackOnFailure: boolOf(false, s.Defaults.RollbackOnFailure, r.RollbackOnFailure),
		Timeout:           DefaultTimeout,
	}
	for _, t := range []string{s.Defaults.Timeout, r.Timeout} {
		if t != "" {
			// check() parsed it already.
			out.Timeout, _ = time.ParseDuration(t)
		}
	}
	files := func(layer string, paths []string) {
		for _, p := range paths {
			out.Layers = append(out.Layers, Layer{Name: layer, File: s.path(p)})
		}
	}
	files("defaults.values", s.Defaults.Values)
	files("environments."+env+".values", e.Values)
	files("releases."+name+".values", r.Values)
	files("releases."+name+".environments."+env+".values", re.Values)
	if len(r.Set) > 0 {
		out.Layers = append(out.Layers, Layer{Name: "releases." + name + ".set", Values: r.Set})
	}
	if len(re.Set) > 0 {
		out.Layers = append(out.Layers, Layer{Name: "releases." + name + ".environments." + env + ".set", Values: re.Set})
	}
	return out, nil
}

// path makes p, relative to the stack file, absolute.
func (s *Stack) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.dir, p)
}

// chartPath makes a local chart path relative to the stack file; other
// references stay as written. Like the locator, it takes as a path what
// can only be one (starting with a dot or a slash) and what exists.
func (s *Stack) chartPath(ref string) string {
	if strings.Contains(ref, "://") {
		return ref
	}
	p := s.path(ref)
	if strings.HasPrefix(ref, ".") || filepath.IsAbs(ref) {
		return p
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ref
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func boolOf(def bool, layers ...*bool) bool {
	for _, b := range layers {
		if b != nil {
			def = *b
		}
	}
	return def
}

// Values reads and merges the layers, with command over them all, as
// values files merge (maps merged, anything else replaced). It returns the
// user values of the release.
func (r *Resolved) Values(command map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, l := range r.layers(command) {
		vals, err := l.read()
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", r.Name, err)
		}
		out = values.MergeMaps(out, vals)
	}
	return out, nil
}

func (r *Resolved) layers(command map[string]any) []Layer {
	layers := slices.Clone(r.Layers)
	if len(command) > 0 {
		layers = append(layers, Layer{Name: "command line", Values: command})
	}
	return layers
}

func (l Layer) read() (map[string]any, error) {
	if l.File == "" {
		return values.MergeMaps(map[string]any{}, l.Values), nil
	}
	data, err := os.ReadFile(l.File)
	if err != nil {
		return nil, fmt.Errorf("%s: read values file: %w", l.Name, err)
	}
	vals, err := values.ReadValues(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: values file %s: %w", l.Name, l.File, err)
	}
	return vals, nil
}

// Setting is one layer's value of a key, for --explain.
type Setting struct {
	// Layer is the layer's name; File its values file, if any.
	Layer string `json:"layer"`
	File  string `json:"file,omitempty"`
	// Value is what the layer sets.
	Value any `json:"value"`
}

// Explain returns, lowest precedence first, every layer that sets key (a
// dotted path such as "image.tag"), with command over them all: the last
// one wins, unless the chart's defaults are all there is.
func (r *Resolved) Explain(key string, command map[string]any) ([]Setting, error) {
	path := strings.Split(key, ".")
	var out []Setting
	for _, l := range r.layers(command) {
		vals, err := l.read()
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", r.Name, err)
		}
		if v, ok := lookupValue(vals, path); ok {
			out = append(out, Setting{Layer: l.Name, File: l.File, Value: v})
		}
	}
	return out, nil
}

// LookupValue returns the value at path in vals.
func LookupValue(vals map[string]any, key string) (any, bool) {
	return lookupValue(vals, strings.Split(key, "."))
}

func lookupValue(vals map[string]any, path []string) (any, bool) {
	var cur any = vals
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}
