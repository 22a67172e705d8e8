#!/usr/bin/env bash
# Builds tools from the Go module proxy and links them into bin/ of the
# repository. Usage: hack/tools/build.sh [cluster] [helm] [cosign] [helmfile] [oras]
#   cluster (the default): etcd, kube-apiserver, kube-controller-manager,
#            kube-scheduler, kubectl, kwok, kwok-stages.yaml
#   helm:    Helm v4 (bin/helm) and the newest Helm v3 (bin/helm3), for
#            interop tests, benchmarks and comparisons only
#   cosign:  cosign v3 (bin/cosign), for the signing interop tests only
#   oras:    the oras CLI (bin/oras), for the copy interop tests only
#   helmfile: helmfile (bin/helmfile), for the stack benchmark only
# Versions come from the go.mod files beside this script. Built binaries are
# kept in the user cache dir keyed by version, so a fresh clone (or a second
# `make test`) reuses them; a version bump builds anew. Every build goes to a
# temporary folder first and is moved into place whole.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BERTH_BIN_DIR:-$root/bin}
cache=${BERTH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/tools}
goarch=$(go env GOOS)-$(go env GOARCH)
mkdir -p "$bin" "$cache"

modver() { (cd "$here/$1" && go list -m -f '{{.Version}}' "$2"); }

# build NAME-DIR KEY CMD...: runs CMD with $out set to a temp dir, unless
# $cache/KEY exists; then moves $out to $cache/KEY.
build() {
  local key=$1; shift
  if [ -d "$cache/$key" ]; then return; fi
  echo "hack/tools: building $key (first time only; cached in $cache)" >&2
  local out
  out=$(mktemp -d "$cache/.tmp-$key.XXXXXX")
  chmod 755 "$out"
  if ! ( export out; "$@" ); then rm -rf "$out"; echo "hack/tools: building $key failed" >&2; return 1; fi
  rm -rf "${cache:?}/$key.old"; mv "$out" "$cache/$key"
}

kube_version=$(modver kube k8s.io/kubernetes)
etcd_version=$(modver etcd go.etcd.io/etcd/server/v3)
kwok_version=$(modver kwok sigs.k8s.io/kwok)
helm_version=$(modver helm helm.sh/helm/v4)
helm3_version=$(modver helm3 helm.sh/helm/v3)
cosign_version=$(modver cosign github.com/sigstore/cosign/v3)
helmfile_version=$(modver helmfile github.com/helmfile/helmfile)
oras_version=$(modver oras oras.land/oras)

build_etcd() { cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" .; }
build_kube() {
  cd "$here/kube" && go build -trimpath \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitTreeState=clean" \
    -o "$out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
}
build_kubectl() {
  cd "$here/kube" && go build -trimpath \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitTreeState=clean" \
    -o "$out/kubectl" k8s.io/kubernetes/cmd/kubectl
}
build_helm() {
  cd "$here/helm" && go build -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version" -o "$out/helm" helm.sh/helm/v4/cmd/helm
}
build_helm3() {
  cd "$here/helm3" && go build -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$helm3_version" -o "$out/helm3" helm.sh/helm/v3/cmd/helm
}
build_cosign() {
  cd "$here/cosign" && go build -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$cosign_version" -o "$out/cosign" github.com/sigstore/cosign/v3/cmd/cosign
}
build_helmfile() {
  cd "$here/helmfile" && go build -trimpath \
    -ldflags "-s -w -X go.szostok.io/version.version=$helmfile_version" -o "$out/helmfile" github.com/helmfile/helmfile
}
build_oras() {
  cd "$here/oras" && go build -trimpath \
    -ldflags "-s -w -X oras.land/oras/internal/version.Version=${oras_version#v} -X oras.land/oras/internal/version.BuildMetadata=" \
    -o "$out/oras" oras.land/oras/cmd/oras
}
build_kwok() {
  cd "$here/kwok" && go build -trimpath -ldflags "-s -w" -o "$out/kwok" sigs.k8s.io/kwok/cmd/kwok
  # kwok reads several stages from one file only when they are separated by ---.
  local dir; dir=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  local s first=1
  for s in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml \
    pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [ $first = 1 ] || echo '---'
    first=0
    cat "$dir/kustomize/stage/$s"
  done >"$out/kwok-stages.yaml"
}

link() { ln -sfn "$cache/$1/$2" "$bin/$2"; }

cluster() {
  build "etcd-$etcd_version-$goarch" build_etcd
  build "kube-$kube_version-$goarch" build_kube
  build "kwok-$kwok_version-$goarch" build_kwok
  build "kubectl-$kube_version-$goarch" build_kubectl
  link "etcd-$etcd_version-$goarch" etcd
  for c in kube-apiserver kube-controller-manager kube-scheduler; do link "kube-$kube_version-$goarch" "$c"; done
  link "kwok-$kwok_version-$goarch" kwok
  link "kwok-$kwok_version-$goarch" kwok-stages.yaml
  link "kubectl-$kube_version-$goarch" kubectl
  printf '%s\n' "etcd $etcd_version" "kubernetes $kube_version" "kwok $kwok_version" >"$bin/.versions"
}

helm() {
  build "helm-$helm_version-$goarch" build_helm
  link "helm-$helm_version-$goarch" helm
  build "helm3-$helm3_version-$goarch" build_helm3
  link "helm3-$helm3_version-$goarch" helm3
}

cosign() {
  build "cosign-$cosign_version-$goarch" build_cosign
  link "cosign-$cosign_version-$goarch" cosign
}

helmfile() {
  build "helmfile-$helmfile_version-$goarch" build_helmfile
  link "helmfile-$helmfile_version-$goarch" helmfile
}

oras() {
  build "oras-$oras_version-$goarch" build_oras
  link "oras-$oras_version-$goarch" oras
}

[ $# -gt 0 ] || set -- cluster
for component in "$@"; do
  case $component in
  cluster) cluster ;;
  helm) helm ;;
  cosign) cosign ;;
  helmfile) helmfile ;;
  oras) oras ;;
  *) echo "hack/tools/build.sh: unknown component $component (use cluster, helm, cosign, helmfile or oras)" >&2; exit 2 ;;
  esac
done
