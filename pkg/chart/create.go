package chart

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// starter is the chart `berth create` writes: a web application with a
// Deployment, a Service, an optional Ingress and HorizontalPodAutoscaler, a
// ServiceAccount, NOTES.txt, helpers, a values schema and a README.
//
//go:embed all:starter
var starter embed.FS

// starterPlaceholder is replaced by the new chart's name in every starter
// file.
const starterPlaceholder = "<CHARTNAME>"

// newChartName is what Create accepts as a chart name: it ends up in
// object names, so it must be a DNS label that starts with a letter.
var newChartName = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// Create writes a new chart named name into dir/name, from berth's starter,
// and returns that directory. The chart is written into a temporary
// directory beside it and renamed into place, and Create refuses to replace
// an existing dir/name.
func Create(name, dir string) (string, error) {
	sub, err := fs.Sub(starter, "starter")
	if err != nil {
		return "", err
	}
	return CreateFrom(name, dir, sub)
}

// CreateFrom is Create with another starter: the chart directory in
// starterFS (Helm's `helm create --starter`). Every file is copied with
// "<CHARTNAME>" replaced by name, and Chart.yaml's name: set to name.
func CreateFrom(name, dir string, starterFS fs.FS) (string, error) {
	if !newChartName.MatchString(name) || len(name) > 53 {
		return "", fmt.Errorf("create chart: invalid name %q: use at most 53 lowercase letters, digits and dashes, "+
			"starting with a letter and not ending with a dash", name)
	}
	dest := filepath.Join(dir, name)
	if _, err := os.Lstat(dest); err == nil {
		return "", fmt.Errorf("create chart %q: %s already exists", name, dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("create chart %q: %w", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create chart %q: %w", name, err)
	}
	tmp, err := os.MkdirTemp(dir, "."+name+".create-*")
	if err != nil {
		return "", fmt.Errorf("create chart %q: %w", name, err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	if err := writeStarter(tmp, name, starterFS); err != nil {
		return "", fmt.Errorf("create chart %q: %w", name, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { //nolint:gosec // charts are meant to be readable
		return "", fmt.Errorf("create chart %q: %w", name, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return "", fmt.Errorf("create chart %q: %w", name, err)
	}
	return dest, nil
}

// chartNameLine is Chart.yaml's top-level name: line.
var chartNameLine = regexp.MustCompile(`(?m)^name:.*$`)

func writeStarter(root, name string, sub fs.FS) error {
	if _, err := fs.Stat(sub, ChartfileName); err != nil {
		return fmt.Errorf("the starter is not a chart: %w", err)
	}
	return fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		target := filepath.Join(root, filepath.FromSlash(p))
		if d.IsDir() {
			return os.Mkdir(target, 0o755)
		}
		data, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		data = bytes.ReplaceAll(data, []byte(starterPlaceholder), []byte(name))
		if p == ChartfileName {
			data = chartNameLine.ReplaceAll(data, []byte("name: "+name))
		}
		return os.WriteFile(target, data, 0o644)
	})
}
