package render

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
)

// parseError reduces text/template's parse error to "parse error at
// (file:line): message".
func parseError(name string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %w", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

// execError keeps text/template's "file:line:col" and, for required and
// fail, replaces the call chain with the chart's own message. Any other
// error is shown as Helm shows it: one entry per template of the chain of
// includes, each with its location, the call that failed and the message
// (see traceError).
func execError(name string, err error) error {
	var ee template.ExecError
	if !errors.As(err, &ee) {
		return fmt.Errorf("render %s: %w", name, err)
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %w", name, err)
	}
	if m := userErrRegexp.FindStringSubmatch(tokens[2]); len(m) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], m[1])
	}
	if trace, ok := traceError(err); ok {
		return errors.New(trace)
	}
	return err
}

// traceStep is one template of the chain an execution error went through.
type traceStep struct {
	location string // "chart/templates/x.yaml:3:4"
	call     string // `executing "name" at <include "y" .>:`
	message  string
}

func (s traceStep) String() string {
	var b strings.Builder
	if s.location != "" {
		b.WriteString(s.location + "\n  ")
	}
	if s.call != "" {
		b.WriteString(s.call + "\n    ")
	}
	if s.message != "" {
		b.WriteString(s.message + "\n")
	}
	return b.String()
}

// traceError formats the chain of wrapped errors of a template execution,
// outermost first, the way Helm 4 prints them:
//
//	chart/templates/a.yaml:1:25
//	  executing "chart/templates/a.yaml" at <include "x" .>:
//	    error calling include:
//	chart/templates/_helpers.tpl:3:4
//	  executing "x" at <$config>:
//	    wrong type for value; expected map[string]interface {}; got string
//
// It reports false when an error of the chain does not read as one of
// text/template's, and the error is then shown as it is.
func traceError(err error) (string, bool) {
	var steps []traceStep
	for ; err != nil; err = errors.Unwrap(err) {
		step, ok := parseTraceStep(err.Error())
		if !ok {
			return "", false
		}
		if len(steps) == 0 || steps[len(steps)-1] != step {
			steps = append(steps, step)
		}
	}
	var b strings.Builder
	for _, s := range steps {
		b.WriteString(s.String())
	}
	return strings.TrimSpace(b.String()), true
}

// parseTraceStep reads one of text/template's execution errors:
// "template: NAME: executing "FUNC" at <NODE>: MESSAGE", "template: NAME:
// MESSAGE" or "template: no template ...". The message stops where the
// next wrapped error ("template: ...") starts.
func parseTraceStep(s string) (traceStep, bool) {
	rest, ok := strings.CutPrefix(s, "template: ")
	if !ok {
		return traceStep{}, false
	}
	if strings.HasPrefix(rest, "no template ") {
		return traceStep{message: s}, true
	}
	if step, ok := parseExecutingStep(rest); ok {
		return step, true
	}
	sep := strings.LastIndex(rest, ": ")
	if sep < 0 {
		return traceStep{}, false
	}
	return traceStep{location: rest[:sep], message: ownMessage(rest[sep+2:])}, true
}

// parseExecutingStep reads `NAME: executing "FUNC" at <NODE>: MESSAGE`.
func parseExecutingStep(rest string) (traceStep, bool) {
	location, after, found := strings.Cut(rest, ": executing ")
	if !found || !strings.HasPrefix(after, `"`) {
		return traceStep{}, false
	}
	end := strings.IndexByte(after[1:], '"')
	if end < 0 {
		return traceStep{}, false
	}
	fn, after := after[1:end+1], after[end+2:]
	after, ok := strings.CutPrefix(after, " at <")
	if !ok {
		return traceStep{}, false
	}
	node, msg, found := strings.Cut(after, ">: ")
	if !found {
		return traceStep{}, false
	}
	return traceStep{
		location: location,
		call:     `executing "` + fn + `" at <` + node + `>:`,
		message:  ownMessage(msg),
	}, true
}

// ownMessage cuts a message where the wrapped error's text begins.
func ownMessage(msg string) string {
	if i := strings.Index(msg, " template:"); i >= 0 {
		return msg[:i]
	}
	return msg
}
