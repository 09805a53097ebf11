#!/usr/bin/env bash
# Hop-by-hop TLS certificates for tests (the hop parts of the demo PKI layout,
# see `gridseal pki init`): a hop CA, a server certificate for the
# intermediary and one TLS client certificate per XMPP user.
#
#   scripts/lib-hop-pki.sh DIR [--domain D] NAME...    (or source it and call
#   gs_hop_pki DIR DOMAIN NAME...)
#
# Writes DIR/hop-ca/ca.crt,ca.key; DIR/server/server.crt,server.key,server.pem
# (SAN DNS:localhost, IP:127.0.0.1, EKU serverAuth,clientAuth); and for each
# NAME: DIR/NAME/hop.crt,hop.key (CN NAME@D, SAN otherName xmppAddr NAME@D,
# EKU clientAuth,serverAuth). ECDSA P-256, valid 30 days. Existing files are
# kept, so it can run over a `gridseal pki init` directory.

gs_hop_pki_leaf_() { # dir cn ext-lines...
  local dir=$1 cn=$2 ext=$3 ca=$4
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -days 30 -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=clientAuth,serverAuth" \
    -addext "$ext" -keyout "$dir/key.tmp" -out "$dir/crt.tmp" 2>/dev/null
}

gs_hop_pki() { # DIR DOMAIN NAME...
  local dir=$1 domain=$2
  shift 2
  mkdir -p "$dir/hop-ca"
  if [ ! -f "$dir/hop-ca/ca.crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -days 30 -subj "/CN=gridseal test hop CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$dir/hop-ca/ca.key" -out "$dir/hop-ca/ca.crt" 2>/dev/null || return 1
  fi
  if [ ! -f "$dir/server/server.crt" ]; then
    gs_hop_pki_leaf_ "$dir/server" "$domain" \
      "subjectAltName=DNS:localhost,DNS:$domain,IP:127.0.0.1" "$dir/hop-ca" || return 1
    mv "$dir/server/key.tmp" "$dir/server/server.key"
    mv "$dir/server/crt.tmp" "$dir/server/server.crt"
  fi
  cat "$dir/server/server.key" "$dir/server/server.crt" >"$dir/server/server.pem"
  local n
  for n in "$@"; do
    [ -f "$dir/$n/hop.crt" ] && continue
    gs_hop_pki_leaf_ "$dir/$n" "$n@$domain" \
      "subjectAltName=otherName:1.3.6.1.5.5.7.8.5;UTF8:$n@$domain" "$dir/hop-ca" || return 1
    mv "$dir/$n/key.tmp" "$dir/$n/hop.key"
    mv "$dir/$n/crt.tmp" "$dir/$n/hop.crt"
  done
  chmod 600 "$dir"/*/*.key "$dir/server/server.pem"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -ge 1 ] || { echo "usage: $0 DIR [--domain D] NAME..." >&2; exit 2; }
  d=$1; shift; dom=localhost
  if [ "${1:-}" = "--domain" ]; then dom=$2; shift 2; fi
  gs_hop_pki "$d" "$dom" "$@"
fi
