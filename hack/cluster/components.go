//go:build unix

package main

import (
	"path/filepath"
	"slices"
	"strconv"
)

const (
	// serviceCIDR is a /16: a /24 runs out after about 250 Services.
	serviceCIDR = "10.96.0.0/16"
	// kubernetesServiceIP is the first address of serviceCIDR, the
	// kubernetes Service's ClusterIP.
	kubernetesServiceIP = "10.96.0.1"
	podCIDR             = "10.244.0.0/16"
	// fakeNodeIP is the address kwok reports for its node; never contacted.
	fakeNodeIP = "10.255.0.1"
)

// provisionerComponent is the process that runs this program's provision
// command: hack/cluster's own volume provisioner.
const provisionerComponent = "provisioner"

// component is one process of the cluster.
type component struct {
	name string   // binary in bin/ (see layout.program), PID file and log file name
	args []string // command-line arguments
}

// components returns the cluster's processes in start order (stop order is
// the reverse).
func components(l layout, bin string, s state) []component {
	kubeconfig := l.kubeconfig()
	clientFlags := []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(s.EtcdPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(s.EtcdPeerPort)
	return []component{
		{name: "etcd", args: []string{
			"--name=berth",
			"--data-dir=" + l.etcdData(),
			"--listen-client-urls=" + etcdURL,
			"--advertise-client-urls=" + etcdURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=berth=" + peerURL,
			// A throwaway cluster: speed over durability.
			"--unsafe-no-fsync=true",
		}},
		{name: "kube-apiserver", args: []string{
			"--etcd-servers=" + etcdURL,
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(s.APIServerPort),
			"--tls-cert-file=" + l.pki("apiserver.crt"),
			"--tls-private-key-file=" + l.pki("apiserver.key"),
			"--client-ca-file=" + l.pki("ca.crt"),
			"--token-auth-file=" + l.pki("tokens.csv"),
			"--authorization-mode=RBAC",
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + l.pki("sa.pub"),
			"--service-account-signing-key-file=" + l.pki("sa.key"),
			"--service-cluster-ip-range=" + serviceCIDR,
			"--allow-privileged=true",
		}},
		{name: "kube-controller-manager", args: slices.Concat(clientFlags, []string{
			"--service-account-private-key-file=" + l.pki("sa.key"),
			"--root-ca-file=" + l.pki("ca.crt"),
			"--cluster-signing-cert-file=" + l.pki("ca.crt"),
			"--cluster-signing-key-file=" + l.pki("ca.key"),
			"--service-cluster-ip-range=" + serviceCIDR,
			// No kubelets: node IPAM and node lifecycle would fight kwok.
			"--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle",
			// The defaults (20 requests a second) make the controllers, not
			// the tools under test, what a wide rollout waits for.
			"--kube-api-qps=200", "--kube-api-burst=400",
			"--concurrent-deployment-syncs=16", "--concurrent-replicaset-syncs=16",
		})},
		{name: "kube-scheduler", args: slices.Concat(clientFlags, []string{"--kube-api-qps=200", "--kube-api-burst=400"})},
		{name: "kwok", args: []string{
			"--kubeconfig=" + kubeconfig,
			"-c", filepath.Join(bin, "kwok-stages.yaml"),
			"--manage-all-nodes=true",
			"--cidr=" + podCIDR,
			"--node-ip=" + fakeNodeIP,
		}},
		{name: provisionerComponent, args: []string{"provision"}},
	}
}

// componentNames lists the components in start order.
func componentNames() []string {
	return []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", provisionerComponent}
}

// binaryFiles lists what up needs from bin/.
func binaryFiles() []string {
	return []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kwok-stages.yaml"}
}
