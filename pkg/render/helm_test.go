package render

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render/values"
)

// helmBinary, when set, makes TestMatchesHelm run that Helm (v4.3.1, as
// hack/tools/build.sh helm builds it into bin/helm) on every case and
// rewrite testdata/helm/expected from its output:
//
//	go test ./pkg/render -run TestMatchesHelm -helm $PWD/bin/helm
var helmBinary = flag.String("helm", "", "regenerate testdata/helm/expected with this helm binary")

// helmCase is one entry of testdata/helm/cases.yaml: a chart of
// testdata/helm/charts and the flags of `helm template rel CHART
// --namespace ns`.
type helmCase struct {
	Name        string   `json:"name"`
	Chart       string   `json:"chart"`
	KubeVersion string   `json:"kubeVersion"`
	APIVersions []string `json:"apiVersions"`
	Set         []string `json:"set"`
	Values      []string `json:"values"`
}

func (hc helmCase) chartDir() string { return filepath.Join("testdata", "helm", "charts", hc.Chart) }

func (hc helmCase) helmArgs() []string {
	args := []string{"template", "rel", hc.chartDir(), "--namespace", "ns"}
	if hc.KubeVersion != "" {
		args = append(args, "--kube-version", hc.KubeVersion)
	}
	for _, a := range hc.APIVersions {
		args = append(args, "--api-versions", a)
	}
	for _, s := range hc.Set {
		args = append(args, "--set", s)
	}
	for _, f := range hc.Values {
		args = append(args, "-f", filepath.Join("testdata", "helm", f))
	}
	return args
}

// TestMatchesHelm renders the charts of testdata/helm (Helm's own unit-test
// inputs made into charts, and probes of what templates see) and compares
// the output byte for byte with what Helm v4.3.1 printed for them
// (expected/NAME.out), or, where Helm failed, checks that berth fails with
// Helm's message (expected/NAME.err).
func TestMatchesHelm(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "helm", "cases.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []helmCase
	if err := yaml.UnmarshalStrict(data, &cases); err != nil {
		t.Fatalf("testdata/helm/cases.yaml: %v", err)
	}
	for _, hc := range cases {
		t.Run(hc.Name, func(t *testing.T) {
			expected := filepath.Join("testdata", "helm", "expected", hc.Name)
			if *helmBinary != "" {
				runHelm(t, hc, expected)
			}
			got, renderErr := renderLikeHelm(hc)
			if wantErr, err := os.ReadFile(expected + ".err"); err == nil {
				if renderErr == nil || !strings.Contains(renderErr.Error(), strings.TrimSpace(string(wantErr))) {
					t.Fatalf("error = %.2000v\nwant an error containing Helm's: %.2000s", renderErr, wantErr)
				}
				return
			}
			want, err := os.ReadFile(expected + ".out")
			if err != nil {
				t.Fatalf("no expected output (run with -helm bin/helm): %v", err)
			}
			if renderErr != nil {
				t.Fatalf("Helm renders the chart, berth fails: %v", renderErr)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("output differs from Helm's (-helm +berth):\n%s", diff)
			}
		})
	}
}

// renderLikeHelm does what `berth template` does for the case.
func renderLikeHelm(hc helmCase) (string, error) {
	c, err := chart.Load(hc.chartDir())
	if err != nil {
		return "", err
	}
	vopts := values.Options{Values: hc.Set}
	for _, f := range hc.Values {
		vopts.ValueFiles = append(vopts.ValueFiles, filepath.Join("testdata", "helm", f))
	}
	user, err := vopts.Merge(nil)
	if err != nil {
		return "", err
	}
	caps := DefaultCapabilities()
	if hc.KubeVersion != "" {
		if caps.KubeVersion, err = ParseKubeVersion(hc.KubeVersion); err != nil {
			return "", err
		}
	}
	caps.APIVersions = append(caps.APIVersions, hc.APIVersions...)
	res, err := Chart(c, user, ChartOptions{Options: Options{
		Release:      ReleaseOptions{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true},
		Capabilities: caps,
	}})
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := Write(&out, res, WriteOptions{}); err != nil {
		return "", err
	}
	return out.String(), nil
}

// runHelm runs Helm on the case and writes its output to expected.out, or
// its error message to expected.err when it fails.
func runHelm(t *testing.T, hc helmCase, expected string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(*helmBinary, hc.helmArgs()...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	runErr := cmd.Run()
	for _, ext := range []string{".out", ".err"} {
		if err := os.Remove(expected + ext); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if runErr != nil {
		// The message is what follows "Error: ", up to Helm's hint after a
		// blank line.
		_, msg, _ := strings.Cut(stderr.String(), "Error: ")
		msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n\n")
		if err := os.WriteFile(expected+".err", []byte(msg+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(expected+".out", stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
