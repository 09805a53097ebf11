#!/usr/bin/env bash
# A throw-away PKI for the examples (openssl CLI only): a root CA and three
# P-256 end entities, a control center, a DER and a third party (each with
# subjectAltName URI urn:example:NAME and xmppAddr NAME@localhost, the name
# its broker login carries in examples/cc_mqtt.run), valid for 30 days from
# now. Never use these outside a test: the keys are unprotected files.
#   examples/demo-pki.sh OUTDIR  ->  OUTDIR/{ca,cc,der,other}.{pem,key}
set -euo pipefail
out=${1:?usage: demo-pki.sh OUTDIR}
mkdir -p "$out"
cd "$out"
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
ec ca
openssl req -x509 -new -key ca.key -sha256 -days 60 -subj "/O=gridseal example/CN=example CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem 2>/dev/null
for who in cc der other; do
  ec "$who"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "subjectAltName=URI:urn:example:$who,otherName:1.3.6.1.5.5.7.8.5;UTF8:$who@localhost" \
    >"$who.ext"
  openssl req -new -key "$who.key" -subj "/O=gridseal example/CN=$who" -out "$who.csr" 2>/dev/null
  openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 30 \
    -extfile "$who.ext" -out "$who.pem" 2>/dev/null
  rm -f "$who.csr" "$who.ext"
done
rm -f ca.srl
echo "demo-pki: $out/{ca,cc,der,other}.{pem,key}"
