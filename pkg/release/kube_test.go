package release

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-sh/berth/internal/testenv"
)

func TestSecretRecord(t *testing.T) {
	ns := testenv.Namespace(t)
	clients := testClients(t)
	s := NewSecrets(clients, ns)
	rel := sample(ns, "web", 3, StatusDeployed)
	rel.Description = strings.Repeat("é", 200) // 400 bytes
	mustCreate(t, s, rel)

	secret, err := clients.Kube.CoreV1().Secrets(ns).Get(t.Context(), "berth.release.v1.web.v3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if secret.Type != SecretType {
		t.Errorf("type = %q, want %q", secret.Type, SecretType)
	}
	// berth's labels, and the release's own (sample sets two).
	wantLabels := map[string]string{
		"owner": "berth", "name": "web", "version": "3", "status": "deployed",
		"team": "web", "example.com/tier": "front",
	}
	if diff := cmp.Diff(wantLabels, secret.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	payload := secret.Data["release"]
	wantAnnotations := map[string]string{
		"berth.sh/chart-name":    "web",
		"berth.sh/chart-version": "1.2.3",
		"berth.sh/app-version":   "4.5.6",
		"berth.sh/updated":       "2026-11-22T06:03:00Z",
		"berth.sh/description":   strings.Repeat("é", 126) + "...",
		"berth.sh/digest":        "sha256:" + digestOf(payload),
		"berth.sh/chunks":        "0",
	}
	if diff := cmp.Diff(wantAnnotations, secret.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	zr, err := gzip.NewReader(bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("payload is not gzip: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var stored Release
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	stored.ResourceVersion = rel.ResourceVersion
	if diff := cmp.Diff(rel, &stored); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
	for _, key := range []string{`"firstDeployed"`, `"lastDeployed"`, `"deletePolicies"`, `"appVersion"`} {
		if !bytes.Contains(raw, []byte(key)) {
			t.Errorf("payload JSON has no %s key: %s", key, raw[:200])
		}
	}
}

func TestConfigMapRecord(t *testing.T) {
	ns := testenv.Namespace(t)
	clients := testClients(t)
	s := NewConfigMaps(clients, ns)
	mustCreate(t, s, sample(ns, "web", 1, StatusPendingInstall))
	cm, err := clients.Kube.CoreV1().ConfigMaps(ns).Get(t.Context(), "berth.release.v1.web.v1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := map[string]string{
		"owner": "berth", "name": "web", "version": "1", "status": "pending-install",
		"team": "web", "example.com/tier": "front",
	}
	if diff := cmp.Diff(wantLabels, cm.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if _, err := decodePayload(cm.BinaryData["release"]); err != nil {
		t.Errorf("binaryData.release: %v", err)
	}
}

// TestListReadsOnlyMetadata breaks a record's payload: list and history
// still work from metadata, Get reports the corruption.
func TestListReadsOnlyMetadata(t *testing.T) {
	ns := testenv.Namespace(t)
	clients := testClients(t)
	s := NewSecrets(clients, ns)
	mustCreate(t, s, sample(ns, "web", 1, StatusDeployed))
	secrets := clients.Kube.CoreV1().Secrets(ns)
	secret, err := secrets.Get(t.Context(), "berth.release.v1.web.v1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secret.Data["release"] = []byte("not gzip")
	if _, err := secrets.Update(t.Context(), secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	history, err := s.History(t.Context(), "web")
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	if diff := cmp.Diff([]Summary{sample(ns, "web", 1, StatusDeployed).Summary()}, history); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
	_, err = s.Get(t.Context(), "web", 1)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "Secret/"+ns+"/berth.release.v1.web.v1") {
		t.Errorf("Get of a corrupt record: got %v, want ErrCorrupt naming the Secret", err)
	}
}

// TestForeignObjectsIgnored checks that Secrets berth did not write are
// neither listed nor mistaken for records.
func TestForeignObjectsIgnored(t *testing.T) {
	ns := testenv.Namespace(t)
	clients := testClients(t)
	s := NewSecrets(clients, ns)
	helmLike := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:   "sh.helm.release.v1.web.v1",
			Labels: map[string]string{"owner": "helm", "name": "web", "version": "1", "status": "deployed"},
		},
		Type: "helm.sh/release.v1",
	}
	if _, err := clients.Kube.CoreV1().Secrets(ns).Create(t.Context(), helmLike, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(t.Context(), Filter{})
	if err != nil || len(got) != 0 {
		t.Errorf("List = %v, %v; want nothing", got, err)
	}
}

// TestListAllNamespaces lists with a store for namespace "": records of
// every namespace.
func TestListAllNamespaces(t *testing.T) {
	clients := testClients(t)
	ns1, ns2 := testenv.Namespace(t), testenv.Namespace(t)
	mustCreate(t, NewSecrets(clients, ns1), sample(ns1, "everywhere", 1, StatusDeployed))
	mustCreate(t, NewSecrets(clients, ns2), sample(ns2, "everywhere", 4, StatusFailed))
	got, err := NewSecrets(clients, "").List(t.Context(), Filter{Name: "everywhere"})
	if err != nil {
		t.Fatal(err)
	}
	var mine []Summary
	for _, s := range got {
		if s.Namespace == ns1 || s.Namespace == ns2 {
			mine = append(mine, s)
		}
	}
	want := Latest([]Summary{
		sample(ns1, "everywhere", 1, StatusDeployed).Summary(),
		sample(ns2, "everywhere", 4, StatusFailed).Summary(),
	})
	if diff := cmp.Diff(want, mine); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

// TestMissingNamespace writes to a namespace that does not exist: the
// error says so rather than that the release is not found, and taking
// the lock fails instead of retrying forever.
func TestMissingNamespace(t *testing.T) {
	clients := testClients(t)
	for _, size := range []int{DefaultChunkSize, 16} {
		s := NewSecrets(clients, "no-such-namespace", WithChunkSize(size))
		err := s.Create(t.Context(), sample("no-such-namespace", "web", 1, StatusDeployed))
		if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `namespace "no-such-namespace" not found`) {
			t.Errorf("chunk size %d: Create error %v, want one saying the namespace is missing", size, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := NewLocker(clients.Kube, "no-such-namespace").Acquire(ctx, "web", time.Minute)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Lease/no-such-namespace/berth.lock.web") {
		t.Errorf("Acquire error %v, want one naming the Lease at once", err)
	}
}
