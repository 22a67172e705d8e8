package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/render"
)

// defaultReleaseName is the release name when only a chart is given, as in
// Helm.
const defaultReleaseName = "release-name"

// templateOptions are the flags and arguments of berth template.
type templateOptions struct {
	values valuesFlags
	ref    chartRefFlags

	releaseName          string
	chartPath            string
	namespace            string
	kubeVersion          string
	apiVersions          []string
	isUpgrade            bool
	includeCRDs          bool
	skipCRDs             bool
	noHooks              bool
	skipTests            bool
	showOnly             []string
	outputDir            string
	useReleaseName       bool
	postRendererPatches  []string
	skipSchemaValidation bool
	strict               bool
}

func newTemplateCmd(f *Factory) *cobra.Command {
	o := &templateOptions{}
	cmd := &cobra.Command{
		Use:   "template [NAME] CHART",
		Short: "render a chart's manifests locally",
		Long: `Render a chart into Kubernetes manifests without a cluster, exactly as
'helm template' prints them: every document headed by '---' and a
'# Source:' comment naming its template, in Helm's install order, hooks
last.

` + chartArgHelp + `

Values come from the chart's values.yaml, then -f files and --set flags in
order. The cluster is assumed to run --kube-version (default: the version of
berth's Kubernetes client library) and to serve the built-in APIs plus
--api-versions.

--post-renderer-patch applies RFC 6902 JSON patches (a list) or RFC 7386
merge patches (a mapping) to the rendered objects they target, before output
is sorted. A target matches on any of apiVersion, kind, name (a glob) and
namespace; objects no patch targets are printed as rendered:

  patches:
    - target: {kind: Deployment, name: "web-*"}
      patch:
        - {op: replace, path: /spec/replicas, value: 3}
    - target: {kind: ConfigMap}
      patch: {metadata: {labels: {team: web}}}`,
		Example: `  # Render a chart directory with a release name and a namespace
  berth template web ./charts/web -n prod -f prod.yaml --set image.tag=1.2.3

  # Only the service, for a cluster running Kubernetes 1.29
  berth template web ./charts/web --show-only templates/service.yaml --kube-version 1.29

  # A chart from an OCI registry, highest 1.2.x release
  berth template web oci://ghcr.io/acme/charts/web --version '~1.2'

  # One file per template, CRDs included
  berth template web ./charts/web --include-crds --output-dir out/`,
		Args: rangeArgs(1, 2, "name", "chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.releaseName, o.chartPath = defaultReleaseName, args[0]
			} else {
				o.releaseName, o.chartPath = args[0], args[1]
			}
			if ns := f.KubeFlags.Namespace; ns != nil && *ns != "" {
				o.namespace = *ns
			} else {
				o.namespace = "default"
			}
			return runTemplate(cmd.Context(), f, o)
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}

func (o *templateOptions) addFlags(fs *pflag.FlagSet) {
	o.values.AddFlags(fs)
	o.ref.AddFlags(fs)
	fs.StringVar(&o.kubeVersion, "kube-version", "", "Kubernetes version templates see in .Capabilities.KubeVersion")
	fs.StringSliceVarP(&o.apiVersions, "api-versions", "a", nil,
		"API versions (group/version or group/version/Kind) added to .Capabilities.APIVersions; repeatable or comma-separated")
	fs.BoolVar(&o.isUpgrade, "is-upgrade", false, "render as an upgrade: .Release.IsUpgrade true, .Release.IsInstall false")
	fs.BoolVar(&o.includeCRDs, "include-crds", false, "include the files of crds/ directories in the output")
	fs.BoolVar(&o.skipCRDs, "skip-crds", false,
		"accepted as helm template accepts it; template installs nothing, and prints CRDs only with --include-crds")
	fs.BoolVar(&o.noHooks, "no-hooks", false, "leave hooks out of the output")
	fs.BoolVar(&o.skipTests, "skip-tests", false, "leave test hooks out of the output")
	fs.StringArrayVar(&o.showOnly, "show-only", nil,
		"only output documents from these templates (path or glob relative to the chart, e.g. templates/service.yaml); repeatable")
	fs.StringVar(&o.outputDir, "output-dir", "", "write each template's documents to a file under this directory instead of stdout")
	fs.BoolVar(&o.useReleaseName, "release-name", false, "with --output-dir, write under a directory named after the release")
	fs.StringArrayVar(&o.postRendererPatches, "post-renderer-patch", nil,
		"apply the patches of this file to the rendered objects; repeatable")
	fs.BoolVar(&o.skipSchemaValidation, "skip-schema-validation", false, "do not validate values against values.schema.json")
	fs.BoolVar(&o.strict, "strict", false, "fail when a template reads a value that is not set")
}

// releaseNameRegexp is Helm's rule for release names: a DNS subdomain.
var releaseNameRegexp = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

const maxReleaseNameLen = 53

func validateReleaseName(name string) error {
	if name == "" || len(name) > maxReleaseNameLen || !releaseNameRegexp.MatchString(name) {
		return usageErrorf("invalid release name %q: use at most %d lowercase letters, digits, '-' and '.', "+
			"starting and ending with a letter or digit", name, maxReleaseNameLen)
	}
	return nil
}

func runTemplate(ctx context.Context, f *Factory, o *templateOptions) error {
	if err := validateReleaseName(o.releaseName); err != nil {
		return err
	}
	opts, err := o.renderOptions()
	if err != nil {
		return err
	}
	c, err := o.ref.load(ctx, f, o.chartPath)
	if err != nil {
		return err
	}
	if c.Metadata != nil && c.Metadata.Deprecated {
		f.Logger().Warn("this chart is deprecated", "chart", c.Name())
	}
	user, err := o.values.userValues(f.In)
	if err != nil {
		return err
	}
	res, err := render.Chart(c, user, opts)
	if err != nil {
		var yamlErr *render.YAMLError
		if errors.As(err, &yamlErr) && res != nil {
			if !f.Debug {
				return fmt.Errorf("render chart %s: %w\n\nUse --debug to print the rendered templates", c.Name(), err)
			}
			writeRawFiles(f, res)
		}
		return fmt.Errorf("render chart %s: %w", c.Name(), err)
	}
	wo := render.WriteOptions{
		IncludeCRDs: o.includeCRDs,
		NoHooks:     o.noHooks,
		SkipTests:   o.skipTests,
		ShowOnly:    o.showOnly,
	}
	if o.outputDir != "" {
		releaseDir := ""
		if o.useReleaseName {
			releaseDir = o.releaseName
		}
		return render.WriteDir(o.outputDir, releaseDir, res, wo, f.ErrOut)
	}
	return render.Write(f.Out, res, wo)
}

// renderOptions turns the flags into render options.
func (o *templateOptions) renderOptions() (render.ChartOptions, error) {
	caps := render.DefaultCapabilities()
	if o.kubeVersion != "" {
		kv, err := render.ParseKubeVersion(o.kubeVersion)
		if err != nil {
			return render.ChartOptions{}, usageErrorf("invalid --kube-version: %w", err)
		}
		caps.KubeVersion = kv
	}
	caps.APIVersions = append(caps.APIVersions, o.apiVersions...)
	opts := render.ChartOptions{
		Options: render.Options{
			Release: render.ReleaseOptions{
				Name: o.releaseName, Namespace: o.namespace, Revision: 1,
				IsInstall: !o.isUpgrade, IsUpgrade: o.isUpgrade,
			},
			Capabilities: caps,
			Strict:       o.strict,
		},
		SkipSchemaValidation: o.skipSchemaValidation,
	}
	var patches []*render.PatchFile
	for _, p := range o.postRendererPatches {
		pf, err := render.LoadPatchFile(p)
		if err != nil {
			return render.ChartOptions{}, fmt.Errorf("--post-renderer-patch: %w", err)
		}
		patches = append(patches, pf)
	}
	if len(patches) > 0 {
		opts.PostRender = func(files map[string]string) (map[string]string, error) {
			var err error
			for _, pf := range patches {
				if files, err = pf.Apply(files); err != nil {
					return nil, err
				}
			}
			return files, nil
		}
	}
	return opts, nil
}

// writeRawFiles prints the rendered templates as they were before
// splitting, so that --debug shows the invalid YAML.
func writeRawFiles(f *Factory, res *render.Result) {
	for _, name := range slices.Sorted(maps.Keys(res.Files)) {
		if strings.TrimSpace(res.Files[name]) == "" {
			continue
		}
		fmt.Fprintf(f.Out, "---\n# Source: %s\n%s\n", name, res.Files[name])
	}
}
