#!/usr/bin/env bash
# Reports the functions of this module that the berth binary can never
# reach (golang.org/x/tools/cmd/deadcode ./cmd/berth), less those the
# allow-list keeps on purpose; exits 1 when any is left.
#   hack/deadcode.sh DEADCODE ALLOWLIST
# The allow-list has one regular expression a line, matched against the
# whole of "IMPORT/PATH.Func" or "IMPORT/PATH.Type.Method" (the module
# prefix left out); '#' starts a comment. Code that nothing calls is
# deleted, or called: the check exists because an exported constructor
# nothing called once meant that templates' lookup never reached a cluster.
set -euo pipefail
deadcode=$1 allow=$2
module=$(go list -m)
patterns=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$allow")
found=$("$deadcode" -f '{{range .Funcs}}{{$.Path}}.{{.Name}} {{.Position}}{{"\n"}}{{end}}' ./cmd/berth)
left=$(while read -r fn pos; do
  [ -n "$fn" ] || continue
  fn=${fn#"$module/"}
  if [ -n "$patterns" ] && grep -qxE -f <(printf '%s\n' "$patterns") <<<"$fn"; then continue; fi
  printf '%s: unreachable from cmd/berth: %s\n' "${pos#"$PWD/"}" "$fn"
done <<<"$found")
if [ -n "$left" ]; then
  printf '%s\n' "$left"
  echo "deadcode: $(wc -l <<<"$left") functions berth never calls: call them, delete them, or keep them in $allow with the reason" >&2
  exit 1
fi
echo "deadcode: every function of cmd/berth's packages is reachable or allowed ($allow)"
