package action_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// configMapValues are values of configMapTemplate naming the ConfigMaps
// names, the first one kept by helm.sh/resource-policy when keepFirst.
func configMapValues(keepFirst bool, names ...string) string {
	var values strings.Builder
	values.WriteString("color: red\nconfigmaps:\n")
	for i, n := range names {
		values.WriteString("- name: " + n + "\n")
		if i == 0 && keepFirst {
			values.WriteString("  keep: true\n")
		}
	}
	return values.String()
}

// TestInstallOverFailedRevisionsPrunes: installing a release whose last
// revisions failed deletes what those revisions created and the new one no
// longer renders, but not what a revision before the last uninstall left
// (uninstall dealt with it), nor what resource-policy keeps.
func TestInstallOverFailedRevisionsPrunes(t *testing.T) {
	tests := []struct {
		name string
		// uninstalledFirst installs a, b and k and uninstalls them with
		// --keep-history before the failures.
		uninstalledFirst bool
		// failures are the ConfigMaps each failed install creates.
		failures  [][]string
		keepFirst bool
		wantLive  []string
		wantHist  []string
		wantPrune []string
	}{
		{
			name:      "one failed install",
			failures:  [][]string{{"old1", "a"}},
			wantLive:  []string{"a", "b", "k"},
			wantHist:  []string{"1:failed", "2:deployed"},
			wantPrune: []string{"old1"},
		},
		{
			name:      "two failed installs",
			failures:  [][]string{{"old1"}, {"old2", "b"}},
			wantLive:  []string{"a", "b", "k"},
			wantHist:  []string{"1:failed", "2:failed", "3:deployed"},
			wantPrune: []string{"old1", "old2"},
		},
		{
			name:      "kept object stays",
			failures:  [][]string{{"kept", "old1"}},
			keepFirst: true,
			wantLive:  []string{"a", "b", "k", "kept"},
			wantHist:  []string{"1:failed", "2:deployed"},
			wantPrune: []string{"old1"},
		},
		{
			name:             "failed install after uninstall --keep-history",
			uninstalledFirst: true,
			failures:         [][]string{{"old1"}},
			wantLive:         []string{"a", "b", "k"},
			wantHist:         []string{"1:uninstalled", "2:failed", "3:deployed"},
			wantPrune:        []string{"old1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, dyn := newConfig(t)
			ctx := t.Context()
			if tt.uninstalledFirst {
				if _, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
					t.Fatal(err)
				}
				if _, err := action.Uninstall(ctx, cfg, []string{"web"}, action.UninstallOptions{KeepHistory: true}); err != nil {
					t.Fatal(err)
				}
			}
			for _, names := range tt.failures {
				// The Service is rejected after the ConfigMaps were applied.
				broken := writeChart(t, "cms", map[string]string{
					"values.yaml":        configMapValues(tt.keepFirst, names...),
					"templates/cms.yaml": configMapTemplate,
					"templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  type: Bogus\n  ports: [{port: 80}]\n",
				})
				if _, _, err := action.Install(ctx, cfg, broken, nil, action.InstallOptions{Name: "web"}); err == nil {
					t.Fatal("install with an invalid Service succeeded")
				}
			}
			_, cs, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"})
			if err != nil {
				t.Fatalf("install over failed revisions: %v", err)
			}
			var pruned []string
			for _, e := range cs.Entries {
				if e.Action == kube.ActionDeleted {
					pruned = append(pruned, e.Subject[strings.LastIndex(e.Subject, "/")+1:])
				}
			}
			slices.Sort(pruned)
			if diff := cmp.Diff(tt.wantPrune, pruned); diff != "" {
				t.Errorf("deleted by the install (-want +got):\n%s", diff)
			}
			live := liveNames(t, dyn, configMaps, cfg.Namespace)
			slices.Sort(live)
			if diff := cmp.Diff(tt.wantLive, live); diff != "" {
				t.Errorf("objects after the install (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantHist, statuses(t, cfg.Store, "web")); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
		})
	}
}
