package kube

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// stage is a step of an apply: every object of a stage is applied before
// any object of the next one.
type stage int

const (
	// stageCRDs: CustomResourceDefinitions, waited for until Established.
	stageCRDs stage = iota
	// stageNamespaces: Namespaces, so the objects in them can be created.
	stageNamespaces
	// stageCluster: the other cluster-scoped objects.
	stageCluster
	// stageNamespaced: namespaced objects.
	stageNamespaced
	// stageWebhooks: APIServices and admission webhook configurations, which
	// Helm installs last: applied earlier, they would intercept requests
	// for the very workloads that serve them.
	stageWebhooks
)

// installStages and uninstallStages are the stage orders of Apply and Delete.
var (
	installStages   = []stage{stageCRDs, stageNamespaces, stageCluster, stageNamespaced, stageWebhooks}
	uninstallStages = []stage{stageWebhooks, stageNamespaced, stageCluster, stageNamespaces, stageCRDs}
)

// installOrder is Helm's install order by kind (pkg/release/v1/util
// InstallOrder); kinds it does not list come after, alphabetically.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
	"Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

// uninstallOrder is Helm's uninstall order by kind (UninstallOrder).
var uninstallOrder = []string{
	"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
	"Ingress", "IngressClass", "Service", "CronJob", "Job", "StatefulSet",
	"HorizontalPodAutoscaler", "Deployment", "ReplicaSet", "ReplicationController", "Pod",
	"DaemonSet", "RoleBindingList", "RoleBinding", "RoleList", "Role",
	"ClusterRoleBindingList", "ClusterRoleBinding", "ClusterRoleList", "ClusterRole",
	"CustomResourceDefinition", "PersistentVolumeClaim", "PersistentVolume", "StorageClass",
	"ConfigMap", "SecretList", "Secret", "ServiceAccount", "PodDisruptionBudget",
	"PodSecurityPolicy", "LimitRange", "ResourceQuota", "NetworkPolicy", "Namespace",
	"PriorityClass",
}

var (
	crdKind       = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
	namespaceKind = schema.GroupKind{Kind: "Namespace"}
	webhookKinds  = []string{"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
)

// stageOf returns the stage of an object of kind gk and scope.
func stageOf(gk schema.GroupKind, isNamespaced bool) stage {
	switch {
	case gk == crdKind:
		return stageCRDs
	case gk == namespaceKind:
		return stageNamespaces
	case slices.Contains(webhookKinds, gk.Kind):
		return stageWebhooks
	case isNamespaced:
		return stageNamespaced
	default:
		return stageCluster
	}
}

// waveKey places an item: its stage and its kind.
type waveKey struct {
	stage stage
	kind  string
}

// planWaves groups items into waves handled one after the other: by stage
// in stages order, then by kind in kindOrder (unknown kinds after known
// ones, alphabetically). Objects of one wave keep their given order.
func planWaves[T any](items []T, key func(T) waveKey, stages []stage, kindOrder []string) [][]T {
	keys := make([]waveKey, len(items))
	for i, item := range items {
		keys[i] = key(item)
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return compareWaveKeys(keys[a], keys[b], stages, kindOrder)
	})
	var waves [][]T
	for i, idx := range order {
		if i == 0 || keys[order[i-1]] != keys[idx] {
			waves = append(waves, nil)
		}
		waves[len(waves)-1] = append(waves[len(waves)-1], items[idx])
	}
	return waves
}

func compareWaveKeys(a, b waveKey, stages []stage, kindOrder []string) int {
	if sa, sb := slices.Index(stages, a.stage), slices.Index(stages, b.stage); sa != sb {
		return sa - sb
	}
	ka, kb := slices.Index(kindOrder, a.kind), slices.Index(kindOrder, b.kind)
	switch {
	case ka >= 0 && kb >= 0:
		return ka - kb
	case ka >= 0:
		return -1
	case kb >= 0:
		return 1
	case a.kind < b.kind:
		return -1
	case a.kind > b.kind:
		return 1
	}
	return 0
}
