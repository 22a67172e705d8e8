#!/bin/sh
# A post-renderer in the way kustomize users write them: berth (like Helm)
# sends every rendered document on stdin and applies what this prints.
# It labels every object team=storefront and sets the front's replicas,
# with `kubectl kustomize` (any kustomize works).
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/all.yaml"
cat >"$dir/kustomization.yaml" <<'KUSTOMIZATION'
resources:
  - all.yaml
labels:
  - pairs:
      team: storefront
    includeSelectors: false
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 3
KUSTOMIZATION
kubectl kustomize "$dir"
