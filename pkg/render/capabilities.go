package render

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8sversion "k8s.io/apimachinery/pkg/util/version"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// HelmCompatVersion is the Helm release whose rendering berth reproduces. It
// is what templates see as .Capabilities.HelmVersion.Version, so charts that
// gate on Helm's version take the branch they take under that Helm.
const HelmCompatVersion = "v4.3.1"

// Capabilities is .Capabilities in templates: what the target cluster is
// known (or assumed) to offer.
type Capabilities struct {
	// KubeVersion is the Kubernetes version.
	KubeVersion KubeVersion
	// APIVersions are the API group/versions, and group/version/Kind
	// entries, the cluster serves.
	APIVersions VersionSet
	// HelmVersion is the Helm build berth is compatible with.
	HelmVersion HelmVersion
}

// KubeVersion is a Kubernetes version as templates see it.
type KubeVersion struct {
	// Version is the version as given, with a leading "v" ("v1.33.4-gke.1").
	Version string
	// Major and Minor are the numeric parts, as strings ("1", "33").
	Major string
	Minor string

	// normalized is "v" + major.minor.patch, without suffixes, for range checks.
	normalized string
}

// String returns Version.
func (kv *KubeVersion) String() string { return kv.Version }

// GitVersion returns Version; it is kept for charts written for Helm 2.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// HelmVersion is .Capabilities.HelmVersion.
type HelmVersion struct {
	Version           string `json:"version"`
	GitCommit         string `json:"git_commit"`
	GitTreeState      string `json:"git_tree_state"`
	GoVersion         string `json:"go_version"`
	KubeClientVersion string `json:"kube_client_version"`
}

// VersionSet is a set of API versions: "apps/v1", "v1" or, from discovery
// and --api-versions, "monitoring.coreos.com/v1/ServiceMonitor".
type VersionSet []string

// Has reports whether apiVersion is in the set.
func (v VersionSet) Has(apiVersion string) bool { return slices.Contains(v, apiVersion) }

// ParseKubeVersion parses a Kubernetes version such as "1.33.0", "v1.29"
// or "v1.33.4-gke.1245000", as --kube-version takes it.
func ParseKubeVersion(s string) (KubeVersion, error) {
	sv, err := k8sversion.ParseGeneric(s)
	if err != nil {
		return KubeVersion{}, fmt.Errorf("invalid Kubernetes version %q: %w", s, err)
	}
	v := s
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return KubeVersion{
		Version:    v,
		Major:      strconv.FormatUint(uint64(sv.Major()), 10),
		Minor:      strconv.FormatUint(uint64(sv.Minor()), 10),
		normalized: "v" + sv.String(),
	}, nil
}

// DefaultCapabilities returns what `helm template` assumes without a
// cluster: the Kubernetes version of the client library berth is built with
// and every API group/version that library knows, plus the CRD APIs.
func DefaultCapabilities() *Capabilities {
	kv, err := ParseKubeVersion(defaultKubeVersion())
	if err != nil {
		// defaultKubeVersion always returns a well-formed version.
		kv = KubeVersion{Version: "v1.35.0", Major: "1", Minor: "35", normalized: "v1.35.0"}
	}
	return &Capabilities{
		KubeVersion: kv,
		APIVersions: DefaultAPIVersions(),
		HelmVersion: HelmVersion{Version: HelmCompatVersion, GitTreeState: "clean", GoVersion: goVersion()},
	}
}

// DefaultAPIVersions returns every group/version of the built-in
// Kubernetes APIs and of apiextensions, in the client library's priority
// order, as Helm's default version set.
func DefaultAPIVersions() VersionSet {
	s := runtime.NewScheme()
	// client-go's scheme registers the unversioned core "v1" first; doing
	// the same keeps Helm's order, which templates can see with toJson.
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	// Errors would mean a broken client library; the set is then smaller.
	_ = clientgoscheme.AddToScheme(s)
	_ = apiextensionsv1beta1.AddToScheme(s)
	_ = apiextensionsv1.AddToScheme(s)
	groups := s.PrioritizedVersionsAllGroups()
	vs := make(VersionSet, 0, len(groups))
	for _, gv := range groups {
		vs = append(vs, gv.String())
	}
	return vs
}

// defaultKubeVersion derives v1.<minor>.0 from the k8s.io/client-go module
// version (v0.<minor>.x), as Helm does.
func defaultKubeVersion() string {
	const fallback = "v1.35.0"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fallback
	}
	for _, m := range info.Deps {
		if m.Path != "k8s.io/client-go" {
			continue
		}
		v, err := semver.NewVersion(m.Version)
		if err != nil {
			return fallback
		}
		return fmt.Sprintf("v%d.%d.0", v.Major()+1, v.Minor())
	}
	return fallback
}

func goVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.GoVersion
	}
	return ""
}

// CheckKubeVersion returns an error when the chart's kubeVersion constraint
// does not admit the target Kubernetes version. An empty constraint admits
// every version.
func CheckKubeVersion(constraint string, kv KubeVersion) error {
	if constraint == "" {
		return nil
	}
	if !isCompatibleRange(constraint, kv.normalizedVersion()) {
		return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
			constraint, kv.Version)
	}
	return nil
}

func (kv *KubeVersion) normalizedVersion() string {
	if kv.normalized != "" {
		return kv.normalized
	}
	return kv.Version
}

func isCompatibleRange(constraint, ver string) bool {
	sv, err := semver.NewVersion(ver)
	if err != nil {
		return false
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false
	}
	return c.Check(sv)
}
