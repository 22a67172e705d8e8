package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// orderItem is a stand-in object for planWaves: kind, scope and a name.
type orderItem struct {
	gk         schema.GroupKind
	namespaced bool
	name       string
}

func (o orderItem) key() waveKey { return waveKey{stage: stageOf(o.gk, o.namespaced), kind: o.gk.Kind} }

func TestPlanWaves(t *testing.T) {
	items := []orderItem{
		{gk: schema.GroupKind{Group: "apps", Kind: "Deployment"}, namespaced: true, name: "web"},
		{gk: schema.GroupKind{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}, name: "hook"},
		{gk: schema.GroupKind{Group: "example.com", Kind: "Widget"}, namespaced: true, name: "w1"},
		{gk: schema.GroupKind{Kind: "Service"}, namespaced: true, name: "web"},
		{gk: schema.GroupKind{Group: "example.com", Kind: "Gadget"}, namespaced: true, name: "g"},
		{gk: schema.GroupKind{Kind: "ConfigMap"}, namespaced: true, name: "b"},
		{gk: schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}, name: "reader"},
		{gk: crdKind, name: "widgets.example.com"},
		{gk: schema.GroupKind{Kind: "ConfigMap"}, namespaced: true, name: "a"},
		{gk: namespaceKind, name: "extra"},
		{gk: schema.GroupKind{Group: "scheduling.k8s.io", Kind: "PriorityClass"}, name: "high"},
		{gk: schema.GroupKind{Group: "example.com", Kind: "Widget"}, namespaced: true, name: "w0"},
	}
	tests := []struct {
		name      string
		stages    []stage
		kindOrder []string
		want      [][]string
	}{
		{
			name: "install", stages: installStages, kindOrder: installOrder,
			want: [][]string{
				{"CustomResourceDefinition/widgets.example.com"},
				{"Namespace/extra"},
				{"PriorityClass/high"},
				{"ClusterRole/reader"},
				{"ConfigMap/b", "ConfigMap/a"},
				{"Service/web"},
				{"Deployment/web"},
				{"Gadget/g"},
				{"Widget/w1", "Widget/w0"},
				{"ValidatingWebhookConfiguration/hook"},
			},
		},
		{
			name: "uninstall", stages: uninstallStages, kindOrder: uninstallOrder,
			want: [][]string{
				{"ValidatingWebhookConfiguration/hook"},
				{"Service/web"},
				{"Deployment/web"},
				{"ConfigMap/b", "ConfigMap/a"},
				{"Gadget/g"},
				{"Widget/w1", "Widget/w0"},
				{"ClusterRole/reader"},
				{"PriorityClass/high"},
				{"Namespace/extra"},
				{"CustomResourceDefinition/widgets.example.com"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]string
			for _, wave := range planWaves(items, orderItem.key, tt.stages, tt.kindOrder) {
				var names []string
				for _, it := range wave {
					names = append(names, it.gk.Kind+"/"+it.name)
				}
				got = append(got, names)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("waves (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanWavesEmpty(t *testing.T) {
	if got := planWaves(nil, orderItem.key, installStages, installOrder); got != nil {
		t.Errorf("planWaves(nil) = %v, want nil", got)
	}
}
