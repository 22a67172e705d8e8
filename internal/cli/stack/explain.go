package stack

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/stack"
)

// explainDocument is stack plan --explain -o json|yaml.
type explainDocument struct {
	Release      string               `json:"release"`
	Key          string               `json:"key"`
	Environments []explainEnvironment `json:"environments"`
}

type explainEnvironment struct {
	Name string `json:"name"`
	// Layers set the key, lowest precedence first; the last wins.
	Layers []stack.Setting `json:"layers"`
}

// runExplain prints, per environment, each layer that sets the key.
func runExplain(ctx context.Context, e *Env, o *planOptions) error {
	name, key, ok := strings.Cut(o.explain, ".")
	if !ok || name == "" || key == "" {
		return e.UsageError("invalid --explain %q: use RELEASE.KEY, e.g. api.replicaCount", o.explain)
	}
	s, err := o.stack.load()
	if err != nil {
		return err
	}
	if s.Release(name) == nil {
		return e.UsageError("invalid --explain %q: %q is not a release of %s", o.explain, name, o.stack.file)
	}
	envs, err := o.stack.envNames(e, s)
	if err != nil {
		return err
	}
	vals, err := o.stack.commandValues(e, s)
	if err != nil {
		return err
	}
	doc := explainDocument{Release: name, Key: key}
	locator := o.stack.locator()
	for _, env := range envs {
		res, err := s.Resolve(env, name)
		if err != nil {
			return err
		}
		layers, err := res.Explain(key, vals[name])
		if err != nil {
			return err
		}
		lc, err := locator.Locate(ctx, action.ChartRequest{Ref: res.Chart, Version: res.Version, RepoURL: res.Repo})
		if err != nil {
			return err
		}
		if v, ok := stack.LookupValue(lc.Chart.Values, key); ok {
			layers = append([]stack.Setting{{Layer: "chart defaults", File: lc.Ref + " values.yaml", Value: v}}, layers...)
		}
		doc.Environments = append(doc.Environments, explainEnvironment{Name: env, Layers: layers})
	}
	return o.output.print(e.Out, doc, func(w io.Writer) error { return writeExplain(w, doc) })
}

func writeExplain(w io.Writer, doc explainDocument) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ENVIRONMENT\tLAYER\tVALUE\tFILE")
	for _, env := range doc.Environments {
		if len(env.Layers) == 0 {
			fmt.Fprintf(tw, "%s\t(no layer sets %s)\t\t\n", label(env.Name), doc.Key)
		}
		for i, l := range env.Layers {
			layer := l.Layer
			if i == len(env.Layers)-1 {
				layer += " (wins)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", label(env.Name), layer, l.Value, l.File)
		}
	}
	return tw.Flush()
}
