package action

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/release"
)

func TestUpgradeValues(t *testing.T) {
	current := &release.Release{
		Values: map[string]any{"a": 1, "m": map[string]any{"x": 1, "y": 1}},
		Config: map[string]any{"a": 1, "d": "old-default", "m": map[string]any{"x": 1, "y": 1}},
	}
	newDefaults := map[string]any{"d": "new-default"}
	tests := []struct {
		name         string
		policy       ValuesPolicy
		newVals      map[string]any
		want         map[string]any
		wantDefaults map[string]any
	}{
		{"default, no new values: reuse", ValuesDefault, nil, current.Values, newDefaults},
		{"default, new values: only them", ValuesDefault, map[string]any{"b": 2}, map[string]any{"b": 2}, newDefaults},
		{"reset", ValuesReset, nil, nil, newDefaults},
		{
			"reuse: merged over current, old computed as defaults", ValuesReuse,
			map[string]any{"m": map[string]any{"y": 2}},
			map[string]any{"a": 1, "m": map[string]any{"x": 1, "y": 2}},
			current.Config,
		},
		{
			"reset then reuse: new chart defaults kept", ValuesResetThenReuse,
			map[string]any{"a": 3},
			map[string]any{"a": 3, "m": map[string]any{"x": 1, "y": 1}},
			newDefaults,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &chart.Chart{Values: map[string]any{"d": "new-default"}}
			got := upgradeValues(tt.policy, c, current, tt.newVals)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDefaults, c.Values); diff != "" {
				t.Errorf("chart defaults (-want +got):\n%s", diff)
			}
		})
	}
}
