package common

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	k8sversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/berth-sh/berth/pkg/render/internal/version"
)

// Capabilities is .Capabilities in templates: what the target cluster is
// known (or assumed) to offer.
type Capabilities struct {
	// KubeVersion is the Kubernetes version.
	KubeVersion KubeVersion
	// APIVersions are the API group/versions, and group/version/Kind
	// entries, the cluster serves.
	APIVersions VersionSet
	// HelmVersion is the Helm build berth is compatible with.
	HelmVersion version.BuildInfo
}

// Copy returns a shallow copy of c, as Helm's Capabilities.Copy (templates
// can call it).
func (c *Capabilities) Copy() *Capabilities {
	return &Capabilities{KubeVersion: c.KubeVersion, APIVersions: c.APIVersions, HelmVersion: c.HelmVersion}
}

// KubeVersion is a Kubernetes version as templates see it. The fields and
// their order are Helm's: printf "%v" shows the unexported one too.
type KubeVersion struct {
	// Version is the version as given, with a leading "v"
	// ("v1.33.4-gke.1245000").
	Version string
	// normalizedVersion is "v" + the numeric parts, without suffixes
	// ("v1.33.4"), for String and range checks.
	normalizedVersion string
	// Major and Minor are the numeric parts, as strings ("1", "33").
	Major string
	Minor string
}

// String returns the normalized version ("v1.33.4" for
// "v1.33.4-gke.1245000"), which is what {{ .Capabilities.KubeVersion }}
// prints and kubeVersion constraints are checked against.
func (kv *KubeVersion) String() string {
	if kv.normalizedVersion != "" {
		return kv.normalizedVersion
	}
	return kv.Version
}

// GitVersion returns Version, suffixes included; it is kept for charts
// written for Helm 2.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

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
		Version:           v,
		normalizedVersion: "v" + sv.String(),
		Major:             strconv.FormatUint(uint64(sv.Major()), 10),
		Minor:             strconv.FormatUint(uint64(sv.Minor()), 10),
	}, nil
}

// VersionSet is a set of API versions: "apps/v1", "v1" or, from discovery
// and --api-versions, "monitoring.coreos.com/v1/ServiceMonitor".
type VersionSet []string

// Has reports whether apiVersion is in the set.
func (v VersionSet) Has(apiVersion string) bool { return slices.Contains(v, apiVersion) }
