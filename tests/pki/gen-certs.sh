#!/usr/bin/env bash
# Generate the certificate-chain table for test_pki_table (openssl CLI only).
# Usage: gen-certs.sh OUTDIR
# Writes certificates, keys, CRLs and attribute certificates into OUTDIR and
# OUTDIR/cases.tsv, one case per line (tab separated):
#   name anchors leaf path crls attcert now_ms expected identities roles [policy]
# anchors/path/crls are comma lists of files ("-" = none); identities are
# "kind:value" joined by ";" in subjectAltName order; roles joined by ",";
# policy (optional) is a gs_pki_config setting for the row: "client_auth"
# (accept_client_auth_eku), empty or "-" for the defaults.
# Every validity date is fixed, so each verdict at now_ms is deterministic.
set -euo pipefail
OUT=${1:?usage: gen-certs.sh OUTDIR}
rm -rf "$OUT"
mkdir -p "$OUT/work"
cd "$OUT"
W=work
TSV=cases.tsv
: >"$TSV"

NOW=$(($(date -u -d '2025-06-01 00:00:00' +%s) * 1000))
CA_NB=20200101000000Z
CA_NA=20400101000000Z
NB=20240101000000Z
NA=20340101000000Z

# ------------------------------------------------------------ helpers
hexs() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
tlv() { # TAGHEX CONTENTHEX
  local n=$((${#2} / 2))
  if [ $n -lt 128 ]; then printf '%s%02x%s' "$1" $n "$2"
  elif [ $n -lt 256 ]; then printf '%s81%02x%s' "$1" $n "$2"
  else printf '%s82%04x%s' "$1" $n "$2"; fi
}
colon() { echo "$1" | sed 's/../&:/g; s/:$//'; }
hex2bin() { printf '%b' "$(echo "$1" | sed 's/../\\x&/g')"; }
filehex() { od -An -tx1 -v "$1" | tr -d ' \n'; }

key() { # NAME TYPE
  case $2 in
  p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
  p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" ;;
  p192) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime192v1 -out "$1.key" ;;
  k256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out "$1.key" ;;
  rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null ;;
  rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1.key" 2>/dev/null ;;
  ed25519) openssl genpkey -algorithm ED25519 -out "$1.key" ;;
  esac
}

cacnf() { # ISSUER -> config file of that issuer's database
  local d=$W/db_$1
  if [ ! -d "$d" ]; then
    mkdir -p "$d"
    : >"$d/index.txt"
    echo "unique_subject = no" >"$d/index.txt.attr"
    echo 01 >"$d/serial"
    cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = sha256
policy = pol
unique_subject = no
preserve = yes
default_crl_days = 30
[pol]
organizationName = optional
commonName = supplied
CNF
  fi
  echo "$d/ca.cnf"
}

# cert NAME KEYTYPE ISSUER(|self) NOTBEFORE NOTAFTER EXTLINES [MD]
cert() {
  local n=$1 kt=$2 iss=$3 sd=$4 ed=$5 ext=$6 md=${7:-sha256}
  [ -f "$n.key" ] || key "$n" "$kt"
  printf '[x]\n%b\n' "$ext" >"$W/$n.ext"
  openssl req -new -key "$n.key" -subj "/O=gridseal test/CN=$n" -out "$W/$n.csr"
  local signer=$iss sel=()
  if [ "$iss" = self ]; then signer=$n; sel=(-selfsign); fi
  local args=(-batch -config "$(cacnf "$signer")" -in "$W/$n.csr" -out "$n.pem" -notext
    -keyfile "$signer.key" -startdate "$sd" -enddate "$ed" -extfile "$W/$n.ext" -extensions x
    -rand_serial "${sel[@]}")
  if [ "$iss" != self ]; then args+=(-cert "$iss.pem"); fi
  args+=(-md "$md") # no Ed25519 issuers in this table
  openssl ca "${args[@]}" 2>"$W/$n.log" || { cat "$W/$n.log"; exit 1; }
  openssl x509 -in "$n.pem" -outform DER -out "$n.der"
}

crl() { # ISSUER OUTNAME LASTUPDATE NEXTUPDATE
  openssl ca -batch -config "$(cacnf "$1")" -gencrl -keyfile "$1.key" -cert "$1.pem" \
    -crl_lastupdate "$3" -crl_nextupdate "$4" -out "$2" 2>/dev/null
}

row() { # name anchors leaf path crls att now expected ids roles [policy]
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${@:1:10}" "${11:--}" >>"$TSV"
}

CA="basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash"
LEAF="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature"
SAN1="subjectAltName=otherName:1.3.6.1.5.5.7.8.5;UTF8:alice@grid.example,URI:urn:gridseal:dev:1,DNS:dev1.grid.example"
IDS1="xmpp:alice@grid.example;uri:urn:gridseal:dev:1;dns:dev1.grid.example"

# ------------------------------------------------------------ CAs
cert root p256 self $CA_NB $CA_NA "$CA"
cert root2 p256 self $CA_NB $CA_NA "$CA"
cert int p256 root $CA_NB $CA_NA "$CA"
cert int_expired p256 root 20200101000000Z 20250101000000Z "$CA"
cert int_notca p256 root $CA_NB $CA_NA "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature"
cert int_pl0 p256 root $CA_NB $CA_NA "$CA\nbasicConstraints=critical,CA:TRUE,pathlen:0"
cert int_pl0_sub p256 int_pl0 $CA_NB $CA_NA "$CA"
cert int_rsa1024 rsa1024 root $CA_NB $CA_NA "$CA"
cert root_expired p256 self 20100101000000Z 20200101000000Z "$CA"

# ------------------------------------------------------------ valid
cert ok_p256 p256 root $NB $NA "$LEAF\n$SAN1"
row ok_p256_direct root.pem ok_p256.der - - - $NOW OK "$IDS1" -
cert ok_via_int p256 int $NB $NA "$LEAF\n$SAN1"
row ok_via_intermediate root.pem ok_via_int.der int.der - - $NOW OK "$IDS1" -
cert ok_rsa rsa2048 root $NB $NA "$LEAF\nsubjectAltName=DNS:rsa.grid.example"
row ok_rsa2048 root.pem ok_rsa.der - - - $NOW OK "dns:rsa.grid.example" -
cert ok_ed ed25519 root $NB $NA "$LEAF\nsubjectAltName=URI:urn:gridseal:ed"
row ok_ed25519 root.pem ok_ed.der - - - $NOW OK "uri:urn:gridseal:ed" -
row ok_anchor_is_intermediate int.pem ok_via_int.der - - - $NOW OK "$IDS1" -

# 8 intermediates (the profile's maximum) and 9 (one too many)
prev=root
chain=()
for i in 1 2 3 4 5 6 7 8 9; do
  cert "deep$i" p256 $prev $CA_NB $CA_NA "$CA"
  chain=("deep$i.der" "${chain[@]}")
  prev=deep$i
done
cert deep_leaf8 p256 deep8 $NB $NA "$LEAF"
cert deep_leaf9 p256 deep9 $NB $NA "$LEAF"
p8=$(IFS=,; echo "${chain[*]:1}")
p9=$(IFS=,; echo "${chain[*]}")
row ok_8_intermediates root.pem deep_leaf8.der "$p8" - - $NOW OK - -
row path_too_long_9 root.pem deep_leaf9.der "$p9" - - $NOW GS_ERR_CERT_PATH_TOO_LONG - -

# ------------------------------------------------------------ time
cert expired p256 root 20210101000000Z 20220101000000Z "$LEAF"
row expired root.pem expired.der - - - $NOW GS_ERR_CERT_EXPIRED - -
cert notyet p256 root 20300101000000Z 20310101000000Z "$LEAF"
row not_yet_valid root.pem notyet.der - - - $NOW GS_ERR_CERT_NOT_YET_VALID - -
cert edge p256 root 20250101000000Z 20250601000000Z "$LEAF"
row notafter_minus_1s root.pem edge.der - - - $((NOW - 1000)) OK - -
row notafter_exact root.pem edge.der - - - $NOW GS_ERR_CERT_EXPIRED - -
row notafter_plus_1s root.pem edge.der - - - $((NOW + 1000)) GS_ERR_CERT_EXPIRED - -
cert edge_nb p256 root 20250601000000Z 20260101000000Z "$LEAF"
row notbefore_minus_1s root.pem edge_nb.der - - - $((NOW - 1000)) GS_ERR_CERT_NOT_YET_VALID - -
row notbefore_exact root.pem edge_nb.der - - - $NOW OK - -
row expired_intermediate root.pem ok_via_int.der int_expired.der - - $NOW GS_ERR_CERT_UNTRUSTED - -
cert via_int_expired p256 int_expired $NB $NA "$LEAF"
row expired_intermediate_chain root.pem via_int_expired.der int_expired.der - - $NOW GS_ERR_CERT_EXPIRED - -
cert under_old_root p256 root_expired 20150101000000Z $NA "$LEAF"
row expired_root root_expired.pem under_old_root.der - - - $NOW GS_ERR_CERT_EXPIRED - -

# ------------------------------------------------------------ trust and path
row wrong_root root2.pem ok_p256.der - - - $NOW GS_ERR_CERT_UNTRUSTED - -
row no_issuer_given root.pem ok_via_int.der - - - $NOW GS_ERR_CERT_UNTRUSTED - -
cert selfsigned p256 self $NB $NA "$LEAF"
row self_signed_leaf root.pem selfsigned.der - - - $NOW GS_ERR_CERT_SELF_SIGNED - -
cert ca_leaf p256 root $NB $NA "$CA"
row ca_as_leaf root.pem ca_leaf.der - - - $NOW GS_ERR_CERT_CA_AS_LEAF - -
cert via_notca p256 int_notca $NB $NA "$LEAF"
row non_ca_intermediate root.pem via_notca.der int_notca.der - - $NOW GS_ERR_CERT_NOT_CA - -
cert via_pl0 p256 int_pl0_sub $NB $NA "$LEAF"
row pathlen_violated root.pem via_pl0.der int_pl0_sub.der,int_pl0.der - - $NOW GS_ERR_CERT_PATH_TOO_LONG - -
cert badsig p256 root $NB $NA "$LEAF"
# flip one bit in the last octet of the signature (still DER)
len=$(stat -c %s badsig.der)
head -c $((len - 1)) badsig.der >"$W/badsig.tmp"
last=$(tail -c 1 badsig.der | od -An -tu1 | tr -d ' ')
printf "\\$(printf '%03o' $((last ^ 1)))" >>"$W/badsig.tmp"
mv "$W/badsig.tmp" badsig.der
row bad_signature root.pem badsig.der - - - $NOW GS_ERR_CERT_SIGNATURE - -

# ------------------------------------------------------------ key usage, extensions, keys
cert ku_kenc p256 root $NB $NA "basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment"
row no_digital_signature root.pem ku_kenc.der - - - $NOW GS_ERR_CERT_KEY_USAGE - -
cert ku_none p256 root $NB $NA "basicConstraints=CA:FALSE"
row no_key_usage root.pem ku_none.der - - - $NOW GS_ERR_CERT_KEY_USAGE - -
cert crit p256 root $NB $NA "$LEAF\n1.3.6.1.4.1.55555.1=critical,DER:05:00"
row unknown_critical_ext root.pem crit.der - - - $NOW GS_ERR_CERT_CRITICAL_EXT - -
cert rsa1024 rsa1024 root $NB $NA "$LEAF"
row rsa1024_leaf root.pem rsa1024.der - - - $NOW GS_ERR_CERT_WEAK_KEY - -
cert p384 p384 root $NB $NA "$LEAF"
row p384_leaf root.pem p384.der - - - $NOW GS_ERR_CERT_KEY_TYPE - -
cert k256 k256 root $NB $NA "$LEAF"
row secp256k1_leaf root.pem k256.der - - - $NOW GS_ERR_CERT_KEY_TYPE - -
cert p192 p192 root $NB $NA "$LEAF"
row p192_leaf root.pem p192.der - - - $NOW GS_ERR_CERT_WEAK_KEY - -
cert via_rsa1024 p256 int_rsa1024 $NB $NA "$LEAF"
row rsa1024_intermediate root.pem via_rsa1024.der int_rsa1024.der - - $NOW GS_ERR_CERT_WEAK_KEY - -
cert sha1 p256 root $NB $NA "$LEAF" sha1
row sha1_signature root.pem sha1.der - - - $NOW GS_ERR_CERT_WEAK_KEY - -

# ------------------------------------------------------------ certificate purpose (extendedKeyUsage)
# The E2E purpose (PROPOSED, include/gridseal/pki.h GS_PKI_E2E_EKU_OID).
E2E_EKU=2.25.196238893761634410473206962927718766280.1
row eku_absent root.pem ok_p256.der - - - $NOW OK "$IDS1" -
cert eku_e2e p256 root $NB $NA "$LEAF\nextendedKeyUsage=$E2E_EKU"
row eku_e2e root.pem eku_e2e.der - - - $NOW OK - -
cert eku_e2e_crit p256 root $NB $NA "$LEAF\nextendedKeyUsage=critical,$E2E_EKU"
row eku_e2e_critical root.pem eku_e2e_crit.der - - - $NOW OK - -
cert eku_e2e_more p256 root $NB $NA "$LEAF\nextendedKeyUsage=serverAuth,clientAuth,$E2E_EKU,codeSigning"
row eku_e2e_and_others root.pem eku_e2e_more.der - - - $NOW OK - -
cert eku_server p256 root $NB $NA "$LEAF\nextendedKeyUsage=serverAuth"
row eku_server_auth_only root.pem eku_server.der - - - $NOW GS_ERR_CERT_PURPOSE - -
row eku_server_auth_only_client_auth_on root.pem eku_server.der - - - $NOW GS_ERR_CERT_PURPOSE - - client_auth
cert eku_code p256 root $NB $NA "$LEAF\nextendedKeyUsage=codeSigning"
row eku_code_signing_only root.pem eku_code.der - - - $NOW GS_ERR_CERT_PURPOSE - -
cert eku_hop p256 root $NB $NA "$LEAF\nextendedKeyUsage=serverAuth,clientAuth\n$SAN1"
row eku_tls_hop_style root.pem eku_hop.der - - - $NOW GS_ERR_CERT_PURPOSE - -
row eku_tls_hop_style_client_auth_on root.pem eku_hop.der - - - $NOW GS_ERR_CERT_PURPOSE - - client_auth
cert eku_client p256 root $NB $NA "$LEAF\nextendedKeyUsage=clientAuth\n$SAN1"
row eku_client_auth_only root.pem eku_client.der - - - $NOW GS_ERR_CERT_PURPOSE - -
row eku_client_auth_only_client_auth_on root.pem eku_client.der - - - $NOW OK "$IDS1" - client_auth
cert eku_any p256 root $NB $NA "$LEAF\nextendedKeyUsage=anyExtendedKeyUsage"
row eku_any_only root.pem eku_any.der - - - $NOW GS_ERR_CERT_PURPOSE - -
cert eku_e2e_oid_prefix p256 root $NB $NA "$LEAF\nextendedKeyUsage=2.25.196238893761634410473206962927718766280.1.1"
row eku_e2e_arc_sub_oid root.pem eku_e2e_oid_prefix.der - - - $NOW GS_ERR_CERT_PURPOSE - -

# ------------------------------------------------------------ identities
cert many p256 root $NB $NA "$LEAF\nsubjectAltName=DNS:a.grid.example,email:x@grid.example,URI:https://grid.example/b,otherName:1.3.6.1.5.5.7.8.5;UTF8:bob@grid.example,DNS:c.grid.example"
row identities_many root.pem many.der - - - $NOW OK "dns:a.grid.example;uri:https://grid.example/b;xmpp:bob@grid.example;dns:c.grid.example" -
# one value under several name types: each kept with its own kind; email and
# otherName forms other than xmppAddr (here SRVName) never become identities
cert kinds p256 root $NB $NA "$LEAF\nsubjectAltName=URI:alice@grid.example,email:alice@grid.example,otherName:1.3.6.1.5.5.7.8.7;IA5:alice@grid.example,DNS:alice@grid.example"
row identities_kinds_distinct root.pem kinds.der - - - $NOW OK "uri:alice@grid.example;dns:alice@grid.example" -
cert xmpp_only p256 root $NB $NA "$LEAF\nsubjectAltName=otherName:1.3.6.1.5.5.7.8.5;UTF8:alice@grid.example"
row identities_xmpp_only root.pem xmpp_only.der - - - $NOW OK "xmpp:alice@grid.example" -
cert xmpp_ia5 p256 root $NB $NA "$LEAF\nsubjectAltName=otherName:1.3.6.1.5.5.7.8.5;IA5:alice@grid.example"
row identities_xmpp_not_utf8 root.pem xmpp_ia5.der - - - $NOW GS_ERR_CERT_INVALID - -
nulsan=$(tlv 30 "$(tlv 82 "$(hexs good.example)00$(hexs .evil.example)")")
cert nulsan p256 root $NB $NA "$LEAF\nsubjectAltName=DER:$(colon "$nulsan")"
row san_embedded_nul root.pem nulsan.der - - - $NOW GS_ERR_CERT_INVALID - -

# ------------------------------------------------------------ roles: IEC 62351-8 extension (PROPOSED syntax)
uri() { # ROLEIDS(hex ints) AOR REV [FROM TO] [DEF ENUM]
  local ids=$1 aor=$2 rev=$3 rest=""
  if [ -n "${4:-}" ]; then rest="$(tlv 18 "$(hexs "$4")")$(tlv 18 "$(hexs "$5")")"; fi
  if [ -n "${6:-}" ]; then rest="$rest$(tlv 0c "$(hexs "$6")")$(tlv 0a "$7")"; fi
  tlv 30 "$(tlv 30 "$ids")$(tlv 0c "$(hexs "$aor")")$(tlv 02 "$rev")$rest"
}
roles1=$(tlv 30 "$(uri 020101020102 grid.example 01 20240101000000Z 20300101000000Z)")
cert role1 p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:$(colon "$roles1")"
row role_ext_operator_engineer root.pem role1.der - - - $NOW OK - OPERATOR,ENGINEER
roles_old=$(tlv 30 "$(uri 020104 grid.example 01 20240101000000Z 20250101000000Z)")
cert role_old p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:$(colon "$roles_old")"
row role_ext_outside_window root.pem role_old.der - - - $NOW OK - -
roles_ipa=$(tlv 30 "$(uri 020100 Outstation 00ff "" "" IEC62351-8 03)$(uri 02010602019c grid.example 02)")
cert role_ipa p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:$(colon "$roles_ipa")"
row role_ext_two_entries root.pem role_ipa.der - - - $NOW OK - VIEWER,RBACMNT,ROLE_-100
cert role_bad p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:30:03:02:01:01"
row role_ext_malformed root.pem role_bad.der - - - $NOW GS_ERR_CERT_INVALID - -

# role validity dates against the calendar: 29 February only in leap years
roles_leap=$(tlv 30 "$(uri 020102 grid.example 01 20240229000000Z 20300101000000Z)")
cert role_leap p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:$(colon "$roles_leap")"
row role_ext_feb29_2024 root.pem role_leap.der - - - $NOW OK - ENGINEER
roles_2000=$(tlv 30 "$(uri 020103 grid.example 01 20000229000000Z 20300101000000Z)")
cert role_2000 p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:$(colon "$roles_2000")"
row role_ext_feb29_2000 root.pem role_2000.der - - - $NOW OK - INSTALLER
# (each refused date would otherwise be a window that holds at NOW)
for bad in 20230231000000Z:feb31 20240230000000Z:feb30 20230229000000Z:feb29_2023 \
  20231301000000Z:month13; do
  roles_bad=$(tlv 30 "$(uri 020101 grid.example 01 "${bad%%:*}" 20300101000000Z)")
  cert "role_${bad#*:}" p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:$(colon "$roles_bad")"
  row "role_ext_${bad#*:}" root.pem "role_${bad#*:}.der" - - - $NOW GS_ERR_CERT_INVALID - -
done
for bad in 21000229000000Z:feb29_2100; do
  roles_bad=$(tlv 30 "$(uri 020101 grid.example 01 20200101000000Z "${bad%%:*}")")
  cert "role_${bad#*:}" p256 root $NB $NA "$LEAF\n1.2.840.10070.8.1=DER:$(colon "$roles_bad")"
  row "role_ext_${bad#*:}" root.pem "role_${bad#*:}.der" - - - $NOW GS_ERR_CERT_INVALID - -
done

# ------------------------------------------------------------ roles: RFC 5755 attribute certificates
tbs_elem() { # DERFILE INDEX -> hex of the INDEX-th element of tbsCertificate
  local line off hl l
  line=$(openssl asn1parse -inform DER -in "$1" | grep 'd=2' | sed -n "$(($2 + 1))p")
  off=$(echo "$line" | sed 's/^ *\([0-9]*\):.*/\1/')
  hl=$(echo "$line" | sed 's/.*hl= *\([0-9]*\).*/\1/')
  l=$(echo "$line" | sed 's/.* l= *\([0-9]*\).*/\1/')
  tail -c +$((off + 1)) "$1" | head -c $((hl + l)) | od -An -tx1 -v | tr -d ' \n'
}
ECDSA_SHA256=300a06082a8648ce3d040302
# make_ac OUT LEAFDER ISSUERDER SIGNKEY NOTBEFORE NOTAFTER [SERIALTLV]
make_ac() {
  local serial=${7:-$(tbs_elem "$2" 1)}
  local holder_issuer
  holder_issuer=$(tbs_elem "$2" 3)
  local ac_issuer
  ac_issuer=$(tbs_elem "$3" 5)
  local a1 a2 info
  a1=$(tlv 30 "0603550448$(tlv 31 "$(tlv 30 "$(tlv a1 "$(tlv 86 "$(hexs urn:gridseal:role:dispatcher)")")")")")
  a2=$(tlv 30 "06072a8648ce560801$(tlv 31 "$(tlv 30 "$(uri 020105 grid.example 01)")")")
  info=$(tlv 30 "020101$(tlv 30 "$(tlv a0 "$(tlv 30 "$(tlv a4 "$holder_issuer")")$serial")")$(tlv a0 "$(tlv 30 "$(tlv a4 "$ac_issuer")")")${ECDSA_SHA256}020107$(tlv 30 "$(tlv 18 "$(hexs "$5")")$(tlv 18 "$(hexs "$6")")")$(tlv 30 "$a1$a2")")
  hex2bin "$info" >"$W/$1.tbs"
  openssl dgst -sha256 -sign "$4" -out "$W/$1.sig" "$W/$1.tbs"
  hex2bin "$(tlv 30 "$info$ECDSA_SHA256$(tlv 03 "00$(filehex "$W/$1.sig")")")" >"$1"
}
make_ac ac_ok.der ok_p256.der root.der root.key 20240101000000Z 20300101000000Z
row attr_cert_roles root.pem ok_p256.der - - ac_ok.der $NOW OK "$IDS1" urn:gridseal:role:dispatcher,SECAUD
make_ac ac_int.der ok_via_int.der int.der int.key 20240101000000Z 20300101000000Z
row attr_cert_by_intermediate root.pem ok_via_int.der int.der - ac_int.der $NOW OK "$IDS1" urn:gridseal:role:dispatcher,SECAUD
make_ac ac_old.der ok_p256.der root.der root.key 20240101000000Z 20250101000000Z
row attr_cert_expired root.pem ok_p256.der - - ac_old.der $NOW GS_ERR_ATTR_CERT_INVALID - -
make_ac ac_holder.der ok_p256.der root.der root.key 20240101000000Z 20300101000000Z 020102
row attr_cert_wrong_holder root.pem ok_p256.der - - ac_holder.der $NOW GS_ERR_ATTR_CERT_INVALID - -
make_ac ac_forged.der ok_p256.der root.der root2.key 20240101000000Z 20300101000000Z
row attr_cert_bad_signature root.pem ok_p256.der - - ac_forged.der $NOW GS_ERR_ATTR_CERT_INVALID - -
make_ac ac_other.der ok_rsa.der root.der root.key 20240101000000Z 20300101000000Z
row attr_cert_other_leaf root.pem ok_p256.der - - ac_other.der $NOW GS_ERR_ATTR_CERT_INVALID - -
make_ac ac_leap.der ok_p256.der root.der root.key 20240229000000Z 20300101000000Z
row attr_cert_feb29_2024 root.pem ok_p256.der - - ac_leap.der $NOW OK "$IDS1" urn:gridseal:role:dispatcher,SECAUD
# (each refused date would otherwise be a validity period that holds at NOW)
for bad in 20230231000000Z:feb31 20230229000000Z:feb29_2023 20241301000000Z:month13; do
  make_ac "ac_${bad#*:}.der" ok_p256.der root.der root.key "${bad%%:*}" 20300101000000Z
  row "attr_cert_${bad#*:}" root.pem ok_p256.der - - "ac_${bad#*:}.der" $NOW GS_ERR_ATTR_CERT_INVALID - -
done
make_ac ac_feb29_2100.der ok_p256.der root.der root.key 20240101000000Z 21000229000000Z
row attr_cert_feb29_2100 root.pem ok_p256.der - - ac_feb29_2100.der $NOW GS_ERR_ATTR_CERT_INVALID - -

# ------------------------------------------------------------ CRLs
cert croot p256 self $CA_NB $CA_NA "$CA"
cert cint p256 croot $CA_NB $CA_NA "$CA"
cert c_ok p256 croot $NB $NA "$LEAF"
cert c_rev p256 croot $NB $NA "$LEAF"
cert c_via p256 cint $NB $NA "$LEAF"
cert cint_rev p256 croot $CA_NB $CA_NA "$CA"
cert c_via_rev p256 cint_rev $NB $NA "$LEAF"
crl croot croot_old.crl 20240101000000Z 20250101000000Z
openssl ca -batch -config "$(cacnf croot)" -revoke c_rev.pem -keyfile croot.key -cert croot.pem 2>/dev/null
openssl ca -batch -config "$(cacnf croot)" -revoke cint_rev.pem -keyfile croot.key -cert croot.pem 2>/dev/null
crl croot croot.crl 20250101000000Z 20260101000000Z
crl cint cint.crl 20250101000000Z 20260101000000Z
crl cint_rev cint_rev.crl 20250101000000Z 20260101000000Z
row crl_not_revoked croot.pem c_ok.der - croot.crl - $NOW OK - -
row crl_revoked croot.pem c_rev.der - croot.crl - $NOW GS_ERR_CERT_REVOKED - -
row crl_expired croot.pem c_ok.der - croot_old.crl - $NOW GS_ERR_CRL_EXPIRED - -
row crl_chain_ok croot.pem c_via.der cint.der croot.crl,cint.crl - $NOW OK - -
# the intermediate is revoked by the root's CRL, the leaf is not revoked by its
# own (current) CRL: only a check of the whole path (CRL_CHECK_ALL) refuses it
row crl_intermediate_revoked croot.pem c_via_rev.der cint_rev.der croot.crl,cint_rev.crl - $NOW GS_ERR_CERT_REVOKED - -
row crl_intermediate_revoked_leaf_crl_ok croot.pem c_via_rev.der cint_rev.der cint_rev.crl,croot.crl - $NOW GS_ERR_CERT_REVOKED - -
# the revoked intermediate also configured as a trust anchor (a root +
# intermediate bundle): the path still ends at the root's CRL
row crl_intermediate_revoked_also_anchor croot.pem,cint_rev.pem c_via_rev.der cint_rev.der croot.crl,cint_rev.crl - $NOW GS_ERR_CERT_REVOKED - -
# the same bundle with a current intermediate validates (its CRL is the root's)
row crl_chain_ok_bundle_anchor croot.pem,cint.pem c_via.der cint.der croot.crl,cint.crl - $NOW OK - -
row crl_chain_ok_bundle_anchor_no_path croot.pem,cint.pem c_via.der - croot.crl,cint.crl - $NOW OK - -
row bundle_anchor_no_crls root.pem,int.pem ok_via_int.der - - - $NOW OK "$IDS1" -
row crl_missing_for_intermediate croot.pem c_via.der cint.der croot.crl - $NOW GS_ERR_CRL_INVALID - -
row crl_of_other_issuer_only croot.pem c_ok.der - cint.crl - $NOW GS_ERR_CRL_INVALID - -

# ------------------------------------------------------------ encoding
ber() { # IN OUT: re-encode the outer length 82 HH LL as 83 00 HH LL
  local hh ll
  hh=$(od -An -tx1 -j2 -N1 "$1" | tr -d ' ')
  ll=$(od -An -tx1 -j3 -N1 "$1" | tr -d ' ')
  { printf "\\x30\\x83\\x00\\x$hh\\x$ll"; tail -c +5 "$1"; } >"$2"
}
ber ok_p256.der ber_leaf.der
row ber_leaf root.pem ber_leaf.der - - - $NOW GS_ERR_CERT_PARSE - -
ber int.der ber_int.der
row ber_intermediate root.pem ok_via_int.der ber_int.der - - $NOW GS_ERR_CERT_PARSE - -
{ cat ok_p256.der; printf '\x00'; } >trailing.der
row trailing_byte root.pem trailing.der - - - $NOW GS_ERR_CERT_PARSE - -
head -c 100 ok_p256.der >truncated.der
row truncated root.pem truncated.der - - - $NOW GS_ERR_CERT_PARSE - -

echo "gen-certs: $(wc -l <"$TSV") cases in $OUT/$TSV"
