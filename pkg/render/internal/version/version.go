package version

// BuildInfo is .Capabilities.HelmVersion: the Helm build berth renders as.
// Its fields, their order and JSON names are those of Helm's BuildInfo, so
// that toJson and printf "%v" print the same.
type BuildInfo struct {
	// Version is the Helm version ("v4.3.1").
	Version string `json:"version,omitempty"`
	// GitCommit is the commit the Helm binary was built from.
	GitCommit string `json:"git_commit,omitempty"`
	// GitTreeState is "clean" or "dirty" for a release build.
	GitTreeState string `json:"git_tree_state,omitempty"`
	// GoVersion is the version of the Go compiler.
	GoVersion string `json:"go_version,omitempty"`
	// KubeClientVersion is the client-go version as a Kubernetes version
	// ("v1.37").
	KubeClientVersion string `json:"kube_client_version"`
}
