// Package e2e holds end-to-end tests against the local cluster started by
// hack/cluster.sh up (etcd, kube-apiserver, controller-manager, scheduler and
// kwok's fake node), where Deployments become Available and Jobs complete,
// and against Debian's distribution registry started by hack/registry.sh up
// (TLS from a test CA, htpasswd basic auth), driven through the real berth
// binary.
//
// The tests carry the build tag e2e, so `go test ./...` does not need the
// cluster or the registry; `make e2e` starts and stops both:
//
//	hack/cluster.sh up && hack/registry.sh up && make build
//	go test -tags e2e -count=1 ./test/e2e/
//
// They use the kubeconfig named by BERTH_E2E_KUBECONFIG, by default
// .cluster/kubeconfig at the repository root, the registry described by
// BERTH_E2E_REGISTRY* or .registry/env, and fail when either is unreachable.
package e2e
