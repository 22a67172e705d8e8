#!/usr/bin/env bash
# Starts, stops and inspects the local Kubernetes cluster (etcd,
# kube-apiserver, controller-manager, scheduler, kwok with three fake nodes,
# and hack/cluster's volume provisioner behind a default StorageClass) used
# by test/e2e and for trying berth by hand:
#   hack/cluster.sh up|down|status
# The binaries come from hack/tools/build.sh (`make tools`); state, logs and
# the kubeconfig live in .cluster/. The manager is hack/cluster (Go), built
# into bin/cluster.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
go build -o bin/cluster ./hack/cluster
exec bin/cluster "$@"
