#!/usr/bin/env bash
# Regenerates the files in this directory with the real tools: GnuPG (gpg)
# writes the keyrings, Helm v4.3.1 (bin/helm, from hack/tools/build.sh helm)
# packages and signs web-0.1.0.tgz. The tests read them as records those
# tools wrote; run this only to replace them on purpose.
#   pkg/provenance/testdata/generate.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
helm=${HELM:-$here/../../../bin/helm}
work=$(mktemp -d)
trap 'gpgconf --homedir "$work/gnupg" --kill all 2>/dev/null || true; rm -rf "$work"' EXIT
export GNUPGHOME=$work/gnupg HOME=$work
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key 'Berth Test <test@berth.sh>' ed25519 sign never
gpg --batch --pinentry-mode loopback --passphrase berth-test \
	--quick-gen-key 'Berth Release <release@berth.sh>' rsa2048 sign never
cd "$here"
cp "$GNUPGHOME/pubring.kbx" pubring.kbx
gpg --export >pubring.gpg
gpg --export --armor >pubring.asc
gpg --batch --pinentry-mode loopback --passphrase berth-test --export-secret-keys >secring.gpg
gpg --batch --pinentry-mode loopback --passphrase berth-test --export-secret-keys --armor >secring.asc
mkdir -p "$work/web"
printf 'apiVersion: v2\nname: web\nversion: 0.1.0\ndescription: signed by helm\n' >"$work/web/Chart.yaml"
echo berth-test >"$work/pass"
"$helm" package "$work/web" -d "$here" --sign --key release@berth.sh --keyring secring.gpg --passphrase-file "$work/pass"
