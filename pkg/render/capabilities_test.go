package render

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseKubeVersion(t *testing.T) {
	// want is how Helm v4.3.1 prints each: String(), Version, GitVersion(),
	// Major, Minor, then printf "%v" and "%+v" of the struct.
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "1.33.0", want: "v1.33.0 v1.33.0 v1.33.0 1 33 {v1.33.0 v1.33.0 1 33} {Version:v1.33.0 normalizedVersion:v1.33.0 Major:1 Minor:33}"},
		{in: "v1.29", want: "v1.29 v1.29 v1.29 1 29 {v1.29 v1.29 1 29} {Version:v1.29 normalizedVersion:v1.29 Major:1 Minor:29}"},
		{in: "v1.33.4-gke.1245000", want: "v1.33.4 v1.33.4-gke.1245000 v1.33.4-gke.1245000 1 33 {v1.33.4-gke.1245000 v1.33.4 1 33} {Version:v1.33.4-gke.1245000 normalizedVersion:v1.33.4 Major:1 Minor:33}"},
		{in: "1.28.3+k3s1", want: "v1.28.3 v1.28.3+k3s1 v1.28.3+k3s1 1 28 {v1.28.3+k3s1 v1.28.3 1 28} {Version:v1.28.3+k3s1 normalizedVersion:v1.28.3 Major:1 Minor:28}"},
		{in: "banana", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			kv, err := ParseKubeVersion(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got := fmt.Sprintf("%s %s %s %s %s %v %+v", kv.String(), kv.Version, kv.GitVersion(), kv.Major, kv.Minor, kv, kv)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCheckKubeVersion(t *testing.T) {
	kv, err := ParseKubeVersion("v1.29.4-eks.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		constraint string
		wantErr    string
	}{
		{"", ""},
		{">=1.25.0-0", ""},
		{">=1.29.4", ""},
		{"<1.29", "chart requires kubeVersion: <1.29 which is incompatible with Kubernetes v1.29.4-eks.1"},
		{"not a range", "chart requires kubeVersion: not a range"},
	}
	for _, tt := range tests {
		t.Run(tt.constraint, func(t *testing.T) {
			err := CheckKubeVersion(tt.constraint, kv)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestDefaultCapabilities(t *testing.T) {
	caps := DefaultCapabilities()
	for _, gv := range []string{"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1", "policy/v1"} {
		if !caps.APIVersions.Has(gv) {
			t.Errorf("default API versions lack %s", gv)
		}
	}
	if caps.APIVersions[0] != "v1" || caps.APIVersions[len(caps.APIVersions)-1] != "apiextensions.k8s.io/v1" {
		t.Errorf("API versions are not in Helm's order (core v1 first, apiextensions last): %v", caps.APIVersions)
	}
	if caps.APIVersions.Has("monitoring.coreos.com/v1") {
		t.Error("default API versions include a CRD group")
	}
	if caps.KubeVersion.Major != "1" || caps.KubeVersion.Minor == "" || !strings.HasPrefix(caps.KubeVersion.Version, "v1.") {
		t.Errorf("default KubeVersion = %+v", caps.KubeVersion)
	}
	if caps.HelmVersion.Version != HelmCompatVersion {
		t.Errorf("HelmVersion = %q", caps.HelmVersion.Version)
	}
}
