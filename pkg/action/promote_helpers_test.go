package action_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/provenance"
	"github.com/berth-sh/berth/pkg/release"
)

// appTemplate is the chart of the promotion tests: a ConfigMap holding
// .Values.color, a Deployment when .Values.deployment, and a test hook of
// kind .Values.test (a ConfigMap passes once created; a Pod's outcome is
// played by finishPod).
const appTemplate = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  color: {{ .Values.color | quote }}
{{- if .Values.deployment }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: main, image: busybox}]
{{- end }}
{{- with .Values.extra }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ . }}
{{- end }}
{{- with .Values.test }}
---
apiVersion: v1
kind: {{ . }}
metadata:
  name: app-test
  annotations:
    helm.sh/hook: test
{{- if eq . "Pod" }}
spec:
  restartPolicy: Never
  containers: [{name: main, image: busybox}]
{{- end }}
{{- end }}
`

// promoteEnv is a source namespace ("staging") and a target namespace
// ("prod") on the test API server, two repositories of an in-process
// registry ("a" and "b") and a chart locator that reads them.
type promoteEnv struct {
	staging, prod *action.Configuration
	dyn           dynamic.Interface
	reg           *registry.Registry
	client        *oci.Client
	locator       *action.ChartLocator
	// now is the clock of both configurations.
	now time.Time
}

func newPromoteEnv(t *testing.T) *promoteEnv {
	t.Helper()
	e := &promoteEnv{reg: registry.New(t), now: time.Now()}
	e.staging, e.dyn = newConfig(t)
	e.prod, _ = newConfig(t)
	clock := func() time.Time { return e.now }
	e.staging.Now, e.prod.Now = clock, clock
	client, err := oci.NewClient(oci.Options{PlainHTTP: true, RegistryConfig: filepath.Join(t.TempDir(), "config.json")})
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	pubring, err := provenance.LoadKeyring(filepath.Join("..", "provenance", "testdata", "pubring.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	e.locator = &action.ChartLocator{
		Registry: func() (*oci.Client, error) { return client, nil },
		Verifier: func(name string, archive, prov []byte) (*action.Verification, error) {
			v, err := provenance.Verify(name, archive, prov, pubring)
			if err != nil {
				return nil, err
			}
			return &action.Verification{Signer: v.SignedBy[0], Fingerprint: v.Fingerprint}, nil
		},
	}
	return e
}

// archive packages the app chart at version with default values values.
func archive(t *testing.T, version, values string) []byte {
	t.Helper()
	c := writeChart(t, "app", map[string]string{"values.yaml": values, "templates/app.yaml": appTemplate})
	c.Metadata.Version = version
	var buf bytes.Buffer
	if err := chart.WriteArchive(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// signed signs archive with the test key of pkg/provenance's testdata.
func signed(t *testing.T, archive []byte) []byte {
	t.Helper()
	secring, err := provenance.LoadKeyring(filepath.Join("..", "provenance", "testdata", "secring.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := secring.Signer("test@berth.sh", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chart.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	prov, err := signer.Sign(chart.ArchiveName(c), archive, c.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	return prov
}

// push pushes archive (with prov, when set) to repository path of the
// registry and returns its tagged reference.
func (e *promoteEnv) push(t *testing.T, path string, archive, prov []byte) *oci.PushResult {
	t.Helper()
	res, err := e.client.Push(t.Context(), archive, e.reg.Ref(path), oci.PushOptions{Prov: prov})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// deploy installs or upgrades release app in staging from ref, recording
// its provenance as the CLI does.
func (e *promoteEnv) deploy(t *testing.T, ref string, values map[string]any, wait bool) (*release.Release, error) {
	t.Helper()
	lc, err := e.locator.Locate(t.Context(), action.ChartRequest{Ref: ref})
	if err != nil {
		t.Fatal(err)
	}
	origin := action.Origin{Actor: "builder", SourceRevision: "0123456789abcdef0123456789abcdef01234567", CI: &release.CIRun{System: "gitlab-ci", URL: "https://ci.example/jobs/1"}}
	rel, _, err := action.Upgrade(t.Context(), e.staging, lc.Chart, values, action.UpgradeOptions{
		Name: "app", Install: true, ApplySettings: action.ApplySettings{Wait: wait, Timeout: 5 * time.Second},
		Provenance: action.NewProvenance(action.ChartSourceOf(ref, lc), origin),
	})
	return rel, err
}

// deployOCI pushes the app chart 1.0.0 with default values values (and
// prov, when set) to repository a and deploys it to staging from there, by
// tag. It returns the tagged reference.
func (e *promoteEnv) deployOCI(t *testing.T, values string, prov []byte) string {
	t.Helper()
	pushed := e.push(t, "a/app", archive(t, "1.0.0", values), prov)
	if _, err := e.deploy(t, pushed.Ref, nil, false); err != nil {
		t.Fatal(err)
	}
	return pushed.Ref
}

// test runs the staging release's tests.
func (e *promoteEnv) test(t *testing.T) error {
	t.Helper()
	_, err := action.Test(t.Context(), e.staging, "app", action.TestOptions{Timeout: 30 * time.Second})
	return err
}

// options are the promotion of staging/app to prod with the gates.
func (e *promoteEnv) options(gates action.PromoteGates) action.PromoteOptions {
	return action.PromoteOptions{
		Source: e.staging, SourceContext: "stage", TargetContext: "stage", Name: "app",
		Values: map[string]any{"color": "prod-blue"}, Gates: gates,
		Origin: action.Origin{Actor: "releaser", CI: &release.CIRun{System: "github-actions", URL: "https://ci.example/runs/2"}},
		Locate: e.locator.Locate,
		Copy: func(ctx context.Context, src, dst string) (string, error) {
			res, err := e.client.Copy(ctx, src, dst)
			if err != nil {
				return "", err
			}
			return res.Digest, nil
		},
		HealthTimeout: 2 * time.Second,
	}
}

// tagDigest is the digest tag ref names in the registry, "" when none.
func (e *promoteEnv) tagDigest(t *testing.T, ref string) string {
	t.Helper()
	res, err := e.client.Pull(t.Context(), ref, "")
	if err != nil {
		return ""
	}
	return res.Digest
}

// releaseCount is how many revisions release app has in cfg's namespace.
func releaseCount(t *testing.T, cfg *action.Configuration) int {
	t.Helper()
	all, err := cfg.Store.List(t.Context(), release.Filter{Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// writeFile writes data to a new file in a temporary directory.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
