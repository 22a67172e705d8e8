package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/render"
)

// postRenderFlags are the post-rendering flags of every command that
// renders a chart: Helm's --post-renderer program and berth's patch files.
type postRenderFlags struct {
	program string
	args    []string
	patches []string
}

// AddFlags adds --post-renderer, --post-renderer-args and
// --post-renderer-patch to fs.
func (p *postRenderFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.program, "post-renderer", "",
		"program (a path, or a name on $PATH) that reads the rendered manifests on stdin and prints the ones to use, as kustomize wrappers do")
	fs.StringArrayVar(&p.args, "post-renderer-args", nil, "an argument to the --post-renderer program; repeatable")
	fs.StringArrayVar(&p.patches, "post-renderer-patch", nil,
		"apply the patches of this file (see berth template --help) to the rendered objects, after --post-renderer; repeatable")
}

// postRender returns the post-render function the flags select, nil when
// they select none. A program that cannot be found, or a patch file that
// does not parse, is an error naming it.
func (p *postRenderFlags) postRender() (func(map[string]string) (map[string]string, error), error) {
	var steps []func(map[string]string) (map[string]string, error)
	if p.program != "" {
		pr, err := render.NewExecPostRenderer(p.program, p.args)
		if err != nil {
			return nil, usageErrorf("--post-renderer: %w", err)
		}
		steps = append(steps, pr.Apply)
	} else if len(p.args) > 0 {
		return nil, usageErrorf("--post-renderer-args needs --post-renderer")
	}
	for _, name := range p.patches {
		pf, err := render.LoadPatchFile(name)
		if err != nil {
			return nil, fmt.Errorf("--post-renderer-patch: %w", err)
		}
		steps = append(steps, pf.Apply)
	}
	if len(steps) == 0 {
		return nil, nil
	}
	return func(files map[string]string) (map[string]string, error) {
		var err error
		for _, step := range steps {
			if files, err = step(files); err != nil {
				return nil, err
			}
		}
		return files, nil
	}, nil
}
