package action_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/release"
)

// bulkCount is the number of objects of the large release.
const bulkCount = 200

var secrets = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// bulkTemplate renders .Values.count objects of seven kinds in turn. The
// ConfigMaps carry .Values.padLines sha256 hex digests, which compress only
// about 2:1, and every object carries .Values.generation, so that changing
// it changes them all.
const bulkTemplate = `{{- range $i := until (int .Values.count) }}
{{- $k := mod $i 7 }}
{{- $name := printf "%s-%04d" $.Release.Name $i }}
---
{{- if eq $k 0 }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}
  labels: {generation: {{ $.Values.generation | quote }}}
data:
  generation: {{ $.Values.generation | quote }}
  payload: |
    {{- range $j := until (int $.Values.padLines) }}
    {{ sha256sum (printf "%d-%d-%v" $i $j $.Values.generation) }}
    {{- end }}
{{- else if eq $k 1 }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $name }}
  labels: {generation: {{ $.Values.generation | quote }}}
type: Opaque
stringData:
  password: {{ printf "secret-%d-%v" $i $.Values.generation | quote }}
{{- else if eq $k 2 }}
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels: {generation: {{ $.Values.generation | quote }}}
spec:
  selector: {app: {{ $name }}}
  ports: [{port: 80, targetPort: 8080}]
{{- else if eq $k 3 }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels: {generation: {{ $.Values.generation | quote }}}
spec:
  replicas: 1
  selector: {matchLabels: {app: {{ $name }}}}
  template:
    metadata: {labels: {app: {{ $name }}}}
    spec:
      containers:
      - name: app
        image: registry.example/app:1.0.0
        env: [{name: GENERATION, value: {{ $.Values.generation | quote }}}]
{{- else if eq $k 4 }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels: {generation: {{ $.Values.generation | quote }}}
{{- else if eq $k 5 }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}
  labels: {generation: {{ $.Values.generation | quote }}}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list]}]
{{- else }}
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  labels: {generation: {{ $.Values.generation | quote }}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{ printf "%s-%04d" $.Release.Name (sub $i 1) }}}
subjects: [{kind: ServiceAccount, name: {{ printf "%s-%04d" $.Release.Name (sub $i 2) }}, namespace: {{ $.Release.Namespace }}}]
{{- end }}
{{- end }}
`

// bulkChart is a chart of count objects whose manifest is about mib MiB:
// each digest line of a ConfigMap takes about 69 bytes.
func bulkChart(t *testing.T, count, mib int) *chart.Chart {
	t.Helper()
	configMaps := (count + 6) / 7
	padLines := mib << 20 / configMaps / 69
	return writeChart(t, "bulk", map[string]string{
		"values.yaml":         fmt.Sprintf("count: %d\npadLines: %d\ngeneration: 1\n", count, padLines),
		"templates/bulk.yaml": bulkTemplate,
	})
}

// TestLargeReleaseRoundTrip installs, upgrades and rolls back a release
// whose manifest is far beyond the 1 MiB an object may hold (Helm fails on
// it with "Request entity too large"), and reads its history and revisions
// back whole.
func TestLargeReleaseRoundTrip(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	c := bulkChart(t, bulkCount, 9)

	rel, _, err := action.Install(ctx, cfg, c, nil, action.InstallOptions{Name: "big"})
	wantDeployed(t, "install", rel, err, 1)
	const minManifest = 8 << 20
	if len(rel.Manifest) <= minManifest {
		t.Fatalf("manifest is %d bytes, want more than %d", len(rel.Manifest), minManifest)
	}
	if got := countObjects(rel.Manifest); got != bulkCount {
		t.Errorf("manifest has %d objects, want %d", got, bulkCount)
	}
	chunks := chunkCount(t, dyn, cfg.Namespace, 1)
	t.Logf("manifest %d bytes, stored in %d chunk Secrets", len(rel.Manifest), chunks)
	if chunks < 2 {
		t.Errorf("revision 1 is stored in %d chunk Secrets, want more than 1", chunks)
	}

	rel, _, err = action.Upgrade(ctx, cfg, c, map[string]any{"generation": 2}, action.UpgradeOptions{Name: "big"})
	wantDeployed(t, "upgrade", rel, err, 2)
	assertGeneration(t, dyn, cfg.Namespace, "2")

	rel, _, err = action.Rollback(ctx, cfg, "big", action.RollbackOptions{Revision: 1})
	wantDeployed(t, "rollback", rel, err, 3)
	assertGeneration(t, dyn, cfg.Namespace, "1")

	want := []string{"1:superseded", "2:superseded", "3:deployed"}
	if diff := cmp.Diff(want, statuses(t, cfg.Store, "big")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	assertSameManifest(t, cfg.Store, "big", 1, 3)
	for rev := 1; rev <= 3; rev++ {
		if n := chunkCount(t, dyn, cfg.Namespace, rev); n < 2 {
			t.Errorf("revision %d is stored in %d chunk Secrets, want more than 1", rev, n)
		}
	}
}

// wantDeployed stops the test unless step succeeded and recorded revision
// rev deployed.
func wantDeployed(t *testing.T, step string, rel *release.Release, err error, rev int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	if rel.Revision != rev || rel.Status != release.StatusDeployed {
		t.Fatalf("%s recorded revision %d %s, want %d deployed", step, rel.Revision, rel.Status, rev)
	}
}

// assertSameManifest reads revisions a and b of release name from store and
// checks that their manifests are byte-equal.
func assertSameManifest(t *testing.T, store release.Storage, name string, a, b int) {
	t.Helper()
	first, err := store.Get(t.Context(), name, a)
	if err != nil {
		t.Fatalf("get revision %d: %v", a, err)
	}
	second, err := store.Get(t.Context(), name, b)
	if err != nil {
		t.Fatalf("get revision %d: %v", b, err)
	}
	if len(second.Manifest) != len(first.Manifest) || second.Manifest != first.Manifest {
		t.Errorf("manifest of revision %d (%d bytes) differs from revision %d's (%d bytes)",
			b, len(second.Manifest), a, len(first.Manifest))
	}
}

// chunkCount returns the number of chunk Secrets of revision rev in ns,
// after checking that the head record of the revision counts as many.
func chunkCount(t *testing.T, dyn dynamic.Interface, ns string, rev int) int {
	t.Helper()
	list, err := dyn.Resource(secrets).Namespace(ns).List(t.Context(), metav1.ListOptions{
		FieldSelector: "type=" + string(release.SecretChunkType),
		LabelSelector: release.LabelVersion + "=" + strconv.Itoa(rev),
	})
	if err != nil {
		t.Fatalf("list chunk Secrets: %v", err)
	}
	head := getObject(t, dyn, secrets, ns, release.RecordName("big", rev))
	if head == nil {
		t.Fatalf("head Secret of revision %d not found", rev)
	}
	if got, want := head.GetAnnotations()[release.AnnotationChunks], strconv.Itoa(len(list.Items)); got != want {
		t.Errorf("head Secret of revision %d counts %q chunks, %s chunk Secrets exist", rev, got, want)
	}
	return len(list.Items)
}

// assertGeneration checks that every ConfigMap of the release in ns
// carries generation gen.
func assertGeneration(t *testing.T, dyn dynamic.Interface, ns, gen string) {
	t.Helper()
	list, err := dyn.Resource(configMaps).Namespace(ns).List(t.Context(), metav1.ListOptions{
		LabelSelector: "generation",
	})
	if err != nil {
		t.Fatalf("list ConfigMaps: %v", err)
	}
	if want := (bulkCount + 6) / 7; len(list.Items) != want {
		t.Errorf("found %d ConfigMaps of the release, want %d", len(list.Items), want)
	}
	for _, cm := range list.Items {
		if got := cm.GetLabels()["generation"]; got != gen {
			t.Errorf("ConfigMap %s has generation %q, want %q", cm.GetName(), got, gen)
		}
	}
}

// countObjects counts the documents of a manifest by their apiVersion
// lines.
func countObjects(manifest string) int {
	n := 0
	for line := range strings.Lines(manifest) {
		if strings.HasPrefix(line, "apiVersion: ") {
			n++
		}
	}
	return n
}
