#!/usr/bin/env bash
# make demo: walks through berth on a local cluster (hack/cluster.sh) and
# stops everything it started, also when a step fails. Each step prints the
# command it runs. Later features extend the walk-through.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/bin:$PATH"
export KUBECONFIG="$root/.cluster/kubeconfig"

bold='' plain=''
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

started=0
cleanup() {
  if [ "$started" = 1 ]; then
    printf '\n== stopping the local cluster\n'
    "$root/hack/cluster.sh" down
  fi
}
trap cleanup EXIT

printf '== starting a local cluster (etcd, kube-apiserver, controllers, scheduler, kwok)\n'
if ! hack/cluster.sh status >/dev/null 2>&1; then
  started=1
fi
hack/cluster.sh up

step berth version
step kubectl get nodes -o wide

printf '\n== charts: create, package and render one, as helm users know them\n'
work=$(mktemp -d)
trap 'rm -rf "$work"; cleanup' EXIT
cd "$work"
step berth create web
step berth package web
step berth show chart web-0.1.0.tgz
step berth template demo web-0.1.0.tgz --namespace demo --set replicaCount=2 --show-only templates/deployment.yaml
