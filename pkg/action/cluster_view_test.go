package action_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// lookupChart keeps a generated password stable across upgrades, as
// bitnami's charts do: it reuses the live Secret's value when lookup finds
// it. It also shows what lookup saw of a probe Secret, and what
// .Capabilities says of the cluster.
func lookupChart(t *testing.T) string {
	t.Helper()
	return `{{- $live := lookup "v1" "Secret" .Release.Namespace "pw" }}
apiVersion: v1
kind: Secret
metadata:
  name: pw
data:
  password: {{ if $live }}{{ index $live.data "password" }}{{ else }}{{ randAlphaNum 16 | b64enc }}{{ end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: seen
data:
  probe: {{ (lookup "v1" "Secret" .Release.Namespace "probe").data | toJson | quote }}
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
  hasWidgets: {{ .Capabilities.APIVersions.Has (printf "%s.test.berth.sh/v1/Widget" .Release.Namespace) | quote }}
`
}

// TestLookupAndCapabilitiesComeFromTheCluster: install and upgrade render
// with lookup reading the live cluster and .Capabilities describing it; a
// client dry run renders lookup empty. It fails if lookup is not wired in.
func TestLookupAndCapabilitiesComeFromTheCluster(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	probe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "probe"},
		"data":     map[string]any{"k": "dg=="},
	}}
	if _, err := dyn.Resource(secrets).Namespace(ns).Create(ctx, probe, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c := writeChart(t, "lookup", map[string]string{"templates/all.yaml": lookupChart(t)})

	rel, _, err := action.Install(ctx, cfg, c, nil, action.InstallOptions{Name: "web", ApplySettings: action.ApplySettings{DryRun: action.DryRunClient}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rel.Manifest, `probe: "null"`) {
		t.Errorf("client dry run: lookup is not empty:\n%s", rel.Manifest)
	}

	if _, _, err := action.Install(ctx, cfg, c, nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	seen := getObject(t, dyn, configMaps, ns, "seen")
	data, _, _ := unstructured.NestedStringMap(seen.Object, "data")
	if data["probe"] != `{"k":"dg=="}` {
		t.Errorf("lookup of Secret probe rendered %q, want its data", data["probe"])
	}
	apis, err := cfg.Kube.ServerAPIs()
	if err != nil {
		t.Fatal(err)
	}
	if data["kubeVersion"] != apis.GitVersion || data["hasWidgets"] != "false" {
		t.Errorf(".Capabilities: kubeVersion %q (server %s), has Widgets %q", data["kubeVersion"], apis.GitVersion, data["hasWidgets"])
	}
	password := func() string {
		pw := getObject(t, dyn, secrets, ns, "pw")
		v, _, _ := unstructured.NestedString(pw.Object, "data", "password")
		return v
	}
	first := password()

	// A CRD installed since by another client: the next operation's render
	// sees its API.
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(fmt.Appendf(nil, widgetCRD, ns+".test.berth.sh"), &crd.Object); err != nil {
		t.Fatal(err)
	}
	other, _ := configFor(t, ns)
	if _, err := other.Kube.Apply(ctx, []*unstructured.Unstructured{crd}, kube.ApplyOptions{Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	t.Cleanup(func() { _ = dyn.Resource(crds).Delete(context.Background(), crd.GetName(), metav1.DeleteOptions{}) })
	upgradeCfg, _ := configFor(t, ns)
	if _, _, err := action.Upgrade(ctx, upgradeCfg, c, nil, action.UpgradeOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if got := password(); got != first {
		t.Errorf("upgrade regenerated the password: %q, was %q (lookup did not find the live Secret)", got, first)
	}
	seen = getObject(t, dyn, configMaps, ns, "seen")
	if v, _, _ := unstructured.NestedString(seen.Object, "data", "hasWidgets"); v != "true" {
		t.Errorf("after the CRD was installed, .Capabilities.APIVersions.Has Widget = %q", v)
	}
}
