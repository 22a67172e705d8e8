package action_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

// TestUpgradeCollectsOrphanChunks: a chunk record that no revision points
// to (left by a writer killed half way) is deleted by the next operation;
// the chunks of the real revisions stay and history reads back.
func TestUpgradeCollectsOrphanChunks(t *testing.T) {
	ns := testenv.Namespace(t)
	cfg, _ := configFor(t, ns)
	rc := testenv.Config(t)
	clients, err := release.NewClients(rc)
	if err != nil {
		t.Fatal(err)
	}
	// Small chunks, so the real revisions are chunked too; no grace period,
	// so the orphan is old enough at once.
	cfg.Store = release.NewSecrets(clients, ns, release.WithChunkSize(512), release.WithGCGrace(0))
	ctx := t.Context()
	if _, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatalf("install: %v", err)
	}
	kc := kubernetes.NewForConfigOrDie(rc)
	orphan := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: "berth.release.v1.web.v2.000000000000.0",
			Labels: map[string]string{
				release.LabelOwner: release.OwnerBerth, release.LabelName: "web", release.LabelVersion: "2",
				release.LabelChunk: "0", release.LabelDigest: "000000000000",
			},
		},
		Type: release.SecretChunkType,
		Data: map[string][]byte{"release": []byte("half of a payload")},
	}
	if _, err := kc.CoreV1().Secrets(ns).Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create orphan chunk: %v", err)
	}
	if _, _, err := action.Upgrade(ctx, cfg, configMapChart(t), nil, action.UpgradeOptions{Name: "web"}); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	_, err = kc.CoreV1().Secrets(ns).Get(ctx, orphan.Name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("orphan chunk %s after upgrade: err = %v, want it deleted", orphan.Name, err)
	}
	if diff := cmp.Diff([]string{"1:superseded", "2:deployed"}, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	for rev := 1; rev <= 2; rev++ {
		if _, err := cfg.Store.Get(ctx, "web", rev); err != nil {
			t.Errorf("read revision %d after garbage collection: %v", rev, err)
		}
	}
}
