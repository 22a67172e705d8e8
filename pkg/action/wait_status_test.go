package action_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// gadgetChart is a chart with a CRD, of a group unique to ns, whose
// Gadgets have a status subresource, and one Gadget, whose status no
// controller on the test API server ever writes.
func gadgetChart(t *testing.T, ns string) *chart.Chart {
	t.Helper()
	group := ns + ".gadgets.berth.sh"
	return writeChart(t, "gadgets", map[string]string{
		"crds/gadgets.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.` + group + `
spec:
  group: ` + group + `
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`,
		"templates/gadget.yaml": "apiVersion: " + group + "/v1\nkind: Gadget\nmetadata: {name: g}\nspec: {size: 1}\n",
	})
}

// TestInstallCustomResourceWithoutStatus: a custom resource whose status
// never comes is counted ready at the end of the grace, and the progress
// says so; with WaitForStatus naming its kind the install times out.
func TestInstallCustomResourceWithoutStatus(t *testing.T) {
	t.Run("counted ready after the grace", func(t *testing.T) {
		cfg, _ := newConfig(t)
		log := &eventLog{}
		cfg.Progress = log.add
		rel, _, err := action.Install(t.Context(), cfg, gadgetChart(t, cfg.Namespace), nil, action.InstallOptions{
			Name:          "gadgets",
			ApplySettings: action.ApplySettings{Wait: true, Timeout: time.Minute, StatusGrace: 100 * time.Millisecond},
		})
		if err != nil {
			t.Fatalf("Install: %v", err)
		}
		if rel.Status != release.StatusDeployed {
			t.Errorf("status = %s, want deployed", rel.Status)
		}
		var got []string
		for _, e := range log.take(t) {
			if e.Type == action.EventStatus && strings.HasPrefix(e.Object, "Gadget/") {
				got = append(got, e.Status+": "+e.Message)
			}
		}
		want := "Current: no status from a controller within 100ms; counted ready"
		if len(got) == 0 || got[len(got)-1] != want {
			t.Errorf("Gadget status events = %q, want the last %q", got, want)
		}
	})

	t.Run("WaitForStatus waits for it", func(t *testing.T) {
		cfg, _ := newConfig(t)
		_, _, err := action.Install(t.Context(), cfg, gadgetChart(t, cfg.Namespace), nil, action.InstallOptions{
			Name: "gadgets",
			ApplySettings: action.ApplySettings{
				Wait: true, Timeout: time.Second, StatusGrace: time.Millisecond,
				WaitForStatus: []schema.GroupKind{{Kind: "Gadget"}},
			},
		})
		var waitErr *kube.WaitError
		if !errors.As(err, &waitErr) || !strings.Contains(err.Error(), "Gadget/"+cfg.Namespace+"/g: waiting for status") {
			t.Errorf("Install = %v, want a wait timed out on Gadget/%s/g waiting for status", err, cfg.Namespace)
		}
	})
}
