package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// getOptions are the flags shared by the get subcommands.
type getOptions struct {
	output    outputFlags
	revision  int
	allValues bool
}

func newGetCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get",
		Short: "show what a release recorded",
		Long: `Show parts of a release revision as recorded: its values, manifest, notes,
hooks or metadata, or all of them. --revision picks a revision (default: the
last). The values of Secrets in manifests and hooks are masked, shown as
"(sensitive, N bytes)"; values are shown as the user gave them.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	parts := []struct {
		use, short string
		print      func(io.Writer, *release.Release, *getOptions) error
	}{
		{"values", "show the values of a release (--all for the computed values)", printValues},
		{"manifest", "show the manifest of a release", printText(func(r *release.Release) string { return kube.MaskManifest(r.Manifest) })},
		{"notes", "show the notes of a release", printText(func(r *release.Release) string { return r.Notes })},
		{"hooks", "show the hooks of a release", printText(func(r *release.Release) string { return kube.MaskManifest(hooksText(r)) })},
		{"metadata", "show the metadata of a release", printMetadata},
		{"all", "show everything a release recorded", printAll},
	}
	for _, p := range parts {
		cmd.AddCommand(newGetPartCmd(f, p.use, p.short, p.print))
	}
	return cmd
}

func newGetPartCmd(f *Factory, use, short string, print func(io.Writer, *release.Release, *getOptions) error) *cobra.Command {
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:     use + " NAME",
		Short:   short,
		Example: fmt.Sprintf("  berth get %s web\n  berth get %s web --revision 2", use, use),
		Args:    exactArgs("name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			rel, err := readRelease(cmd.Context(), f, args[0], o.revision)
			if err != nil {
				return err
			}
			return print(f.Out, rel, o)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&o.revision, "revision", 0, "show this revision instead of the last")
	switch use {
	case "values":
		o.output.AddFlags(fs)
		fs.BoolVarP(&o.allValues, "all", "a", false, "show the computed values: the chart's defaults merged with the user's")
	case "metadata":
		o.output.AddFlags(fs)
	default:
		o.output.Format = OutputTable
	}
	return cmd
}

// releaseMetadata is the output of get metadata. See docs/output.md.
type releaseMetadata struct {
	releaseSummary
	ChartName     string `json:"chartName"`
	ChartVersion  string `json:"chartVersion"`
	FirstDeployed string `json:"firstDeployed,omitempty"`
}

func metadataOf(rel *release.Release) releaseMetadata {
	m := releaseMetadata{
		releaseSummary: summaryOf(rel.Summary()), ChartName: rel.ChartName(), ChartVersion: rel.ChartVersion(),
	}
	if !rel.FirstDeployed.IsZero() {
		m.FirstDeployed = rel.FirstDeployed.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	return m
}

func printValues(w io.Writer, rel *release.Release, o *getOptions) error {
	vals := rel.Values
	if o.allValues {
		vals = rel.Config
	}
	if vals == nil {
		vals = map[string]any{}
	}
	return o.output.Print(w, vals, func(w io.Writer) error {
		b, err := yaml.Marshal(vals)
		if err != nil {
			return fmt.Errorf("encode values: %w", err)
		}
		_, err = w.Write(b)
		return err
	})
}

func printText(part func(*release.Release) string) func(io.Writer, *release.Release, *getOptions) error {
	return func(w io.Writer, rel *release.Release, _ *getOptions) error {
		text := part(rel)
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		_, err := io.WriteString(w, text)
		return err
	}
}

func hooksText(rel *release.Release) string {
	var b strings.Builder
	for _, h := range rel.Hooks {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, strings.TrimRight(h.Manifest, "\n"))
	}
	return b.String()
}

func printMetadata(w io.Writer, rel *release.Release, o *getOptions) error {
	m := metadataOf(rel)
	return o.output.Print(w, m, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "NAME: %s\nCHART: %s\nVERSION: %s\nAPP_VERSION: %s\nNAMESPACE: %s\nREVISION: %d\nSTATUS: %s\nDEPLOYED_AT: %s\n",
			m.Name, m.ChartName, m.ChartVersion, m.AppVersion, m.Namespace, m.Revision, m.Status,
			m.Updated.Format("2006-01-02T15:04:05Z07:00"))
		return err
	})
}

func printAll(w io.Writer, rel *release.Release, o *getOptions) error {
	if err := writeReport(w, reportOf(rel, nil)); err != nil {
		return err
	}
	sections := []struct{ title, text string }{
		{"USER-SUPPLIED VALUES", yamlText(rel.Values)},
		{"COMPUTED VALUES", yamlText(rel.Config)},
		{"HOOKS", kube.MaskManifest(hooksText(rel))},
		{"MANIFEST", kube.MaskManifest(rel.Manifest)},
	}
	for _, s := range sections {
		if _, err := fmt.Fprintf(w, "\n%s:\n%s", s.title, s.text); err != nil {
			return err
		}
	}
	return nil
}

func yamlText(v map[string]any) string {
	if len(v) == 0 {
		return "{}\n"
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprintf("# cannot encode: %v\n", err)
	}
	return string(b)
}
