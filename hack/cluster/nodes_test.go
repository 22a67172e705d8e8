//go:build unix

package main

import (
	"runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestFakeNodes: three schedulable-looking nodes, one per zone, with the
// labels and resources real charts ask for; the first keeps its old name.
func TestFakeNodes(t *testing.T) {
	if got := nodeNames(); len(got) != 3 || got[0] != "kwok-node-0" {
		t.Fatalf("nodeNames = %v, want kwok-node-0 and two more", got)
	}
	hostnames, zonesSeen := map[string]bool{}, map[string]bool{}
	for i := range nodeNames() {
		n := fakeNode(i)
		for key, want := range map[string]string{
			corev1.LabelOSStable: "linux", corev1.LabelArchStable: runtime.GOARCH,
			corev1.LabelHostname: n.Name, corev1.LabelTopologyRegion: region,
		} {
			if got := n.Labels[key]; got != want {
				t.Errorf("node %s label %s = %q, want %q", n.Name, key, got, want)
			}
		}
		hostnames[n.Labels[corev1.LabelHostname]] = true
		zonesSeen[n.Labels[corev1.LabelTopologyZone]] = true
		for _, list := range []corev1.ResourceList{n.Status.Capacity, n.Status.Allocatable} {
			if q := list[corev1.ResourceEphemeralStorage]; q.Cmp(resource.MustParse("100Gi")) < 0 {
				t.Errorf("node %s ephemeral-storage %s, want at least 100Gi", n.Name, q.String())
			}
			if q := list[corev1.ResourcePods]; q.Value() < 5000 {
				t.Errorf("node %s pods %s, want at least 5000 (benchmarks)", n.Name, q.String())
			}
		}
		if n.Annotations["kwok.x-k8s.io/node"] != "fake" {
			t.Errorf("node %s lacks kwok's annotation", n.Name)
		}
	}
	if len(hostnames) != 3 || len(zonesSeen) != 3 || zonesSeen[""] {
		t.Errorf("hostnames %v, zones %v; want three of each", hostnames, zonesSeen)
	}
}

// TestNodeProblem: a node as up makes it and Ready passes; the single node
// of an older up (no zone, no ephemeral-storage), a node not Ready or still
// tainted do not.
func TestNodeProblem(t *testing.T) {
	ready := func(n *corev1.Node) *corev1.Node {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
		return n
	}
	old := ready(fakeNode(0))
	delete(old.Labels, corev1.LabelTopologyZone)
	delete(old.Labels, corev1.LabelTopologyRegion)
	noStorage := ready(fakeNode(0))
	delete(noStorage.Status.Allocatable, corev1.ResourceEphemeralStorage)
	tainted := ready(fakeNode(0))
	tainted.Spec.Taints = []corev1.Taint{{Key: notReadyTaint, Effect: corev1.TaintEffectNoSchedule}}
	tests := []struct {
		name string
		node *corev1.Node
		want string // substring of the problem, "" for none
	}{
		{"as made", ready(fakeNode(1)), ""},
		{"older up's node", old, "lacks label topology.kubernetes.io/"},
		{"no ephemeral-storage", noStorage, "ephemeral-storage"},
		{"not Ready", fakeNode(0), "not Ready"},
		{"tainted", tainted, "taint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := fakeNode(0)
			if tt.node.Name != want.Name {
				want = fakeNode(1)
			}
			got := nodeProblem(tt.node, want)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("nodeProblem = %q, want %q", got, tt.want)
			}
		})
	}
}
