#!/usr/bin/env bash
# Starts, stops and inspects the local OCI registry (Debian's docker-registry,
# distribution 2.8, over HTTPS with htpasswd) used by test/e2e and make demo:
#   hack/registry.sh up|down|status
# up installs the docker-registry package when /usr/bin/docker-registry is
# missing (apt-get, as root, non-interactively; the package's own service is
# not used), then runs the binary directly. State, certificates, log and the
# connection details (.registry/env) live in .registry/. The manager is
# hack/registry (Go), built into bin/registry.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

install_registry() {
  [ -x "${BERTH_REGISTRY_BINARY:-/usr/bin/docker-registry}" ] && return 0
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  echo "registry: installing Debian's docker-registry package" >&2
  local start=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends docker-registry >/dev/null; then
    # A fresh machine has no package lists yet.
    "${sudo[@]}" apt-get update -q >/dev/null
    "${sudo[@]}" apt-get install -y -q --no-install-recommends docker-registry >/dev/null
  fi
  echo "registry: installed docker-registry in $((SECONDS - start))s" >&2
}

if [ "${1:-}" = up ]; then
  install_registry
fi
go build -o bin/registry ./hack/registry
exec bin/registry "$@"
