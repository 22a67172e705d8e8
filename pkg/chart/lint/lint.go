package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render"
)

// Severity is how bad a Message is.
type Severity int

// Severities of messages, lowest first.
const (
	// SeverityInfo is a recommendation, such as adding an icon.
	SeverityInfo Severity = iota + 1
	// SeverityWarning breaks a convention but will likely work.
	SeverityWarning
	// SeverityError will likely fail to install.
	SeverityError
)

var severityNames = map[Severity]string{
	SeverityInfo:    "INFO",
	SeverityWarning: "WARNING",
	SeverityError:   "ERROR",
}

// String returns "INFO", "WARNING" or "ERROR".
func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return "UNKNOWN"
}

// MarshalText encodes the severity by name, so JSON output reads "ERROR".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	for sev, name := range severityNames {
		if name == string(b) {
			*s = sev
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// Message is one problem found in a chart.
type Message struct {
	Severity Severity `json:"severity"`
	// Path is the file at fault relative to the chart ("templates/x.yaml"),
	// a directory ("templates/"), the chart itself, or empty when the chart
	// could not be read at all.
	Path    string `json:"path"`
	Message string `json:"message"`
}

// String returns the message as helm lint prints it:
// "[ERROR] templates/x.yaml: message".
func (m Message) String() string {
	if m.Path == "" {
		return fmt.Sprintf("[%s] %s", m.Severity, m.Message)
	}
	return fmt.Sprintf("[%s] %s: %s", m.Severity, m.Path, m.Message)
}

// Options control a lint run.
type Options struct {
	// Values are the user values (-f, --set) coalesced over values.yaml.
	Values map[string]any
	// Namespace is .Release.Namespace while rendering.
	Namespace string
	// KubeVersion is the target Kubernetes version, for .Capabilities and
	// the deprecation check; nil means render.DefaultCapabilities'.
	KubeVersion *render.KubeVersion
	// SkipSchemaValidation skips values.schema.json checks.
	SkipSchemaValidation bool
}

// Result is the outcome of linting one chart.
type Result struct {
	// Chart is the chart path as given.
	Chart    string    `json:"chart"`
	Messages []Message `json:"messages"`
}

// Highest returns the highest severity among the messages, 0 when there
// are none.
func (r *Result) Highest() Severity {
	var hi Severity
	for _, m := range r.Messages {
		hi = max(hi, m.Severity)
	}
	return hi
}

// Failed reports whether the chart fails the lint: it has an error, or,
// when strict, a warning.
func (r *Result) Failed(strict bool) bool {
	hi := r.Highest()
	return hi == SeverityError || (strict && hi == SeverityWarning)
}

// linter collects the messages of one run.
type linter struct {
	dir      string // the absolute chart path, as Helm names the chart in messages
	messages []Message
}

// check records err, if any, at severity sev and path, and reports whether
// err was nil (the rule passed).
func (l *linter) check(sev Severity, path string, err error) bool {
	if err == nil {
		return true
	}
	l.messages = append(l.messages, Message{Severity: sev, Path: path, Message: err.Error()})
	return false
}

// Lint examines the chart directory or archive at path with Helm's rules.
func Lint(path string, opts Options) *Result {
	l := &linter{dir: path}
	if abs, err := filepath.Abs(path); err == nil {
		l.dir = abs
	}
	if err := checkChartfileExists(path); err != nil {
		l.check(SeverityError, "", err)
		return &Result{Chart: path, Messages: l.messages}
	}
	c, err := chart.Load(path)
	if err != nil {
		l.loadError(err)
		return &Result{Chart: path, Messages: l.messages}
	}
	// Rendering removes disabled subcharts from c: check dependencies
	// first, report them in Helm's order.
	deps := &linter{dir: l.dir}
	deps.dependencies(c)
	l.chartfile(c)
	l.values(c, opts)
	l.templates(c, opts)
	l.messages = append(l.messages, deps.messages...)
	l.crds(c)
	if l.messages == nil {
		l.messages = []Message{}
	}
	return &Result{Chart: path, Messages: l.messages}
}

// loadError reports a chart that could not be loaded: a Chart.yaml field
// at fault is named as Helm's Chart.yaml rules name it.
func (l *linter) loadError(err error) {
	var verr *chart.ValidationError
	if errors.As(err, &verr) {
		l.check(SeverityError, verr.File, fmt.Errorf("%s: %s", verr.Field, verr.Msg))
		return
	}
	l.check(SeverityError, "", fmt.Errorf("unable to load chart: %w", err))
}

// checkChartfileExists fails, as helm lint does, for a path that does not
// exist or a directory without Chart.yaml; archives are left to Load.
func checkChartfileExists(path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		return nil
	}
	if _, err := os.Stat(filepath.Join(path, chart.ChartfileName)); err != nil {
		return fmt.Errorf("unable to check Chart.yaml file in chart: %w", err)
	}
	return nil
}

// SubchartPaths returns the charts under path's charts/ directory, at any
// depth, as `helm lint --with-subcharts` finds them: each directory holding
// a Chart.yaml and each .tgz or .tar.gz archive.
func SubchartPaths(path string) []string {
	var paths []string
	_ = filepath.WalkDir(filepath.Join(path, "charts"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d == nil {
			return nil //nolint:nilerr // a missing or unreadable charts/ has no subcharts to lint
		}
		switch {
		case d.Name() == chart.ChartfileName && !d.IsDir():
			paths = append(paths, filepath.Dir(p))
		case strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz"):
			paths = append(paths, p)
		}
		return nil
	})
	return paths
}

// MarshalJSON keeps an empty message list as [] rather than null.
func (r *Result) MarshalJSON() ([]byte, error) {
	msgs := r.Messages
	if msgs == nil {
		msgs = []Message{}
	}
	type plain Result
	return json.Marshal(&plain{Chart: r.Chart, Messages: msgs})
}
