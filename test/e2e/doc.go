// Package e2e holds end-to-end tests against the local cluster started by
// hack/cluster.sh up (etcd, kube-apiserver, controller-manager, scheduler and
// kwok's fake node), where Deployments become Available and Jobs complete.
//
// The tests carry the build tag e2e, so `go test ./...` does not need the
// cluster:
//
//	hack/cluster.sh up
//	go test -tags e2e -count=1 ./test/e2e/
//
// They use the kubeconfig named by BERTH_E2E_KUBECONFIG, by default
// .cluster/kubeconfig at the repository root, and fail when the cluster is
// unreachable.
package e2e
