#!/usr/bin/env bash
# Builds one Go command from the module proxy into the user cache, whole or
# not at all: hack/tools/goinstall.sh DEST PACKAGE@VERSION. DEST's directory
# names the version (see the Makefile), so a version bump builds anew and a
# fresh clone reuses what another one built.
set -euo pipefail
dest=$1 pkg=$2
dir=$(dirname "$dest")
mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$dir.tmp.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
echo "hack/tools: building ${pkg} (first time only; cached in $dir)" >&2
GOBIN=$tmp go install "$pkg"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
