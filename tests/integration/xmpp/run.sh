#!/usr/bin/env bash
# One XMPP integration test: start a server on its own port with fresh hop
# certificates, run one scenario of xmpp_it against it, stop the server.
#   run.sh prosody|ejabberd PORT SCENARIO XMPP_IT_BINARY [--password]
set -euo pipefail
kind=$1 port=$2 scenario=$3 bin=$4 mode=${5:-}
src=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gs-xmpp-$kind-$scenario.XXXXXX")
chmod 755 "$work"
server() { "$src/scripts/xmpp-server" "$@"; }
cleanup() {
  server stop "$kind" --dir "$work/run" || true
  rm -rf "$work"
}
trap cleanup EXIT
"$src/scripts/lib-hop-pki.sh" "$work/pki" cc der1 der2 der3
chmod -R a+rX "$work/pki"
args=(--pki "$work/pki" --dir "$work/run" --port "$port" --users "cc der1 der2 der3")
if [ "$mode" = --password ]; then
  args+=(--password "s3cret-$port")
  export GS_XMPP_PASSWORD="s3cret-$port"
fi
server start "$kind" "${args[@]}"
export GS_XMPP_PORT=$port GS_XMPP_PKI=$work/pki GS_XMPP_DOMAIN=localhost
GS_XMPP_RESTART="$(printf '%q ' "$src/scripts/xmpp-server" stop "$kind" --dir "$work/run") && $(printf '%q ' "$src/scripts/xmpp-server" start "$kind" "${args[@]}")"
export GS_XMPP_RESTART
if [ "$scenario" = badca ]; then
  "$src/scripts/lib-hop-pki.sh" "$work/other" x
  export GS_XMPP_BADCA=$work/other/hop-ca/ca.crt
fi
GS_XMPP_WRAP=${GS_XMPP_WRAP:-}
$GS_XMPP_WRAP "$bin" "$scenario"
