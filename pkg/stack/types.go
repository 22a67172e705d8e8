package stack

// APIVersion is the version of the stack file format this package reads.
const APIVersion = "berth.sh/v1alpha1"

// Kinds of the files of the stack format.
const (
	// KindStack is the kind of a stack file.
	KindStack = "Stack"
	// KindLock is the kind of berth.lock.
	KindLock = "StackLock"
	// KindPlan is the kind of a plan written by berth stack plan --out.
	KindPlan = "StackPlan"
)

// Until says when a need holds: how far the needed release must have come
// before a release that needs it starts.
type Until string

// Conditions of a need.
const (
	// UntilDeployed holds once the needed release is recorded deployed
	// (applied, and awaited if it waits).
	UntilDeployed Until = "deployed"
	// UntilReady holds once the needed release's objects are ready: it is
	// awaited even when it does not wait itself.
	UntilReady Until = "ready"
	// UntilTested holds once the needed release's test hooks passed (as
	// berth test runs them).
	UntilTested Until = "tested"
)

// Struct tags of the types below, read by the schema generator
// (schema.go): json names the field, jsonschema:"required" makes it
// required, doc describes it, and const, enum (values separated by |),
// pattern and maxLength constrain it.

// Stack is a stack file, apiVersion berth.sh/v1alpha1, kind Stack: the
// releases of a system, their defaults, the environments they are deployed
// to and what each release needs first.
type Stack struct {
	APIVersion string   `json:"apiVersion" jsonschema:"required" const:"berth.sh/v1alpha1" doc:"The version of the stack file format."`
	Kind       string   `json:"kind" jsonschema:"required" const:"Stack"`
	Metadata   Metadata `json:"metadata" jsonschema:"required"`
	// Defaults apply to every release, below the environment's and the
	// release's own settings.
	Defaults Defaults `json:"defaults,omitzero" doc:"Settings of every release; environments and releases override them."`
	// Environments are where the stack is deployed, by name.
	Environments map[string]Environment `json:"environments,omitempty" doc:"Where the stack is deployed, by name: a kubeconfig context each."`
	// Releases are the stack's releases, each named once.
	Releases []Release `json:"releases" jsonschema:"required" doc:"The releases of the stack."`

	// file is where the stack was read from; dir is its directory, against
	// which values files and local charts are found.
	file, dir string
}

// Metadata names the stack.
type Metadata struct {
	// Name names the stack's inventory in each environment's cluster: a
	// DNS label.
	Name string `json:"name" jsonschema:"required" pattern:"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" maxLength:"53" doc:"The stack's name: a DNS label of up to 53 characters."`
	// Labels describe the stack; berth does not use them.
	Labels map[string]string `json:"labels,omitempty" doc:"Labels describing the stack."`
}

// Defaults are the settings every release starts from.
type Defaults struct {
	// Namespace is the release namespace when neither the environment nor
	// the release names one; "default" when nothing does.
	Namespace string `json:"namespace,omitempty" doc:"Release namespace. ${VAR} is substituted."`
	// CreateNamespace creates a release's namespace when it installs
	// (default true).
	CreateNamespace *bool `json:"createNamespace,omitempty" doc:"Create the release namespace when installing (default true)."`
	// Wait waits for a release's objects to be ready before it counts
	// deployed (default true).
	Wait *bool `json:"wait,omitempty" doc:"Wait for the objects to be ready (default true)."`
	// Timeout bounds that wait, as a Go duration ("5m").
	Timeout string `json:"timeout,omitempty" doc:"How long to wait for readiness, a duration such as 5m (default 5m)."`
	// RollbackOnFailure rolls a failed upgrade back, or uninstalls a
	// failed install (default false).
	RollbackOnFailure *bool `json:"rollbackOnFailure,omitempty" doc:"Roll a failed upgrade back, uninstall a failed install (default false)."`
	// Values are values files, relative to the stack file, lowest first.
	Values []string `json:"values,omitempty" doc:"Values files, relative to the stack file. ${VAR} is substituted."`
}

// Environment is one place the stack is deployed to.
type Environment struct {
	// KubeContext is the kubeconfig context of the environment's cluster;
	// empty is the current context (or --context).
	KubeContext string `json:"kubeContext,omitempty" doc:"The kubeconfig context of the environment's cluster (default: the current one). ${VAR} is substituted."`
	// Kubeconfig is the kubeconfig file; empty is --kubeconfig, KUBECONFIG
	// or ~/.kube/config.
	Kubeconfig string `json:"kubeconfig,omitempty" doc:"The kubeconfig file, relative to the stack file (default: KUBECONFIG). ${VAR} is substituted."`
	// Namespace overrides Defaults.Namespace in this environment.
	Namespace string `json:"namespace,omitempty" doc:"Release namespace in this environment. ${VAR} is substituted."`
	// Values are the environment's values files, over the defaults'.
	Values []string `json:"values,omitempty" doc:"Values files of the environment. ${VAR} is substituted."`
}

// Release is one release of the stack.
type Release struct {
	// Name is the release name, unique in the stack.
	Name string `json:"name" jsonschema:"required" pattern:"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" maxLength:"53" doc:"The release name, unique in the stack."`
	// Namespace overrides the environment's and the defaults' namespace.
	Namespace string `json:"namespace,omitempty" doc:"Release namespace. ${VAR} is substituted."`
	// Chart is any chart source berth takes: a path (relative to the stack
	// file), REPO/NAME, an archive URL or oci://HOST/PATH/NAME.
	Chart string `json:"chart" jsonschema:"required" doc:"The chart: ./DIR or ARCHIVE relative to the stack file, REPO/NAME, https://.../NAME.tgz or oci://HOST/PATH/NAME. ${VAR} is substituted."`
	// Version is an exact version or a SemVer constraint ("16.x").
	Version string `json:"version,omitempty" doc:"Chart version or SemVer constraint. ${VAR} is substituted."`
	// Repo is a chart repository URL: Chart is then a chart name in it.
	Repo string `json:"repo,omitempty" doc:"Chart repository URL: chart is then a name in its index. ${VAR} is substituted."`
	// Verify checks the chart's provenance before it is used.
	Verify bool `json:"verify,omitempty" doc:"Check the chart's provenance before using it."`
	// Needs are the releases that must hold first.
	Needs []Need `json:"needs,omitempty" doc:"Releases this one needs first, and how far."`
	// Keep protects the release: it is never pruned, and stack destroy
	// leaves it, unless --force.
	Keep bool `json:"keep,omitempty" doc:"Never prune or destroy this release without --force."`
	// Labels select the release with -l.
	Labels map[string]string `json:"labels,omitempty" doc:"Labels to select releases with -l."`
	// CreateNamespace, Wait, Timeout and RollbackOnFailure override the
	// defaults.
	CreateNamespace   *bool  `json:"createNamespace,omitempty" doc:"Overrides defaults.createNamespace."`
	Wait              *bool  `json:"wait,omitempty" doc:"Overrides defaults.wait."`
	Timeout           string `json:"timeout,omitempty" doc:"Overrides defaults.timeout."`
	RollbackOnFailure *bool  `json:"rollbackOnFailure,omitempty" doc:"Overrides defaults.rollbackOnFailure."`
	// Values are the release's values files, over the environment's.
	Values []string `json:"values,omitempty" doc:"Values files of the release. ${VAR} is substituted."`
	// Set are values over every values file.
	Set map[string]any `json:"set,omitempty" doc:"Values over every file, as a YAML tree. ${VAR} is substituted in its strings."`
	// Environments are the release's settings per environment.
	Environments map[string]ReleaseEnvironment `json:"environments,omitempty" doc:"The release's settings per environment."`
}

// Need is one release another needs.
type Need struct {
	// Release names the needed release.
	Release string `json:"release" jsonschema:"required" doc:"The needed release."`
	// Until says how far it must have come; default deployed.
	Until Until `json:"until,omitempty" enum:"deployed|ready|tested" doc:"How far the needed release must have come: deployed (default), ready or tested."`
}

// ReleaseEnvironment is a release's settings in one environment, over
// its own.
type ReleaseEnvironment struct {
	// Disabled leaves the release out of this environment.
	Disabled bool `json:"disabled,omitempty" doc:"Leave the release out of this environment."`
	// Version overrides the release's chart version.
	Version string `json:"version,omitempty" doc:"Chart version in this environment. ${VAR} is substituted."`
	// Values are values files over the release's.
	Values []string `json:"values,omitempty" doc:"Values files over the release's. ${VAR} is substituted."`
	// Set are values over the release's Set.
	Set map[string]any `json:"set,omitempty" doc:"Values over the release's set. ${VAR} is substituted in its strings."`
}

// File returns the path the stack was read from.
func (s *Stack) File() string { return s.file }

// Dir returns the directory of the stack file: values files and local
// charts are relative to it.
func (s *Stack) Dir() string { return s.dir }

// Release returns the release named name, nil if there is none.
func (s *Stack) Release(name string) *Release {
	for i := range s.Releases {
		if s.Releases[i].Name == name {
			return &s.Releases[i]
		}
	}
	return nil
}
