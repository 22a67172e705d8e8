//go:build unix

// Command cluster runs berth's local Kubernetes cluster: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake
// nodes and pods), built by hack/tools/build.sh into bin/ and started as
// background processes whose state lives in .cluster/ at the repository root.
//
// Real charts run on it: three fake nodes, one per zone, with the labels
// and resources charts ask for, and a default StorageClass served by this
// program's own provisioner (the provision command, a process up starts
// like the others), which binds each claim to a hostPath volume under
// .cluster/volumes and deletes the volume with its claim.
//
// Usage:
//
//	go run ./hack/cluster up      # start (or confirm running), print KUBECONFIG
//	go run ./hack/cluster status  # what runs and whether it is healthy
//	go run ./hack/cluster down    # stop what up started, delete .cluster/
//
// hack/cluster.sh wraps it. The cluster answers on 127.0.0.1 only; its admin
// kubeconfig is .cluster/kubeconfig.
package main
