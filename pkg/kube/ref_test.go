package kube_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/kube"
)

func TestFlatten(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		want     []kube.ObjectRef
		wantErr  string // prefix
	}{
		{
			name:     "plain object",
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}",
			want:     []kube.ObjectRef{{Version: "v1", Kind: "ConfigMap", Name: "a"}},
		},
		{
			name: "list of mixed kinds, nested",
			manifest: `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- apiVersion: v1
  kind: List
  items:
  - {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: r, namespace: x}}`,
			want: []kube.ObjectRef{
				{Version: "v1", Kind: "ConfigMap", Name: "a"},
				{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role", Namespace: "x", Name: "r"},
			},
		},
		{
			name:     "typed list items inherit kind",
			manifest: "apiVersion: v1\nkind: SecretList\nitems:\n- metadata: {name: s}",
			want:     []kube.ObjectRef{{Version: "v1", Kind: "Secret", Name: "s"}},
		},
		{
			name:     "empty list",
			manifest: "apiVersion: v1\nkind: List\nitems: []",
			want:     []kube.ObjectRef{},
		},
		{
			name:     "item not an object",
			manifest: "apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems: [3]",
			wantErr:  "List/l: read list items: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kube.Flatten(objects(t, tt.manifest))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Flatten: got error %v, want one starting with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Flatten: %v", err)
			}
			if diff := cmp.Diff(tt.want, kube.RefsOf(got)); diff != "" {
				t.Errorf("refs (-want +got):\n%s", diff)
			}
		})
	}
}
