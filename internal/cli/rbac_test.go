package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/tree"
)

// namespaceUser creates, in a fresh namespace, a ServiceAccount bound by a
// RoleBinding to a Role that allows everything in that namespace and
// nothing else (no ClusterRole), and returns the namespace, the account's
// user name and a kubeconfig that authenticates as it with a token from
// the TokenRequest API.
func namespaceUser(t *testing.T) (ns, user, kubeconfig string) {
	t.Helper()
	admin := testenv.Config(t)
	client, err := kubernetes.NewForConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	ns = testenv.Namespace(t)
	ctx := t.Context()
	const name = "deployer"
	meta := metav1.ObjectMeta{Name: name, Namespace: ns}
	if _, err := client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: meta}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ServiceAccount/%s/%s: %v", ns, name, err)
	}
	role := &rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"},
	}}}
	if _, err := client.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Role/%s/%s: %v", ns, name, err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: meta,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}},
	}
	if _, err := client.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create RoleBinding/%s/%s: %v", ns, name, err)
	}
	tr, err := client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("request a token for ServiceAccount/%s/%s: %v", ns, name, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: admin.Host, CertificateAuthorityData: admin.CAData}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: name, Namespace: ns}
	cfg.CurrentContext = name
	kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}
	return ns, "system:serviceaccount:" + ns + ":" + name, kubeconfig
}

// rbacChart writes a chart with one object of each kind an application
// usually has, Role and RoleBinding included; .Values.extra adds a
// ConfigMap that an upgrade drops again.
func rbacChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"values.yaml": "extra: false\nimage: registry.example/app:1\n",
		"templates/app.yaml": `apiVersion: v1
kind: ServiceAccount
metadata: {name: {{ .Release.Name }}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: {{ .Release.Name }}}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: {{ .Release.Name }}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{ .Release.Name }}}
subjects: [{kind: ServiceAccount, name: {{ .Release.Name }}}]
---
apiVersion: v1
kind: Secret
metadata: {name: {{ .Release.Name }}}
stringData: {password: hunter2}
---
apiVersion: v1
kind: Service
metadata: {name: {{ .Release.Name }}}
spec: {selector: {app: {{ .Release.Name }}}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}}
spec:
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec: {serviceAccountName: {{ .Release.Name }}, containers: [{name: app, image: {{ .Values.image }}}]}
{{- if .Values.extra }}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}-extra}
{{- end }}
`,
	}
	tree.Write(t, dir, files)
	return dir
}

// TestNamespaceOnlyUser runs every release command as a ServiceAccount that
// may use its own namespace only: all of them work there, and list -A fails
// saying which permission it lacks.
func TestNamespaceOnlyUser(t *testing.T) {
	t.Setenv(storageEnv, "")
	t.Setenv(helmStorageEnv, "")
	_, user, kubeconfig := namespaceUser(t)
	chartDir := rbacChart(t)
	conn := []string{"--kubeconfig", kubeconfig}
	steps := [][]string{
		{"install", "app", chartDir, "--set", "extra=true"},
		{"upgrade", "app", chartDir, "--set", "image=registry.example/app:2"},
		{"upgrade", "app", chartDir, "--reuse-values", "--set", "extra=true"},
		{"rollback", "app", "2"},
		{"list"},
		{"history", "app"},
		{"status", "app"},
		{"get", "all", "app"},
		{"install", "other", chartDir, "--storage", "configmap"},
		{"list", "--storage", "configmap"},
		{"uninstall", "other", "--storage", "configmap"},
		{"uninstall", "app", "--keep-history"},
		{"install", "app", chartDir, "--create-namespace"},
		{"uninstall", "app"},
		{"upgrade", "app", chartDir, "--install"},
		{"uninstall", "app"},
	}
	for _, args := range steps {
		if slices.Contains([]string{"install", "upgrade", "rollback"}, args[0]) {
			// No controller makes the Deployment available here.
			args = append(args, "--wait=false")
		}
		runOK(t, append(args, conn...)...)
	}
	rows := decodeRows(t, runOK(t, append([]string{"list", "--all", "-o", "json"}, conn...)...))
	if len(rows) != 0 {
		t.Errorf("releases left after uninstall: %+v", rows)
	}

	code, _, stderr := run(t, append([]string{"list", "-A"}, conn...)...)
	for _, want := range []string{
		`cannot list resource "secrets"`, "at the cluster scope", user,
		"list -A needs permission to list secrets in all namespaces", "-n NAMESPACE",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("list -A stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != ExitError {
		t.Errorf("list -A: exit %d, want %d", code, ExitError)
	}
}
