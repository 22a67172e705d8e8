package render

import (
	"fmt"
	"runtime/debug"

	"github.com/Masterminds/semver/v3"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/berth-sh/berth/pkg/render/internal/common"
	"github.com/berth-sh/berth/pkg/render/internal/version"
)

// HelmCompatVersion is the Helm release whose rendering berth reproduces. It
// is what templates see as .Capabilities.HelmVersion.Version, so charts that
// gate on Helm's version take the branch they take under that Helm.
const HelmCompatVersion = "v4.3.1"

// Capabilities is .Capabilities in templates: what the target cluster is
// known (or assumed) to offer. It is Helm's type, field for field, and
// prints as Helm's ("*common.Capabilities").
type Capabilities = common.Capabilities

// KubeVersion is a Kubernetes version as templates see it: Version as
// given ("v1.33.4-gke.1"), Major and Minor, String the normalized version
// ("v1.33.4") and GitVersion the version as given.
type KubeVersion = common.KubeVersion

// HelmVersion is .Capabilities.HelmVersion, Helm's BuildInfo.
type HelmVersion = version.BuildInfo

// VersionSet is a set of API versions: "apps/v1", "v1" or, from discovery
// and --api-versions, "monitoring.coreos.com/v1/ServiceMonitor".
type VersionSet = common.VersionSet

// ParseKubeVersion parses a Kubernetes version such as "1.33.0", "v1.29"
// or "v1.33.4-gke.1245000", as --kube-version takes it.
func ParseKubeVersion(s string) (KubeVersion, error) { return common.ParseKubeVersion(s) }

// DefaultCapabilities returns what `helm template` assumes without a
// cluster: the Kubernetes version of the client library berth is built with
// and every API group/version that library knows, plus the CRD APIs.
func DefaultCapabilities() *Capabilities {
	major, minor := clientGoKubeVersion()
	// A version made of two numbers always parses.
	kv, _ := ParseKubeVersion(fmt.Sprintf("v%d.%d.0", major, minor))
	return &Capabilities{
		KubeVersion: kv,
		APIVersions: DefaultAPIVersions(),
		// Helm's own build of v4.3.1 (hack/tools/build.sh helm) sets no
		// commit or tree state.
		HelmVersion: HelmVersion{
			Version:           HelmCompatVersion,
			GoVersion:         goVersion(),
			KubeClientVersion: fmt.Sprintf("v%d.%d", major, minor),
		},
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

// clientGoKubeVersion derives the Kubernetes version 1.<minor> from the
// k8s.io/client-go module version (v0.<minor>.x), as Helm does for the
// default KubeVersion and HelmVersion.KubeClientVersion.
func clientGoKubeVersion() (major, minor uint64) {
	// Without module information (test binaries) the version is fixed, as
	// in Helm, whose test builds say 1.20.
	const fallbackMinor = 35
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return 1, fallbackMinor
	}
	for _, m := range info.Deps {
		if m.Path != "k8s.io/client-go" {
			continue
		}
		v, err := semver.NewVersion(m.Version)
		if err != nil {
			return 1, fallbackMinor
		}
		return v.Major() + 1, v.Minor()
	}
	return 1, fallbackMinor
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
	if !isCompatibleRange(constraint, kv.String()) {
		return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
			constraint, kv.Version)
	}
	return nil
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
