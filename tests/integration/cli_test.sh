#!/usr/bin/env bash
# CLI tests of `gridseal`: pki init (files, modes, openssl verify, extensions),
# pki issue and pki attr-cert (roles, usage errors), config, config --check (missing file, key/certificate
# mismatch, expired and expiring certificates, CRL nextUpdate, bad server, replay for brokers),
# pki init --transport/--server, inspect (sample SecPDUs in DER, hex and base64; garbage), the
# options of every command (--opt=value, short options, --, exit 2 on usage errors).
# Usage: cli_test.sh GRIDSEAL SAMPLE_PDU WORKDIR
set -euo pipefail
G=$1 SAMPLE=$2 W=$3
rm -rf "$W" && mkdir -p "$W"
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi; }
# expect_fail NAME EXIT REGEX cmd...: exit code and the one-line message on stderr
expect_fail() {
  local name=$1 code=$2 re=$3; shift 3
  local rc=0; "$@" >"$W/out" 2>"$W/err" || rc=$?
  if [ "$rc" -eq "$code" ] && grep -Eq -e "$re" "$W/err" && [ "$(wc -l <"$W/err")" -eq 1 ]; then
    ok "$name"
  else
    bad "$name (exit $rc, stderr: $(head -c 300 "$W/err"))"
  fi
}

P="$W/pki"
start=$(date +%s%N)
check "pki init --ders 5" "$G" pki init "$P" --ders 5
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt 1000 ]; then ok "pki init took ${ms} ms (< 1 s)"; else bad "pki init took ${ms} ms"; fi

files="e2e-ca/ca.crt e2e-ca/ca.key e2e-ca/crl.pem hop-ca/ca.crt hop-ca/ca.key server/server.crt
 server/server.key server/server.pem cc/e2e.crt cc/e2e.key cc/hop.crt cc/hop.key cc.conf
 viewer/e2e.crt viewer/e2e.key viewer/hop.crt viewer/hop.key"
for n in 1 2 3 4 5; do files="$files der$n/e2e.crt der$n/e2e.key der$n/hop.crt der$n/hop.key der$n.conf"; done
missing=0
for f in $files; do [ -s "$P/$f" ] || { bad "missing $f"; missing=1; }; done
[ "$missing" -eq 0 ] && ok "all files of DEMO-PKI.md present"
[ -e "$P/der6" ] && bad "no der6" || ok "exactly 5 DERs"

modes_ok=1
for k in $(cd "$P" && find . -name '*.key') server/server.pem; do
  m=$(stat -c %a "$P/$k"); [ "$m" = 600 ] || { modes_ok=0; bad "$k mode $m"; }
done
[ "$modes_ok" -eq 1 ] && ok "private keys mode 0600"

for e in cc der1 der5; do
  check "openssl verify $e/e2e.crt (E2E CA, CRL)" \
    openssl verify -x509_strict -CAfile "$P/e2e-ca/ca.crt" -crl_check -CRLfile "$P/e2e-ca/crl.pem" "$P/$e/e2e.crt"
  check "openssl verify $e/hop.crt (hop CA, sslclient)" \
    openssl verify -x509_strict -purpose sslclient -CAfile "$P/hop-ca/ca.crt" "$P/$e/hop.crt"
  if openssl verify -CAfile "$P/hop-ca/ca.crt" "$P/$e/e2e.crt" >/dev/null 2>&1; then
    bad "$e/e2e.crt must not verify against the hop CA"
  else ok "$e/e2e.crt does not verify against the hop CA"; fi
done
check "openssl verify server.crt (hop CA, sslserver)" \
  openssl verify -purpose sslserver -CAfile "$P/hop-ca/ca.crt" "$P/server/server.crt"

txt() { openssl x509 -in "$P/$1" -noout -text; }
has() { local what=$1 file=$2 re=$3; if txt "$file" | grep -Eq "$re"; then ok "$file: $what"; else bad "$file: $what"; fi; }
has "ECDSA P-256" cc/e2e.crt "NIST CURVE: P-256|prime256v1"
has "keyUsage critical" der2/e2e.crt "Key Usage: critical"
has "keyUsage digitalSignature only" der2/e2e.crt "^ +Digital Signature$"
has "SAN URI" der2/e2e.crt "URI:urn:gridseal:der2"
has "SAN xmppAddr" der2/e2e.crt "XmppAddr::der2@localhost"
has "IEC 62351-8 role extension" cc/e2e.crt "1\.2\.840\.10070\.8\.1"
E2E_EKU='2\.25\.196238893761634410473206962927718766280\.1$'
has "E2E extendedKeyUsage only" der2/e2e.crt "^ +$E2E_EKU"
if txt der2/e2e.crt | grep -q "TLS Web"; then bad "der2/e2e.crt: no TLS EKU"; else ok "der2/e2e.crt: no TLS EKU"; fi
if txt der3/hop.crt | grep -Eq "$E2E_EKU"; then bad "der3/hop.crt: no E2E EKU"; else ok "der3/hop.crt: no E2E EKU"; fi
has "viewer role extension" viewer/e2e.crt "1\.2\.840\.10070\.8\.1"
has "viewer SAN URI" viewer/e2e.crt "URI:urn:gridseal:viewer"
has "hop CN = JID" der3/hop.crt "Subject: O = gridseal demo, CN = der3@localhost"
has "hop SAN xmppAddr" der3/hop.crt "XmppAddr::der3@localhost"
has "hop EKU clientAuth,serverAuth" der3/hop.crt "TLS Web Client Authentication, TLS Web Server Authentication"
has "server SAN" server/server.crt "DNS:localhost, IP Address:127.0.0.1"
has "CA basicConstraints" e2e-ca/ca.crt "CA:TRUE"
if openssl crl -in "$P/e2e-ca/crl.pem" -noout -text | grep -q "No Revoked Certificates"; then
  ok "CRL is empty"; else bad "CRL is empty"; fi
if openssl x509 -in "$P/cc/e2e.crt" -noout -checkend 3600 >/dev/null &&
   ! openssl x509 -in "$P/cc/e2e.crt" -noout -checkend $((366 * 86400)) >/dev/null; then
  ok "validity about one year"; else bad "validity about one year"; fi
if grep -q "BEGIN PRIVATE KEY" "$P/server/server.pem" && grep -q "BEGIN CERTIFICATE" "$P/server/server.pem"; then
  ok "server.pem holds key and certificate"; else bad "server.pem holds key and certificate"; fi

check "config cc.conf parses" "$G" config "$P/cc.conf"
check "config der5.conf parses" "$G" config "$P/der5.conf"
"$G" config "$P/der5.conf" >"$W/der5.txt"
grep -q "listen            127.0.0.1:7005" "$W/der5.txt" && ok "der5 listens on 7005" || bad "der5 listens on 7005"
printf '[node]\nrole = cc\n\n[security]\nmodee = aead\n' >"$W/typo.conf"
expect_fail "config typo names file and line" 1 "typo.conf:5: unknown key 'modee' in \[security\]" \
  "$G" config "$W/typo.conf"

expect_fail "pki init refuses a non-empty DIR" 1 "exists and is not empty" "$G" pki init "$P"
check "pki init --force overwrites" "$G" pki init "$P" --ders 1 --force --domain grid.example
has "--domain in xmppAddr" der1/e2e.crt "XmppAddr::der1@grid.example"
expect_fail "pki init --ders bad" 2 "ders 'x': expected a number" "$G" pki init "$W/x" --ders x
expect_fail "pki init unwritable" 1 "cannot create" "$G" pki init /proc/gridseal-no

# pki issue, pki attr-cert
check "pki issue --role VIEWER --role 5" "$G" pki issue --ca "$P/e2e-ca" --name eng --role viewer --role 5
check "openssl verify issued eng/e2e.crt" \
  openssl verify -x509_strict -CAfile "$P/e2e-ca/ca.crt" -crl_check -CRLfile "$P/e2e-ca/crl.pem" "$P/eng/e2e.crt"
has "issued SAN" eng/e2e.crt "URI:urn:gridseal:eng, othername: XmppAddr::eng@localhost"
has "issued E2E EKU" eng/e2e.crt "^ +$E2E_EKU"
has "issued role extension" eng/e2e.crt "1\.2\.840\.10070\.8\.1"
[ "$(stat -c %a "$P/eng/e2e.key")" = 600 ] && ok "issued key mode 0600" || bad "issued key mode"
expect_fail "pki issue existing" 1 "eng/e2e.key: cannot create: File exists" \
  "$G" pki issue --ca "$P/e2e-ca" --name eng
check "pki attr-cert" "$G" pki attr-cert --ca "$P/e2e-ca" --holder "$P/der1/e2e.crt" --role OPERATOR \
  --out "$P/der1/roles.ac"
openssl asn1parse -inform DER -in "$P/der1/roles.ac" 2>/dev/null | grep -q ":1.2.840.10070.8.1" &&
  ok "attr-cert: DER with the IEC 62351-8 attribute" || bad "attr-cert: DER with the IEC 62351-8 attribute"
expect_fail "pki issue bad role" 2 "--role 'BOSS': expected one of VIEWER" \
  "$G" pki issue --ca "$P/e2e-ca" --name x --role BOSS
expect_fail "pki issue without --name" 2 "missing --name NAME" "$G" pki issue --ca "$P/e2e-ca"
expect_fail "pki issue unknown option" 2 "unknown option '--bogus'" "$G" pki issue --bogus
expect_fail "pki issue bad name" 1 "invalid name '\.\./x'" "$G" pki issue --ca "$P/e2e-ca" --name ../x
expect_fail "pki attr-cert without --role" 2 "missing --role ROLE" \
  "$G" pki attr-cert --ca "$P/e2e-ca" --holder "$P/der1/e2e.crt" --out "$W/x.ac"
expect_fail "pki attr-cert --role without value" 2 "--role needs a value" \
  "$G" pki attr-cert --ca "$P/e2e-ca" --holder "$P/der1/e2e.crt" --out "$W/x.ac" --role
expect_fail "pki attr-cert --days 0" 2 "--days '0': expected a number 1..3650" \
  "$G" pki attr-cert --ca "$P/e2e-ca" --holder "$P/der1/e2e.crt" --out "$W/x.ac" --role 1 --days 0
expect_fail "pki attr-cert missing CA" 1 "nope/ca.crt: cannot open" \
  "$G" pki attr-cert --ca "$W/nope" --holder "$P/der1/e2e.crt" --out "$W/x.ac" --role 1
expect_fail "pki unknown subcommand" 2 "expected 'init', 'issue', 'attr-cert' or 'revoke'" "$G" pki frob
# a hop (TLS) certificate configured as the E2E certificate: refused at startup
sed 's|^cert = der1/e2e.crt|cert = der1/hop.crt|; s|^key = der1/e2e.key|key = der1/hop.key|' \
  "$P/der1.conf" >"$P/hop-as-e2e.conf"
expect_fail "der with a hop certificate as E2E certificate" 1 \
  "der1/hop.crt: own certificate .*extendedKeyUsage does not allow E2E use" \
  "$G" der --config "$P/hop-as-e2e.conf"

# inspect
"$SAMPLE" 0 >"$W/hsreq.der"
"$SAMPLE" mms >"$W/mms.der"
"$SAMPLE" 10 >"$W/encr.der"
"$SAMPLE" 5 >"$W/abort.der"
od -An -tx1 -v "$W/hsreq.der" >"$W/hsreq.hex"
base64 "$W/mms.der" >"$W/mms.b64"
"$G" inspect "$W/hsreq.der" >"$W/i1" 2>&1 && grep -q "SecPDU handshakeReq" "$W/i1" &&
  grep -q "pp: IEC61850-8-2" "$W/i1" && grep -q "time: 2026-11-24T19:30:00.250Z" "$W/i1" &&
  grep -q "dhKey group 19 (P-256)" "$W/i1" && grep -q "aes256-GCM" "$W/i1" &&
  ok "inspect handshakeReq (DER)" || { bad "inspect handshakeReq (DER)"; cat "$W/i1"; }
"$G" inspect <"$W/hsreq.hex" >"$W/i2" 2>&1 && grep -q "SecPDU handshakeReq (.* octets, hex)" "$W/i2" &&
  ok "inspect hex from stdin" || { bad "inspect hex from stdin"; cat "$W/i2"; }
"$G" inspect "$W/mms.b64" >"$W/i3" 2>&1 && grep -q "SecPDU clearTransfer (.*base64)" "$W/i3" &&
  grep -q "seq: 7" "$W/i3" && grep -q "MMS confirmed-RequestPDU" "$W/i3" &&
  grep -q "DER1LD0/DRCC1\$MX\$TotW" "$W/i3" && grep -q "algorithm: hmacWithSHA256" "$W/i3" &&
  ok "inspect clearTransfer with MMS applData (base64)" || { bad "inspect clearTransfer MMS"; cat "$W/i3"; }
"$G" inspect "$W/encr.der" >"$W/i4" 2>&1 && grep -q "seq: 42" "$W/i4" && grep -q "applData (encrypted)" "$W/i4" &&
  ok "inspect encrTransfer" || { bad "inspect encrTransfer"; cat "$W/i4"; }
"$G" inspect "$W/abort.der" >"$W/i5" 2>&1 && grep -q "diag: 10 (invalid-time-value)" "$W/i5" &&
  ok "inspect dtSecAbort diag name" || { bad "inspect dtSecAbort diag"; cat "$W/i5"; }
printf 'hello, this is not a PDU\n' >"$W/garbage.txt"
expect_fail "inspect garbage text" 1 "garbage.txt: not a SecPDU in DER, hex or base64 form" "$G" inspect "$W/garbage.txt"
head -c 20 "$W/hsreq.der" >"$W/trunc.der"
expect_fail "inspect truncated DER" 1 "trunc.der: cannot decode SecPDU .*: DER: element extends past the input" \
  "$G" inspect "$W/trunc.der"
printf 'a0 03 02 01' >"$W/short.hex"
expect_fail "inspect bad hex PDU" 1 "short.hex: cannot decode SecPDU \(hex input, 4 octets\)" "$G" inspect "$W/short.hex"
expect_fail "inspect missing file" 1 "nope.der: cannot open: No such file" "$G" inspect "$W/nope.der"


# ------------------------------------------------------------ options (getopt_long everywhere)
Q="$W/q"
check "pki init -n 1 (short option, DIR after the options)" "$G" pki init -n 1 "$Q"
expect_fail "der --config=FILE" 1 "nope.conf: cannot open" "$G" der --config="$W/nope.conf"
expect_fail "der -c FILE" 1 "nope.conf: cannot open" "$G" der -c "$W/nope.conf"
expect_fail "cc -c FILE" 1 "nope.conf: cannot open" "$G" cc -c "$W/nope.conf"
expect_fail "cc --config=FILE" 1 "nope.conf: cannot open" "$G" cc --config="$W/nope.conf" --run-for=1
for c in der cc; do
  expect_fail "$c unknown option" 2 "^gridseal: $c: unknown option '--frob'" "$G" $c --frob
  expect_fail "$c unknown short option" 2 "^gridseal: $c: unknown option '-Z'" "$G" $c -Z
  expect_fail "$c option without value" 2 "^gridseal: $c: --config needs a value" "$G" $c --config
  expect_fail "$c -- ends the options" 2 "^gridseal: $c: unexpected argument '--events'" \
    "$G" $c -c "$Q/$c.conf" -- --events x
  expect_fail "$c bad --server" 2 "^gridseal: $c: --server 'nohost': expected HOST:PORT" \
    "$G" $c -c "$Q/$c.conf" --server nohost
  expect_fail "$c --help=x" 2 "^gridseal: $c: --help takes no value" "$G" $c --help=x
done
expect_fail "der config missing" 2 "der: --config FILE is required" "$G" der -e -
expect_fail "cc --run-for=abc" 2 "cc: --run-for: expected a positive number of seconds, got 'abc'" \
  "$G" cc -c "$Q/cc.conf" --run-for=abc
expect_fail "cc -w DER=W unknown DER" 2 "no \\[der der7\\]" "$G" cc -c "$Q/cc.conf" -w der7=5
expect_fail "der --server with tcp" 1 "der1.conf: --server applies to xmpp, mqtt and amqp, but the transport is tcp" \
  "$G" der -c "$Q/der1.conf" -s 127.0.0.1:1
check "config --config=FILE" "$G" config --config="$Q/cc.conf"
check "config -c FILE" "$G" config -c "$Q/cc.conf"
check "config -- FILE" "$G" config -- "$Q/cc.conf"
expect_fail "config unknown option" 2 "^gridseal: config: unknown option '--frob'" "$G" config --frob "$Q/cc.conf"
expect_fail "config extra argument" 2 "^gridseal: config: unexpected argument 'x'" "$G" config "$Q/cc.conf" x
expect_fail "config --check=1" 2 "^gridseal: config: --check takes no value" "$G" config --check=1 "$Q/cc.conf"
expect_fail "pki init unknown option" 2 "^gridseal: pki init: unknown option '--frob'" "$G" pki init --frob "$W/q2"
expect_fail "pki init --force=1" 2 "^gridseal: pki init: --force takes no value" "$G" pki init --force=1 "$W/q2"
expect_fail "pki init two DIRs" 2 "^gridseal: pki init: unexpected argument 'b'" "$G" pki init "$W/q2" b
expect_fail "pki init --ders without value" 2 "^gridseal: pki init: --ders needs a value" "$G" pki init "$W/q2" --ders
check "pki init --ders=2 --domain=x.example -- DIR" "$G" pki init --ders=2 --domain=x.example -- "$W/q3"
[ -s "$W/q3/der2.conf" ] && grep -q "^domain = x.example" "$W/q3/der2.conf" && ok "pki init --opt=value applied" ||
  bad "pki init --opt=value applied"
expect_fail "version unknown option" 2 "^gridseal: version: unknown option '--frob'" "$G" version --frob
expect_fail "version extra argument" 2 "^gridseal: version: unexpected argument 'x'" "$G" version x
expect_fail "top-level unknown option" 2 "^gridseal: unknown option '--frob'" "$G" --frob
"$G" -V | grep -Eq '^gridseal [0-9]+\.[0-9]+\.[0-9]+$' && ok "gridseal -V" || bad "gridseal -V"
"$G" -- version | grep -q '^gridseal ' && ok "gridseal -- version" || bad "gridseal -- version"

# ------------------------------------------------------------ pki init --transport / --server
check "pki init --transport xmpp" "$G" pki init --transport xmpp "$W/px"
grep -q '^type = xmpp$' "$W/px/der1.conf" && grep -q '^server = 127.0.0.1:15222$' "$W/px/cc.conf" &&
  grep -q '^replay = strict$' "$W/px/cc.conf" &&
  ok "pki init --transport xmpp: type xmpp, server of scripts/xmpp-server" || bad "pki init --transport xmpp"
check "pki init -t mqtt" "$G" pki init -t mqtt "$W/pm"
grep -q '^type = mqtt$' "$W/pm/der1.conf" && grep -q '^server = 127.0.0.1:8883$' "$W/pm/der1.conf" &&
  grep -q '^replay = window$' "$W/pm/der1.conf" && grep -q '^replay = window$' "$W/pm/cc.conf" &&
  ok "pki init -t mqtt: replay = window, server 8883" || bad "pki init -t mqtt"
check "pki init --transport amqp --server localhost:15999" "$G" pki init --transport amqp --server localhost:15999 "$W/pa"
grep -q '^type = amqp$' "$W/pa/cc.conf" && grep -q '^server = localhost:15999$' "$W/pa/cc.conf" &&
  grep -q '^replay = window$' "$W/pa/cc.conf" && ok "pki init --server" || bad "pki init --server"
expect_fail "pki init --server with tcp" 2 "pki init: --server applies to --transport xmpp, mqtt or amqp" \
  "$G" pki init --server 127.0.0.1:1 "$W/pt"
expect_fail "pki init bad --server" 2 "pki init: --server 'x': expected HOST:PORT" "$G" pki init -t xmpp -s x "$W/pt"
expect_fail "pki init bad --transport" 2 "pki init: --transport: unknown transport 'udp'" "$G" pki init -t udp "$W/pt"

# ------------------------------------------------------------ config --check
# check_ok NAME FILE ARGS...: exit 0, no error line
check_ok() {
  local name=$1; shift
  local rc=0; "$G" config --check "$@" >"$W/chk" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ] && ! grep -q '^error: ' "$W/chk" && grep -q ' 0 error(s)$' "$W/chk"; then ok "$name"
  else bad "$name (exit $rc: $(grep -v '^ok: ' "$W/chk" | head -c 400))"; fi
}
# check_bad NAME EXIT REGEX ARGS...: exit code and a line of the output
check_bad() {
  local name=$1 code=$2 re=$3; shift 3
  local rc=0; "$G" config --check "$@" >"$W/chk" 2>&1 || rc=$?
  if [ "$rc" -eq "$code" ] && grep -Eq -e "$re" "$W/chk"; then ok "$name"
  else bad "$name (exit $rc: $(grep -v '^ok: ' "$W/chk" | head -c 400))"; fi
}
for d in q px pm pa; do
  for f in cc der1; do check_ok "config --check $d/$f.conf (pki init)" "$W/$d/$f.conf"; done
done
grep -q "^ok: .*q/der1/e2e.key matches .*q/der1/e2e.crt$" "$W/chk" 2>/dev/null ||
  "$G" config --check "$W/q/der1.conf" | grep -q "^ok: .*q/der1/e2e.key matches .*q/der1/e2e.crt$" &&
  ok "config --check says the key matches" || bad "config --check says the key matches"
sed 's|^cert = der1/e2e.crt|cert = der1/gone.crt|' "$Q/der1.conf" >"$Q/missing.conf"
check_bad "config --check: missing certificate file" 1 \
  "^error: .*q/der1/gone.crt: cannot load certificate: No such file or directory$" "$Q/missing.conf"
expect_fail "config (plain): missing certificate file" 1 \
  "q/der1/gone.crt: No such file or directory \(\[identity\] cert of .*missing.conf\)" "$G" config "$Q/missing.conf"
sed 's|^key = der1/e2e.key|key = cc/e2e.key|' "$Q/der1.conf" >"$Q/mismatch.conf"
check_bad "config --check: key does not match the certificate (names both)" 1 \
  "^error: .*q/cc/e2e.key does not match .*q/der1/e2e.crt: the private key is not the one of the certificate" \
  "$Q/mismatch.conf"
check_bad "config --check: bad server address" 1 \
  "invalid server 'nonsense' for 'server' .expected HOST:PORT or .IPV6.:PORT, or up to 8 of them separated by commas." \
  <(sed 's|^server = .*|server = nonsense|' "$Q/der1.conf")
sed 's|^server = .*|server = 127.0.0.1:15222,[::1]:15223|' "$Q/der1.conf" >"$Q/servers.conf"
check_ok "config --check: a server list (two endpoints of a cluster)" "$Q/servers.conf"
check_bad "config --check: bad second server of a list (names it)" 1 \
  "invalid server 'localhost:99999' for 'server'" \
  <(sed 's|^server = .*|server = 127.0.0.1:15222,localhost:99999|' "$Q/der1.conf")
expect_fail "config --check: bad --server" 2 "config: --server 'x': expected HOST:PORT" \
  "$G" config --check -t xmpp -s x "$Q/der1.conf"
check_bad "config --check: unresolvable server host (warning)" 0 \
  "^warning: .*server 'host.invalid:5222': host 'host.invalid' does not resolve" \
  -t xmpp -s host.invalid:5222 "$Q/der1.conf"
sed 's|^tls_key = der1/hop.key|tls_key = cc/hop.key|' "$Q/der1.conf" >"$Q/hopmis.conf"
check_bad "config --check -t mqtt: hop key does not match the hop certificate" 1 \
  "^error: .*q/cc/hop.key does not match .*q/der1/hop.crt" -t mqtt "$Q/hopmis.conf"
sed 's|^tls_cert = der1/hop.crt|tls_cert = der1/e2e.crt|; s|^tls_key = der1/hop.key|tls_key = der1/e2e.key|' \
  "$Q/der1.conf" >"$Q/hope2e.conf"
check_bad "config --check -t xmpp: E2E certificate as hop certificate" 1 \
  "^error: .*q/der1/e2e.crt: tls_cert is the E2E certificate" -t xmpp "$Q/hope2e.conf"
# strict replay on a broker: a warning (exit 0); the window default when the file sets none
check_bad "config --check -t mqtt: replay = strict warning" 0 \
  "^warning: .*q/der1.conf:[0-9]+: replay = strict with transport mqtt: a broker may redeliver or reorder PDUs.*set replay = window" \
  -t mqtt "$Q/der1.conf"
grep -v '^replay = ' "$Q/der1.conf" >"$Q/noreplay.conf"
"$G" config "$Q/noreplay.conf" | grep -q '^  replay            strict$' && ok "no replay line, tcp: strict" ||
  bad "no replay line, tcp: strict"
"$G" config -t mqtt "$Q/noreplay.conf" | grep -q '^  replay            window$' &&
  ok "no replay line, --transport mqtt: window" || bad "no replay line, --transport mqtt: window"
check_ok "config --check -t amqp, no replay line: no warning" -t amqp "$Q/noreplay.conf"
grep -q "^warning: " "$W/chk" && bad "no warning without replay = strict" || ok "no warning without replay = strict"
# the programs warn too (stderr line and config-warning event), then run
timeout 2 "$G" der -c "$Q/der1.conf" -t mqtt -s 127.0.0.1:1 -e "$W/w.jsonl" >"$W/w.out" 2>"$W/w.err" || true
grep -q "^der1: warning: .*der1.conf:[0-9]*: replay = strict with transport mqtt" "$W/w.err" &&
  ok "der -t mqtt warns about replay = strict" || bad "der -t mqtt warns about replay = strict ($(head -c 300 "$W/w.err"))"
grep -q '"event":"config-warning".*"diag":"replay-strict-on-broker".*"key":"security.replay"' "$W/w.jsonl" &&
  ok "config-warning event" || bad "config-warning event ($(head -c 300 "$W/w.jsonl"))"
/usr/bin/python3 "$(dirname "$0")/check_events.py" "$W/w.jsonl" >"$W/w.check" 2>&1 &&
  ok "the events match docs/events.schema.json" || bad "events: $(head -c 600 "$W/w.check")"
# an event log that cannot be written (--events /dev/full): said once on stderr, the program runs on
timeout 2 "$G" der -c "$Q/der1.conf" -t mqtt -s 127.0.0.1:1 -e /dev/full >"$W/full.out" 2>"$W/full.err" || true
n=$(grep -c "^der1: events: cannot write to /dev/full: No space left on device (events are being lost and counted)$" "$W/full.err" || true)
[ "$n" = 1 ] && ok "--events /dev/full: one stderr line for the run of failures" ||
  bad "--events /dev/full: $n stderr line(s) ($(head -c 300 "$W/full.err"))"
grep -q "^der1: warning: .*replay = strict" "$W/full.err" && ok "--events /dev/full: der1 ran on" ||
  bad "--events /dev/full: der1 did not run ($(head -c 300 "$W/full.err"))"
# certificates: expiring within 30 days (warning), expired (error); a CRL near its nextUpdate
"$G" pki issue --ca "$Q/e2e-ca" --name der1 --out "$Q/soon" --days 5 >/dev/null
sed 's|^cert = der1/e2e.crt|cert = soon/e2e.crt|; s|^key = der1/e2e.key|key = soon/e2e.key|' "$Q/der1.conf" >"$Q/soon.conf"
check_bad "config --check: certificate expiring within 30 days (warning)" 0 \
  "^warning: .*q/soon/e2e.crt: own certificate expires in [45] day\(s\), on " "$Q/soon.conf"
CAD="$W/cadb" && mkdir -p "$CAD" && : >"$CAD/index.txt" && echo 1000 >"$CAD/serial"
cat >"$CAD/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $CAD/index.txt
new_certs_dir = $CAD
serial = $CAD/serial
default_md = sha256
policy = pol
unique_subject = no
[pol]
organizationName = optional
commonName = supplied
[x]
keyUsage = critical,digitalSignature
extendedKeyUsage = 2.25.196238893761634410473206962927718766280.1
subjectAltName = URI:urn:gridseal:der1
CNF
mkdir -p "$Q/old"
openssl req -new -key "$Q/der1/e2e.key" -subj "/O=gridseal demo/CN=der1" -out "$CAD/old.csr" 2>/dev/null
openssl ca -batch -config "$CAD/ca.cnf" -in "$CAD/old.csr" -out "$Q/old/e2e.crt" -notext \
  -cert "$Q/e2e-ca/ca.crt" -keyfile "$Q/e2e-ca/ca.key" -startdate 20250101000000Z \
  -enddate 20250201000000Z -extensions x -extfile "$CAD/ca.cnf" 2>"$CAD/log" || cat "$CAD/log"
sed 's|^cert = der1/e2e.crt|cert = old/e2e.crt|' "$Q/der1.conf" >"$Q/old.conf"
check_bad "config --check: expired certificate" 1 \
  "^error: .*q/old/e2e.crt: own certificate not valid now against the trust anchors: .*GS_ERR_CERT_EXPIRED" "$Q/old.conf"
openssl ca -batch -config "$CAD/ca.cnf" -gencrl -cert "$Q/e2e-ca/ca.crt" -keyfile "$Q/e2e-ca/ca.key" \
  -crldays 3 -out "$Q/short-crl.pem" 2>>"$CAD/log" || cat "$CAD/log"
sed 's|^crl = e2e-ca/crl.pem|crl = short-crl.pem|' "$Q/der1.conf" >"$Q/shortcrl.conf"
check_bad "config --check: CRL nextUpdate within 30 days (warning)" 0 \
  "^warning: .*short-crl.pem: a CRL of the own certificate's path reaches its nextUpdate within 30 days" \
  "$Q/shortcrl.conf"

# dispatcher
check "gridseal --help" "$G" --help
for c in pki inspect config der cc version; do check "gridseal $c --help" "$G" "$c" --help; done
expect_fail "der without a config file" 1 "x: cannot open" "$G" der --config x
expect_fail "cc needs --config" 2 "--config FILE is required" "$G" cc
expect_fail "der with a cc configuration" 1 "role is 'cc', this command needs 'der'" \
  "$G" der --config "$P/cc.conf"
expect_fail "cc --set unknown DER" 2 "no \\[der der9\\]" "$G" cc --config "$P/cc.conf" --set der9=1
expect_fail "unknown transport" 2 "cc: --transport: unknown transport 'pigeon'" \
  "$G" cc --config "$P/cc.conf" --transport pigeon
expect_fail "unknown command" 2 "unknown command 'frob'" "$G" frob
"$G" version | grep -Eq '^gridseal [0-9]+\.[0-9]+\.[0-9]+$' && ok "version" || bad "version"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
