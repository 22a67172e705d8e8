package render

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// postRenderFileAnnotation carries each document's template name through a
// post-renderer, so that its output can be split back into templates; it
// is Helm's name, and is removed again afterwards.
const postRenderFileAnnotation = "postrenderer.helm.sh/postrender-filename"

// ExecPostRenderer is Helm's --post-renderer: a program that reads every
// rendered document (hooks included) on stdin as one YAML stream and
// prints the documents to use on stdout. Documents keep the template they
// came from through an annotation; documents the program adds come out as
// "generated-by-postrender-N.yaml".
type ExecPostRenderer struct {
	// Path is the program, resolved to an absolute path.
	Path string
	// Args are its arguments (--post-renderer-args).
	Args []string
}

// NewExecPostRenderer finds program as Helm does: a path (with a slash)
// as given, or a name on $PATH.
func NewExecPostRenderer(program string, args []string) (*ExecPostRenderer, error) {
	found, err := exec.LookPath(program)
	if err != nil {
		return nil, fmt.Errorf("post-renderer %q: %w", program, err)
	}
	abs, err := filepath.Abs(found)
	if err != nil {
		return nil, fmt.Errorf("post-renderer %q: %w", program, err)
	}
	return &ExecPostRenderer{Path: abs, Args: args}, nil
}

// Apply is a post-render function (Options.PostRender).
func (p *ExecPostRenderer) Apply(files map[string]string) (map[string]string, error) {
	merged, err := annotateAndMerge(files)
	if err != nil {
		return nil, err
	}
	out, err := p.run(merged)
	if err != nil {
		return nil, err
	}
	split, err := splitAndDeannotate(out)
	if err != nil {
		return nil, fmt.Errorf("post-renderer %s printed invalid YAML: %w", p.Path, err)
	}
	return split, nil
}

func (p *ExecPostRenderer) run(input string) (string, error) {
	// PostRenderer.Apply takes no context, as Helm's does not; a Ctrl-C
	// reaches the post-renderer too, being in berth's process group.
	cmd := exec.Command(p.Path, p.Args...) //nolint:gosec,noctx // running the user's post-renderer is the point
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			return "", fmt.Errorf("post-renderer %s failed: %w: %s", p.Path, err, msg)
		}
		return "", fmt.Errorf("post-renderer %s failed: %w", p.Path, err)
	}
	if len(bytes.TrimSpace(stdout.Bytes())) == 0 {
		return "", fmt.Errorf("post-renderer %s printed nothing: it must print the manifests to use", p.Path)
	}
	return stdout.String(), nil
}

// annotateAndMerge joins the rendered templates, in name order, into one
// stream, each document annotated with its template's name. Partials and
// empty templates are left out.
func annotateAndMerge(files map[string]string) (string, error) {
	var docs []*kyaml.RNode
	for _, name := range slices.Sorted(maps.Keys(files)) {
		content := files[name]
		if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		nodes, err := kio.ParseAll(content)
		if err != nil {
			return "", fmt.Errorf("parse %s for the post-renderer: %w", name, err)
		}
		for _, n := range nodes {
			if err := n.PipeE(kyaml.SetAnnotation(postRenderFileAnnotation, name)); err != nil {
				return "", fmt.Errorf("annotate %s for the post-renderer: %w", name, err)
			}
			docs = append(docs, n)
		}
	}
	return kio.StringAll(docs)
}

// splitAndDeannotate splits a post-renderer's output back into templates
// by the annotation, and removes it.
func splitAndDeannotate(out string) (map[string]string, error) {
	nodes, err := kio.ParseAll(out)
	if err != nil {
		return nil, err
	}
	byName := map[string][]*kyaml.RNode{}
	for i, n := range nodes {
		md, err := n.GetMeta()
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		name := md.Annotations[postRenderFileAnnotation]
		if name == "" {
			name = fmt.Sprintf("generated-by-postrender-%d.yaml", i)
		}
		if err := n.PipeE(kyaml.ClearAnnotation(postRenderFileAnnotation)); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		byName[name] = append(byName[name], n)
	}
	files := make(map[string]string, len(byName))
	for name, docs := range byName {
		s, err := kio.StringAll(docs)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("write %s", name), err)
		}
		files[name] = s
	}
	return files, nil
}
