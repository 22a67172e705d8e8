package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShow(t *testing.T) {
	const chartYAML = `apiVersion: v2
appVersion: "3.1"
dependencies:
- name: db
  repository: file://charts/db
  version: 2.0.0
description: A shop
name: shop
version: 1.0.0

`
	const values = "# Shop settings.\nreplicas: 2 # at least two\n\n"
	const readme = "# Shop\n\nSells things.\n\n"
	const crds = "---\nkind: CustomResourceDefinition\nmetadata:\n  name: orders.shop.example.com\n\n" +
		"---\nkind: CustomResourceDefinition\nmetadata:\n  name: backups.db.example.com\n\n"
	tests := []struct {
		part string
		want string
	}{
		{"chart", chartYAML},
		{"values", values},
		{"readme", readme},
		{"crds", crds},
		{"all", chartYAML + "---\n" + values + "---\n" + readme + crds},
	}
	for _, tt := range tests {
		t.Run(tt.part, func(t *testing.T) {
			code, stdout, stderr := run(t, "show", tt.part, "testdata/show/shop")
			if code != ExitOK {
				t.Fatalf("exit code %d: %s", code, stderr)
			}
			if diff := cmp.Diff(tt.want, stdout); diff != "" {
				t.Errorf("show %s (-want +got):\n%s", tt.part, diff)
			}
		})
	}
}

func TestShowErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no part", []string{"show"}, ExitUsage, `"berth show" needs what to show`},
		{"unknown part", []string{"show", "valeus", "x"}, ExitUsage, `unknown command "valeus" for "berth show"`},
		{"no chart", []string{"show", "values"}, ExitUsage, `"berth show values" needs CHART`},
		{"missing chart", []string{"show", "chart", "testdata/show/nope"}, ExitError, `load chart "testdata/show/nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestShowValuesJSONPath(t *testing.T) {
	for _, tt := range []struct{ expr, want string }{
		{"{.image.repository}", "nginxinc/nginx-unprivileged"},
		{"{.image}", `{"pullPolicy":"IfNotPresent","repository":"nginxinc/nginx-unprivileged","tag":""}`},
	} {
		if got := runOK(t, "show", "values", "../../examples/web", "--jsonpath", tt.expr); got != tt.want {
			t.Errorf("show values --jsonpath %s = %q, want %q (helm show values prints this)", tt.expr, got, tt.want)
		}
	}
	if code, _, _ := run(t, "show", "values", "../../examples/web", "--jsonpath", "{.image"); code != ExitUsage {
		t.Errorf("a bad JSONPath: exit %d, want %d", code, ExitUsage)
	}
}
