package testenv

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func TestConfigReturnsCopies(t *testing.T) {
	first := Config(t)
	host := first.Host
	first.Host = "https://changed.invalid"
	first.CertData = nil
	second := Config(t)
	if second.Host != host || len(second.CertData) == 0 {
		t.Errorf("Config after changing an earlier copy: host %q, %d bytes of client certificate; want host %q and a certificate",
			second.Host, len(second.CertData), host)
	}
}

// TestKubeconfigReachesServer uses the kubeconfig file as a CLI would and
// checks it is an admin of the same server that Config talks to.
func TestKubeconfigReachesServer(t *testing.T) {
	ns := Namespace(t)
	cfg, err := clientcmd.BuildConfigFromFlags("", Kubeconfig(t))
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(cfg)
	version, err := client.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("server version through kubeconfig: %v", err)
	}
	if version.Major != "1" || !strings.HasPrefix(version.GitVersion, "v1.") {
		t.Errorf("server version %q (major %q): want v1.x; was kube-apiserver built without its version ldflags?", version.GitVersion, version.Major)
	}
	if _, err := client.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{}); err != nil {
		t.Errorf("get namespace %s through kubeconfig: %v", ns, err)
	}
	review, err := client.AuthorizationV1().SelfSubjectAccessReviews().Create(t.Context(), &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "*", Group: "*", Resource: "*"},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("access review through kubeconfig: %v", err)
	}
	if !review.Status.Allowed {
		t.Errorf("kubeconfig user may not do everything: %+v", review.Status)
	}
}

// TestNamespace checks that namespaces are fresh per call, named after the
// test, and deleted when the test ends.
func TestNamespace(t *testing.T) {
	client := kubernetes.NewForConfigOrDie(Config(t))
	var names []string
	t.Run("create", func(t *testing.T) {
		names = append(names, Namespace(t), Namespace(t))
		for _, name := range names {
			if _, err := client.CoreV1().Namespaces().Get(t.Context(), name, metav1.GetOptions{}); err != nil {
				t.Errorf("get namespace %s: %v", name, err)
			}
		}
	})
	if len(names) != 2 || names[0] == names[1] || !strings.HasPrefix(names[0], "testnamespace-create-") {
		t.Fatalf("namespaces %q: want two distinct names starting with testnamespace-create-", names)
	}
	for _, name := range names {
		ns, err := client.CoreV1().Namespaces().Get(t.Context(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil || ns.DeletionTimestamp == nil {
			t.Errorf("namespace %s after its test: %v, deletion timestamp %v; want it deleted", name, err, ns.DeletionTimestamp)
		}
	}
}

// TestServiceClusterIPRange checks the API server allocates Service IPs from
// a /16, not envtest's default /24.
func TestServiceClusterIPRange(t *testing.T) {
	tests := []struct {
		clusterIP string
		wantErr   bool
	}{
		{clusterIP: "10.0.0.20"},
		{clusterIP: "10.0.200.20"}, // outside 10.0.0.0/24
		{clusterIP: "10.1.0.20", wantErr: true},
	}
	ns := Namespace(t)
	client := kubernetes.NewForConfigOrDie(Config(t))
	for _, tt := range tests {
		t.Run(tt.clusterIP, func(t *testing.T) {
			svc := &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{GenerateName: "svc-", Namespace: ns},
				Spec: corev1.ServiceSpec{
					ClusterIP: tt.clusterIP,
					Ports:     []corev1.ServicePort{{Port: 80}},
				},
			}
			_, err := client.CoreV1().Services(ns).Create(t.Context(), svc, metav1.CreateOptions{})
			if (err != nil) != tt.wantErr {
				t.Errorf("create Service with clusterIP %s: error %v, want error %v", tt.clusterIP, err, tt.wantErr)
			}
		})
	}
}

func TestNamespacePrefix(t *testing.T) {
	tests := []struct{ testName, want string }{
		{"TestApply", "testapply-"},
		{"TestApply/with_force", "testapply-with-force-"},
		{"TestX/Ünïcode names!", "testx-n-code-names-"},
		{"TestAVeryLongNameThatGoesOnAndOnAndOnForeverAndEver", "testaverylongnamethatgoesonandonandonfor-"},
		{"9lives", "t9lives-"},
		{"", "t-"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, namespacePrefix(tt.testName)); diff != "" {
			t.Errorf("namespacePrefix(%q) (-want +got):\n%s", tt.testName, diff)
		}
	}
}
