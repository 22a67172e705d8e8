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

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/render"
)

// defaultReleaseName is the release name when only a chart is given, as in
// Helm.
const defaultReleaseName = "release-name"

// templateOptions are the flags and arguments of berth template.
type templateOptions struct {
	values valuesFlags
	ref    chartRefFlags
	post   postRenderFlags

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
	skipSchemaValidation bool
	strict               bool
	generateName         bool
	nameTemplate         string
	// dryRun is "client" (offline, the default) or "server": .Capabilities
	// and lookup come from the cluster, as with Helm 3's --validate.
	dryRun    string
	validate  bool
	enableDNS bool
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

--dry-run=server (or Helm 3's --validate) renders against the cluster of the
connection flags instead: .Capabilities are its version and APIs, and lookup
reads its objects (--kube-version and --api-versions are then ignored, as in
Helm).

--post-renderer runs a program (a path, or a name on $PATH) with every
rendered document (hooks too) on stdin as one YAML stream, each annotated
with the template it came from; what it prints replaces them, as Helm 4
runs post-renderers. --post-renderer-patch applies RFC 6902 JSON patches (a
list) or RFC 7386 merge patches (a mapping) to the rendered objects they
target, after the post-renderer and before output is sorted. A target matches on any of apiVersion, kind, name (a glob) and
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
			if err := o.parseArgs(args); err != nil {
				return err
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
	o.ref.AddDependencyUpdateFlag(fs)
	o.post.AddFlags(fs)
	fs.BoolVarP(&o.generateName, "generate-name", "g", false,
		`accepted for Helm's sake: without NAME the release is "release-name", as in helm template`)
	fs.StringVar(&o.nameTemplate, "name-template", "", "the release name as a Go template (sprig functions), e.g. '{{ randAlpha 6 | lower }}'")
	fs.StringVar(&o.dryRun, "dry-run", "client", `"client" renders offline; "server" renders against the cluster (its capabilities and lookup)`)
	fs.Lookup("dry-run").NoOptDefVal = "client"
	fs.BoolVar(&o.validate, "validate", false, "render against the cluster, as --dry-run=server (Helm 3's flag)")
	fs.BoolVar(&o.enableDNS, "enable-dns", false, "let getHostByName resolve names while rendering (otherwise it renders \"\", as in Helm)")
	addCompatFlags(fs, templateIgnores...)
	fs.StringVar(&o.kubeVersion, "kube-version", "", "Kubernetes version templates see in .Capabilities.KubeVersion")
	fs.StringSliceVarP(&o.apiVersions, "api-versions", "a", nil,
		"API versions (group/version or group/version/Kind) added to .Capabilities.APIVersions; repeatable or comma-separated")
	fs.BoolVar(&o.isUpgrade, "is-upgrade", false, "render as an upgrade: .Release.IsUpgrade true, .Release.IsInstall false")
	fs.BoolVar(&o.includeCRDs, "include-crds", false, "include the files of crds/ directories in the output")
	fs.BoolVar(&o.skipCRDs, "skip-crds", false,
		"accepted as helm template accepts it; template installs nothing, and prints CRDs only with --include-crds")
	fs.BoolVar(&o.noHooks, "no-hooks", false, "leave hooks out of the output")
	fs.BoolVar(&o.skipTests, "skip-tests", false, "leave test hooks out of the output")
	fs.StringArrayVarP(&o.showOnly, "show-only", "s", nil,
		"only output documents from these templates (path or glob relative to the chart, e.g. templates/service.yaml); repeatable")
	fs.StringVar(&o.outputDir, "output-dir", "", "write each template's documents to a file under this directory instead of stdout")
	fs.BoolVar(&o.useReleaseName, "release-name", false, "with --output-dir, write under a directory named after the release")
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

// parseArgs takes NAME and CHART, or CHART with the name from
// --name-template or Helm's default, "release-name". As in Helm,
// --generate-name is refused with NAME and means nothing without it.
func (o *templateOptions) parseArgs(args []string) error {
	if len(args) == 2 {
		if o.generateName || o.nameTemplate != "" {
			return usageErrorf("give NAME, or --generate-name / --name-template, not both")
		}
		o.releaseName, o.chartPath = args[0], args[1]
		return nil
	}
	o.chartPath = args[0]
	o.releaseName = defaultReleaseName
	if o.nameTemplate != "" {
		name, err := renderNameTemplate(o.nameTemplate)
		if err != nil {
			return err
		}
		o.releaseName = name
	}
	return nil
}

func runTemplate(ctx context.Context, f *Factory, o *templateOptions) error {
	if err := validateReleaseName(o.releaseName); err != nil {
		return err
	}
	opts, err := o.renderOptions(f)
	if err != nil {
		return err
	}
	c, err := o.ref.loadRenderable(ctx, f, o.chartPath)
	if err != nil {
		return err
	}
	if c.Metadata != nil && c.Metadata.Deprecated {
		f.Logger().Warn("this chart is deprecated", "chart", c.Name())
	}
	if err := o.useCluster(ctx, f, &opts); err != nil {
		return err
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

// useCluster points opts at the cluster with --dry-run=server or
// --validate: its capabilities replace the assumed ones, and lookup reads
// it.
func (o *templateOptions) useCluster(ctx context.Context, f *Factory, opts *render.ChartOptions) error {
	switch o.dryRun {
	case "client", "":
		if !o.validate {
			return nil
		}
	case "server":
	default:
		return usageErrorf("invalid --dry-run %q: use client or server", o.dryRun)
	}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	cfg.Namespace = o.namespace
	view, err := action.ClusterView(ctx, cfg)
	if err != nil {
		return err
	}
	opts.Capabilities, opts.Lookup = view.Capabilities, view.Lookup
	return nil
}

// renderOptions turns the flags into render options.
func (o *templateOptions) renderOptions(_ *Factory) (render.ChartOptions, error) {
	caps := render.DefaultCapabilities()
	if o.kubeVersion != "" {
		kv, err := render.ParseKubeVersion(o.kubeVersion)
		if err != nil {
			return render.ChartOptions{}, usageErrorf("invalid --kube-version: %w", err)
		}
		caps.KubeVersion = kv
	}
	caps.APIVersions = append(caps.APIVersions, o.apiVersions...)
	postRender, err := o.post.postRender()
	if err != nil {
		return render.ChartOptions{}, err
	}
	return render.ChartOptions{
		Options: render.Options{
			Release: render.ReleaseOptions{
				Name: o.releaseName, Namespace: o.namespace, Revision: 1,
				IsInstall: !o.isUpgrade, IsUpgrade: o.isUpgrade,
			},
			Capabilities: caps,
			Strict:       o.strict,
			EnableDNS:    o.enableDNS,
			PostRender:   postRender,
		},
		SkipSchemaValidation: o.skipSchemaValidation,
	}, nil
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
