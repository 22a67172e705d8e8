//go:build unix

package main

import (
	"crypto/x509"
	"encoding/csv"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/hack/internal/testpki"
)

// TestWritePKI checks the serving certificate verifies for the names clients
// use, the kubeconfig carries the admin token of tokens.csv, and the
// service-account key pair parses.
func TestWritePKI(t *testing.T) {
	l := newLayout(t.TempDir())
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writePKI(l, 6443); err != nil {
		t.Fatalf("writePKI: %v", err)
	}
	for _, name := range []string{"127.0.0.1", "localhost", "kubernetes.default.svc", kubernetesServiceIP} {
		if err := testpki.Verify(l.pki("ca.crt"), l.pki("apiserver.crt"), name); err != nil {
			t.Errorf("serving certificate for %s: %v", name, err)
		}
	}

	f, err := os.Open(l.pki("tokens.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) != 1 || len(records[0]) != 4 {
		t.Fatalf("tokens.csv: %q, %v; want one record of token,user,uid,groups", records, err)
	}
	if diff := cmp.Diff([]string{"admin", "admin", "system:masters"}, records[0][1:]); diff != "" {
		t.Errorf("tokens.csv user (-want +got):\n%s", diff)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", l.kubeconfig())
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	if cfg.Host != "https://127.0.0.1:6443" || cfg.BearerToken != records[0][0] || len(cfg.CAData) == 0 || cfg.Insecure {
		t.Errorf("kubeconfig: host %q, token matches %v, %d bytes CA, insecure %v; want the server, the admin token and the CA",
			cfg.Host, cfg.BearerToken == records[0][0], len(cfg.CAData), cfg.Insecure)
	}
	for _, name := range []string{"sa.key", "ca.key", "apiserver.key"} {
		data, _ := os.ReadFile(l.pki(name))
		block, _ := pem.Decode(data)
		if block == nil {
			t.Fatalf("%s: no PEM block", name)
		}
		if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if fi, err := os.Stat(l.pki(name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", name, fi.Mode().Perm(), err)
		}
	}
}

// TestComponents checks the flags that matter: the /16 Service range, the
// stage file for kwok, and that every path lives in the state directory.
func TestComponents(t *testing.T) {
	l := newLayout("/repo")
	comps := components(l, "/repo/bin", state{EtcdPort: 1, EtcdPeerPort: 2, APIServerPort: 3})
	var names []string
	for _, c := range comps {
		names = append(names, c.name)
	}
	if diff := cmp.Diff(componentNames(), names); diff != "" {
		t.Errorf("component order (-want +got):\n%s", diff)
	}
	wantArgs := map[string][]string{
		"etcd":                    {"--listen-client-urls=http://127.0.0.1:1", "--data-dir=/repo/.cluster/etcd"},
		"kube-apiserver":          {"--etcd-servers=http://127.0.0.1:1", "--secure-port=3", "--service-cluster-ip-range=10.96.0.0/16", "--token-auth-file=/repo/.cluster/pki/tokens.csv", "--allow-privileged=true"},
		"kube-controller-manager": {"--kubeconfig=/repo/.cluster/kubeconfig", "--leader-elect=false", "--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle"},
		"kube-scheduler":          {"--kubeconfig=/repo/.cluster/kubeconfig", "--secure-port=0"},
		"kwok":                    {"/repo/bin/kwok-stages.yaml", "--manage-all-nodes=true"},
		"provisioner":             {"provision"},
	}
	for _, c := range comps {
		joined := strings.Join(c.args, " ")
		for _, want := range wantArgs[c.name] {
			if !strings.Contains(joined, want) {
				t.Errorf("%s args %q lack %q", c.name, c.args, want)
			}
		}
		if want := "/repo/bin/" + c.name; c.name == provisionerComponent {
			// A link in the state directory, for the process's name.
			if got := l.program("/repo/bin", c.name); got != "/repo/.cluster/provisioner" {
				t.Errorf("provisioner program = %s, want /repo/.cluster/provisioner", got)
			}
		} else if got := l.program("/repo/bin", c.name); got != want {
			t.Errorf("%s program = %s, want %s", c.name, got, want)
		}
		if c.name == "kube-scheduler" && strings.Contains(joined, "--controllers") {
			t.Errorf("kube-scheduler got controller-manager flags: %q", c.args)
		}
	}
}
