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
registry_started=0
cleanup() {
  if [ "$registry_started" = 1 ]; then
    printf '\n== stopping the local registry\n'
    hack/registry.sh down
  fi
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

printf '\n== charts: create, package and render one, as helm users know them (examples/ holds the ones below)\n'
work=$(mktemp -d)
serve_pid=
trap 'stop_serve; rm -rf "$work"; cd "$root"; cleanup' EXIT
stop_serve() { if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; serve_pid=; fi; }
cd "$work"
step berth create scratch
step berth package "$root/examples/web"
step berth show chart web-0.1.0.tgz
step berth template demo web-0.1.0.tgz --namespace demo --set replicaCount=2 --show-only templates/deployment.yaml

printf '\n== registries: push the chart to an OCI registry (docker-registry over HTTPS, with a password) and pull it back\n'
if ! "$root/hack/registry.sh" status >/dev/null 2>&1; then
  registry_started=1
fi
"$root/hack/registry.sh" up
# shellcheck source=/dev/null # written by hack/registry.sh up
. "$root/.registry/env"
registry=$BERTH_E2E_REGISTRY
ca=(--ca-file "$BERTH_E2E_REGISTRY_CA")
# Credentials go to a docker config of the demo's own, not the user's.
export DOCKER_CONFIG="$work/.docker"
printf '%s\n' "$BERTH_E2E_REGISTRY_PASSWORD" |
  step berth registry login "$registry" -u "$BERTH_E2E_REGISTRY_USER" --password-stdin "${ca[@]}"
step berth push web-0.1.0.tgz "oci://$registry/demo" "${ca[@]}"
digest=$(berth push web-0.1.0.tgz "oci://$registry/demo" "${ca[@]}" -o json |
  sed -n 's/^  "digest": "\(sha256:[0-9a-f]*\)",$/\1/p')
printf '\npushing the same archive again gives the same digest: %s\n' "$digest"
mkdir pulled
step berth pull "oci://$registry/demo/web@$digest" "${ca[@]}" -d pulled
step sha256sum web-0.1.0.tgz pulled/web-0.1.0.tgz
step berth registry logout "$registry"

printf '\n== releases: install, upgrade, roll back and uninstall with server-side apply\n'
printf 'each of install, upgrade and rollback waits until the objects are ready (--wait, the default),\n'
printf 'printing each status change on stderr; the controllers and kwok make the Deployment Available\n'
step berth install web web-0.1.0.tgz -n demo --create-namespace --set replicaCount=2 --timeout 2m
step berth list -n demo
step berth status web -n demo
step kubectl get deployments,services -n demo
step berth diff upgrade web web-0.1.0.tgz -n demo --set replicaCount=3
step berth upgrade web web-0.1.0.tgz -n demo --set replicaCount=3 --timeout 2m
step berth history web -n demo
step berth rollback web 1 -n demo --timeout 2m
step berth history web -n demo
step kubectl get deployment web -n demo -o jsonpath='{.spec.replicas}{"\n"}'
printf '\n== drift: a change made behind berth'"'"'s back, named with its field manager, and put back\n'
step kubectl scale deployment web -n demo --replicas=5
step berth drift web -n demo || printf '(exit %d: drift found)\n' "$?"
step berth drift web -n demo --correct || true
step kubectl get deployment web -n demo -o jsonpath='{.spec.replicas}{"\n"}'
step berth uninstall web -n demo --wait
step berth list -n demo --all

printf '\n== a Helm user'"'"'s day: a chart repository of our own, search, install REPO/NAME with labels,\n'
printf '   upgrade --install through a kustomize post-renderer, Helm-only flags, list by label\n'
mkdir repo
berth package "$root/examples/web" -d repo --version 0.1.1 >/dev/null
step berth package "$root/examples/web" -d repo
step berth repo index repo
(cd "$root" && go build -o "$work/serve" ./hack/serve)
"$work/serve" -dir repo -url-file url 2>serve.log >/dev/null &
serve_pid=$!
for _ in $(seq 50); do [ -s url ] && break; sleep 0.1; done
repo_url=$(cat url)
export BERTH_REPOSITORY_CONFIG=$work/repositories.yaml BERTH_REPOSITORY_CACHE=$work/repository-cache
step berth repo add acme "$repo_url"
step berth search repo web --versions
export HELM_NAMESPACE=shop   # Helm's variable; berth reads it when -n is not given
step berth install web acme/web --version '~0.1.0' --create-namespace --labels team=storefront --timeout 2m
step berth upgrade --install web acme/web --post-renderer "$root/examples/post-render/kustomize.sh" --timeout 2m
step kubectl get deployment web -n shop -o jsonpath='{.spec.replicas} {.metadata.labels.team}{"\n"}'
step berth template web acme/web --devel --atomic --wait --kube-context ignored -s templates/service.yaml
step berth list -l team=storefront
printf '\n== a chart whose dependency comes from that repository, fetched on the way in\n'
cp -r "$root/examples/shop" shop
step berth install shop ./shop --dependency-update --timeout 2m
step berth rollback web 1 --timeout 2m
step berth uninstall web shop --wait
unset HELM_NAMESPACE
stop_serve

printf '\n== stacks: many releases from one file (examples/stack), two environments, one reviewed plan\n'
cp -r "$root/examples/stack" stack
cd stack
context=$(kubectl config current-context)
# Both environments of the demo are namespaces of the local cluster; in a real
# system each names its own cluster's context.
export SHOP_STAGING_CONTEXT=$context SHOP_PROD_CONTEXT=$context
step berth stack graph --format mermaid
step berth stack plan -e prod --explain api.replicaCount
step berth stack apply -e staging,prod
step berth stack apply -e staging,prod   # nothing changed: every release unchanged, no revision recorded
sed -i 's/replicaCount: 3/replicaCount: 4/' values/api-prod.yaml
step berth stack plan -e prod --out plan.json --detailed-exitcode || printf '(exit %d: changes planned)\n' "$?"
step berth stack apply --plan plan.json
step berth stack status -e prod
printf '\n== a release removed from the file is pruned only with --prune; keep: true protects the database\n'
sed -i '/^  - name: cache$/,/^    labels: {tier: data}$/d; s/, {release: cache, until: ready}//' berth.yaml
step berth stack plan -e staging
step berth stack apply -e staging --prune
step berth stack destroy -e staging,prod
step berth stack destroy -e staging,prod --force
kubectl delete namespace shop-staging shop-prod --wait=false >/dev/null
cd "$work"
