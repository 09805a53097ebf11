-- gridseal.lua: a Wireshark/tshark dissector for gridseal's IEC 62351-4
-- end-to-end security PDUs (SecPDU, docs/gridseal-e2e.asn1) carried in the
-- TCP framing of docs/PROTOCOL.md §9.1 (4-octet big-endian length, then
-- one DER SecPDU).
--
-- Install: copy this file to ~/.local/lib/wireshark/plugins/ (Wireshark
-- 4.0 and later), or load it for one run with
--   tshark -X lua_script:tools/wireshark/gridseal.lua -r capture.pcap
-- Field names (gridseal.*) are listed in docs/WIRESHARK.md; `gridseal
-- inspect --json` uses the same names.
--
-- The DER walker below is strict and bounded: every length is checked
-- against its container, nesting is limited to 16 levels, and anything
-- that does not follow the module is reported as an expert error
-- ("gridseal.malformed") instead of raising a Lua error.

local gs = Proto("gridseal", "gridseal IEC 62351-4 E2E security")

local MAX_PDU = 65536
local MAX_DEPTH = 16

local kind_names = {
  [0] = "handshakeReq",
  [1] = "handshakeAcc",
  [2] = "applicationReject",
  [3] = "handshakeSecReject",
  [4] = "handshakeSecAbort",
  [5] = "dtSecAbort",
  [6] = "applAbort",
  [7] = "releaseReq",
  [8] = "releaseRsp",
  [9] = "clearTransfer",
  [10] = "encrTransfer",
}

local hs_diag_names = {
  [0] = "no-reason-given", "protocol-error", "protected-protocol-not-supported",
  "invalid-signatureAlgorithm", "unexpected-version", "hmac-algorithm-not-supported",
  "encryption-not-required", "encryption-required", "invalid-public-key-certificate",
  "invalid-certification-path", "invalid-time-value", "dhGroup-not-supported",
  "illegal-dhGroup-selected", "icv-algorithms-not-supported",
  "encrypt-algorithms-not-supported", "aea-algorithms-not-supported",
  "invalid-attribute-certificate", "encr-mode-aea-not-supported", "ae-is-required",
  "aea-select-but-encryp-not-supp", "invalid-ae-algorithm", "single-ae-algorithm-required",
  "ae-not-used", "invalid-encryption-algorithm", "single-encrypt-algo-required",
  "single-icv-algo-required", "peer-not-authorized", "too-many-associations",
}

local dt_diag_names = {
  [0] = "no-reason-given", "protocol-error", "unexpected-version", "encryption-not-selected",
  "encryption-required", "gmac-nonce-required", "invalid-sequence-number",
  "aes-init-vector-required", "unexpected-dhPublicKey", "unexpected-changedKeys",
  "invalid-time-value",
}

-- OID content octets (hex) -> name, docs/PROTOCOL.md §2.
local alg_names = {
  ["2a8648ce3d040302"] = "ecdsa-with-SHA256",
  ["2a864886f70d01010b"] = "sha256WithRSAEncryption",
  ["2b6570"] = "id-Ed25519",
  ["2a864886f70d0209"] = "hmacWithSHA256",
  ["2a864886f70d020a"] = "hmacWithSHA384",
  ["608648016503040106"] = "aes128-GCM",
  ["60864801650304012e"] = "aes256-GCM",
  ["2a864886f70d0109100312"] = "id-alg-AEADChaCha20Poly1305",
  ["608648016503040102"] = "aes128-CBC",
  ["60864801650304012a"] = "aes256-CBC",
}

local dh_names = {
  [14] = "MODP-2048",
  [19] = "P-256",
  [20] = "P-384",
  [28] = "brainpoolP256r1",
  [31] = "X25519",
}

-- X.520 attribute types for certificate subjects (RFC 4514 short names).
local dn_names = {
  ["550403"] = "CN",
  ["550405"] = "serialNumber",
  ["550406"] = "C",
  ["550407"] = "L",
  ["550408"] = "ST",
  ["55040a"] = "O",
  ["55040b"] = "OU",
  ["0992268993f22c640119"] = "DC",
  ["0992268993f22c640101"] = "UID",
}

local F = {
  frame_len = ProtoField.uint32("gridseal.frame_len", "Frame length", base.DEC),
  kind = ProtoField.string("gridseal.kind", "SecPDU kind"),
  kind_tag = ProtoField.uint8("gridseal.kind_tag", "SecPDU tag", base.DEC, kind_names),
  pp = ProtoField.string("gridseal.pp", "Protected protocol (pp)"),
  sig_alg = ProtoField.string("gridseal.sig_alg", "Signature algorithm (sigAlg)"),
  alg_oid = ProtoField.bytes("gridseal.alg_oid", "Algorithm OID (content octets)"),
  pk_cert_len = ProtoField.uint32("gridseal.pk_cert_len", "pkCert length", base.DEC),
  pk_cert_subject = ProtoField.string("gridseal.pk_cert_subject", "pkCert subject"),
  cert_path_count = ProtoField.uint32("gridseal.cert_path_count", "certPath certificates",
                                      base.DEC),
  version = ProtoField.uint32("gridseal.version", "Version", base.DEC),
  asso_id = ProtoField.string("gridseal.asso_id", "Association (assoID)"),
  dh_group = ProtoField.uint32("gridseal.dh_group", "DH group", base.DEC, dh_names),
  dh_public = ProtoField.bytes("gridseal.dh_public", "DH public value"),
  hmac = ProtoField.string("gridseal.hmac", "HKDF/HMAC algorithm (hmac)"),
  time = ProtoField.string("gridseal.time", "Time"),
  encr_mode = ProtoField.string("gridseal.encr_mode", "Encryption mode (encrMode)"),
  aead_alg = ProtoField.string("gridseal.aead_alg", "AEAD algorithm"),
  encr_alg = ProtoField.string("gridseal.encr_alg", "Encryption algorithm"),
  icv_alg = ProtoField.string("gridseal.icv_alg", "ICV algorithm"),
  conf_params = ProtoField.string("gridseal.conf_params", "confParams"),
  att_cert_len = ProtoField.uint32("gridseal.att_cert_len", "attCert length", base.DEC),
  responder = ProtoField.string("gridseal.responder", "Responder named by the request"),
  extension = ProtoField.bytes("gridseal.extension", "Unknown context-tagged field"),
  appl_data_len = ProtoField.uint32("gridseal.appl_data_len", "applData length", base.DEC),
  appl_data = ProtoField.bytes("gridseal.appl_data", "applData"),
  signature_len = ProtoField.uint32("gridseal.signature_len", "Signature length", base.DEC),
  seq = ProtoField.uint32("gridseal.seq", "Sequence number (seq)", base.DEC),
  iv = ProtoField.bytes("gridseal.iv", "IV / nonce (iv)"),
  rekey = ProtoField.bytes("gridseal.rekey", "New DH public value (rekey)"),
  req_rekey = ProtoField.bool("gridseal.req_rekey", "reqRekey"),
  changed_key = ProtoField.bool("gridseal.changed_key", "changedKey"),
  auth_alg = ProtoField.string("gridseal.auth_alg", "Authenticator algorithm"),
  icv = ProtoField.bytes("gridseal.icv", "ICV"),
  binding = ProtoField.bytes("gridseal.binding", "Binding (chain value)"),
  diag = ProtoField.int32("gridseal.diag", "Diagnostic (diag)", base.DEC),
  diag_name = ProtoField.string("gridseal.diag_name", "Diagnostic name"),
}
local field_list = {}
for _, f in pairs(F) do
  field_list[#field_list + 1] = f
end
gs.fields = field_list

local E = {
  malformed = ProtoExpert.new("gridseal.malformed", "Malformed SecPDU", expert.group.MALFORMED,
                              expert.severity.ERROR),
  frame = ProtoExpert.new("gridseal.bad_frame_len", "Invalid TCP frame length",
                          expert.group.MALFORMED, expert.severity.ERROR),
  unknown_alg = ProtoExpert.new("gridseal.unknown_alg", "Algorithm OID not in the profile",
                                expert.group.PROTOCOL, expert.severity.NOTE),
}
gs.experts = {E.malformed, E.frame, E.unknown_alg}

gs.prefs.tcp_ports = Pref.range("TCP ports", "7001-7099",
                                "TCP ports carrying gridseal's framed SecPDUs", 65535)
gs.prefs.mms = Pref.bool("Decode clear applData as MMS", true,
                         "Hand applData that travels in the clear (clearTransfer, handshakes, " ..
                             "notices) to Wireshark's MMS dissector")

local mms_dissector = Dissector.get("mms")

-- The Info column of the packet being dissected: one entry per SecPDU.
local info_parts = {}
local info_cur = nil
local info_mms = nil
local function info(s)
  info_cur = info_cur .. s
end

-- ---- strict DER walker ----------------------------------------------

-- A decoding failure: raised with error(), caught in dissect_secpdu.
local Bad = {}
Bad.__index = Bad
local function bad(off, len, msg)
  error(setmetatable({off = off, len = len, msg = msg}, Bad), 0)
end

-- One TLV at `off`, inside [off, limit). Returns a table with cls (0..3),
-- cons, tag, off (identifier), hlen, len (content), v (content offset),
-- e (end).
local function tlv(tvb, off, limit)
  if off >= limit then
    bad(off, 0, "missing element")
  end
  local id = tvb(off, 1):uint()
  local t = {cls = bit.rshift(id, 6), cons = bit.band(id, 0x20) ~= 0, tag = bit.band(id, 0x1f),
             off = off}
  if t.tag == 0x1f then
    bad(off, 1, "high tag number form (not allowed)")
  end
  if off + 1 >= limit then
    bad(off, limit - off, "truncated length")
  end
  local l0 = tvb(off + 1, 1):uint()
  if l0 < 0x80 then
    t.len = l0
    t.hlen = 2
  elseif l0 == 0x80 then
    bad(off, 2, "indefinite length (not DER)")
  else
    local n = l0 - 0x80
    if n > 4 then
      bad(off, 2, "length of more than 4 octets")
    end
    if off + 2 + n > limit then
      bad(off, limit - off, "truncated length")
    end
    local first = tvb(off + 2, 1):uint()
    t.len = tvb(off + 2, n):uint()
    if first == 0 or (n == 1 and t.len < 0x80) then
      bad(off, 2 + n, "non-minimal length (not DER)")
    end
    t.hlen = 2 + n
  end
  t.v = off + t.hlen
  t.e = t.v + t.len
  if t.e > limit then
    bad(off, limit - off, string.format("element of %d octets extends past its container", t.len))
  end
  return t
end

local UNIV, CTX = 0, 2

-- The element at `off` must have class/tag/constructed as given.
local function expect(tvb, off, limit, cls, tag, cons, what)
  if off >= limit then
    bad(math.max(0, limit - 1), 1, what .. ": missing")
  end
  local t = tlv(tvb, off, limit)
  if t.cls ~= cls or t.tag ~= tag or t.cons ~= cons then
    bad(off, t.hlen, string.format("%s: unexpected tag (class %d, %s, number %d)", what, t.cls,
                                   t.cons and "constructed" or "primitive", t.tag))
  end
  return t
end

-- The next element, if it is the context tag `tag` (else nil).
local function peek_ctx(tvb, off, limit, tag)
  if off >= limit then
    return nil
  end
  local id = tvb(off, 1):uint()
  if bit.rshift(id, 6) == CTX and bit.band(id, 0x1f) == tag then
    return tlv(tvb, off, limit)
  end
  return nil
end

local function finish(t, off, what)
  if off ~= t.e then
    bad(off, t.e - off, what .. ": octets after the last element")
  end
end

local function hexstr(tvb, off, len)
  if len == 0 then
    return ""
  end
  return tostring(tvb(off, len):bytes()):lower()
end

local function printable(tvb, t, what, maxlen)
  if t.len < 1 or t.len > maxlen then
    bad(t.off, t.hlen + t.len, string.format("%s: size %d outside 1..%d", what, t.len, maxlen))
  end
  local s = tvb(t.v, t.len):raw()
  if not s:match("^[A-Za-z0-9 '()+,%-./:=?]+$") then
    bad(t.off, t.hlen + t.len, what .. ": not a PrintableString")
  end
  return s
end

-- Non-negative INTEGER, minimal, at most `max`.
local function uinteger(tvb, t, what, max)
  if t.len < 1 or t.len > 5 then
    bad(t.off, t.hlen + t.len, what .. ": INTEGER of bad size")
  end
  local b0 = tvb(t.v, 1):uint()
  if t.len > 1 then
    local b1 = tvb(t.v + 1, 1):uint()
    if (b0 == 0 and b1 < 0x80) or (b0 == 0xff and b1 >= 0x80) then
      bad(t.off, t.hlen + t.len, what .. ": non-minimal INTEGER")
    end
  end
  if b0 >= 0x80 then
    bad(t.off, t.hlen + t.len, what .. ": negative INTEGER")
  end
  local v = 0
  for i = 0, t.len - 1 do
    v = v * 256 + tvb(t.v + i, 1):uint()
  end
  if v > max then
    bad(t.off, t.hlen + t.len, what .. ": INTEGER out of range")
  end
  return v
end

local function sinteger(tvb, t, what)
  if t.len < 1 or t.len > 4 then
    bad(t.off, t.hlen + t.len, what .. ": INTEGER of bad size")
  end
  local b0 = tvb(t.v, 1):uint()
  if t.len > 1 then
    local b1 = tvb(t.v + 1, 1):uint()
    if (b0 == 0 and b1 < 0x80) or (b0 == 0xff and b1 >= 0x80) then
      bad(t.off, t.hlen + t.len, what .. ": non-minimal INTEGER")
    end
  end
  return tvb(t.v, t.len):int()
end

local function boolean_true(tvb, t, what)
  if t.len ~= 1 then
    bad(t.off, t.hlen + t.len, what .. ": BOOLEAN of bad size")
  end
  local b = tvb(t.v, 1):uint()
  if b == 0 then
    bad(t.off, 3, what .. ": DEFAULT FALSE encoded (not DER)")
  elseif b ~= 0xff then
    bad(t.off, 3, what .. ": BOOLEAN TRUE is not 0xFF (not DER)")
  end
  return true
end

-- GeneralizedTime "YYYYMMDDHHMMSS[.f[f[f]]]Z" -> "YYYY-MM-DDTHH:MM:SS.mmmZ".
local function gtime(tvb, t)
  local s = tvb(t.v, t.len):raw()
  local y, mo, d, h, mi, se, rest = s:match("^(%d%d%d%d)(%d%d)(%d%d)(%d%d)(%d%d)(%d%d)(.*)$")
  local frac = ""
  if y ~= nil then
    if rest == "Z" then
      frac = ""
    else
      frac = rest:match("^%.(%d%d?%d?)Z$")
      if frac == nil or frac:sub(-1) == "0" then
        y = nil
      end
    end
  end
  if y == nil or tonumber(mo) < 1 or tonumber(mo) > 12 or tonumber(d) < 1 or tonumber(d) > 31 or
      tonumber(h) > 23 or tonumber(mi) > 59 or tonumber(se) > 59 or tonumber(y) < 1970 then
    bad(t.off, t.hlen + t.len, "time: not a profile GeneralizedTime")
  end
  local ms = (frac .. "000"):sub(1, 3)
  return string.format("%s-%s-%sT%s:%s:%s.%sZ", y, mo, d, h, mi, se, ms)
end

local function assoid(tvb, tree, t, full)
  local s = printable(tvb, t, "assoID", 7)
  local ok = s:match("^%d%d?%d?$") or s:match("^%d%d?%d?:%d%d?%d?$")
  if not ok then
    bad(t.off, t.hlen + t.len, "assoID: not of the form c or c:s")
  elseif full and not s:find(":") then
    bad(t.off, t.hlen + t.len, "assoID: not the full form c:s of a ClearToken2")
  end
  tree:add(F.asso_id, tvb(t.off, t.hlen + t.len), s)
  return s
end

-- AlgorithmIdentifier; adds `field` with the algorithm's name. Returns name.
local function algid(tvb, tree, off, limit, field, what)
  local t = expect(tvb, off, limit, UNIV, 16, true, what)
  local o = expect(tvb, t.v, t.e, UNIV, 6, false, what .. " OID")
  if o.len == 0 then
    bad(o.off, o.hlen, what .. ": empty OID")
  end
  local p = o.e
  if p < t.e then
    local n = expect(tvb, p, t.e, UNIV, 5, false, what .. " parameters")
    if n.len ~= 0 then
      bad(n.off, n.hlen + n.len, what .. ": parameters other than NULL")
    end
    p = n.e
  end
  finish(t, p, what)
  local hex = hexstr(tvb, o.v, o.len)
  local name = alg_names[hex]
  local item
  if name then
    item = tree:add(field, tvb(t.off, t.hlen + t.len), name)
  else
    name = "unknown (" .. hex .. ")"
    item = tree:add(field, tvb(t.off, t.hlen + t.len), name)
    item:add_proto_expert_info(E.unknown_alg)
  end
  item:add(F.alg_oid, tvb(o.v, o.len))
  return name, t.e
end

-- RFC 4514-style subject of a DER certificate, or nil if it does not
-- parse (the certificate is not checked here; the receiver's validator
-- does that).
local function cert_subject(tvb, off, len)
  local ok, res = pcall(function()
    local c = expect(tvb, off, off + len, UNIV, 16, true, "certificate")
    local tbs = expect(tvb, c.v, c.e, UNIV, 16, true, "tbsCertificate")
    local p = tbs.v
    local v = peek_ctx(tvb, p, tbs.e, 0)
    if v then
      p = v.e
    end
    p = tlv(tvb, p, tbs.e).e -- serialNumber
    p = tlv(tvb, p, tbs.e).e -- signature
    p = tlv(tvb, p, tbs.e).e -- issuer
    p = tlv(tvb, p, tbs.e).e -- validity
    local subj = expect(tvb, p, tbs.e, UNIV, 16, true, "subject")
    local rdns = {}
    local q = subj.v
    while q < subj.e do
      local set = expect(tvb, q, subj.e, UNIV, 17, true, "RDN")
      local parts = {}
      local r = set.v
      while r < set.e do
        local atv = expect(tvb, r, set.e, UNIV, 16, true, "AttributeTypeAndValue")
        local oid = expect(tvb, atv.v, atv.e, UNIV, 6, false, "attribute type")
        local val = tlv(tvb, oid.e, atv.e)
        local hex = hexstr(tvb, oid.v, oid.len)
        local nm = dn_names[hex] or hex
        local s = tvb(val.v, val.len):raw():gsub("([,+\"\\<>;=])", "\\%1")
        parts[#parts + 1] = nm .. "=" .. s
        r = atv.e
      end
      table.insert(rdns, 1, table.concat(parts, "+"))
      q = set.e
    end
    return table.concat(rdns, ",")
  end)
  if ok then
    return res
  end
  return nil
end

local function cert_field(tvb, tree, t)
  local sub = tree:add(F.pk_cert_len, tvb(t.off, t.hlen + t.len), t.len)
  local subj = cert_subject(tvb, t.v, t.len)
  if subj then
    sub:add(F.pk_cert_subject, tvb(t.v, t.len), subj)
  end
end

local function cert_path(tvb, tree, t)
  local certs = {}
  local p = t.v
  while p < t.e do
    local c = expect(tvb, p, t.e, UNIV, 4, false, "certPath entry")
    certs[#certs + 1] = c
    if #certs > 8 then
      bad(c.off, c.hlen + c.len, "certPath: more than 8 certificates")
    end
    p = c.e
  end
  if #certs == 0 then
    bad(t.off, t.hlen, "certPath: empty")
  end
  local sub = tree:add(F.cert_path_count, tvb(t.off, t.hlen + t.len), #certs)
  for i, c in ipairs(certs) do
    local item = sub:add(tvb(c.off, c.hlen + c.len), string.format("[%d]: %d octets", i - 1, c.len))
    local subj = cert_subject(tvb, c.v, c.len)
    if subj then
      item:append_text(", subject \"" .. subj .. "\"")
    end
  end
end

local function octets(tvb, off, limit, what)
  return expect(tvb, off, limit, UNIV, 4, false, what)
end

local function alg_list(tvb, tree, t, field, label)
  local sub = tree:add(tvb(t.off, t.hlen + t.len), label)
  local p = t.v
  local n = 0
  while p < t.e do
    local _, e = algid(tvb, sub, p, t.e, field, label)
    p = e
    n = n + 1
    if n > 8 then
      bad(t.off, t.hlen + t.len, label .. ": more than 8 algorithms")
    end
  end
  if n == 0 then
    bad(t.off, t.hlen, label .. ": empty list")
  end
end

-- applData in the clear: to the MMS dissector when it looks like an MMS PDU.
local function appl_clear(tvb, pinfo, tree, v, len, root)
  local item = tree:add(F.appl_data_len, tvb(v, len), len)
  if len == 0 then
    return
  end
  item:add(F.appl_data, tvb(v, len))
  local b0 = tvb(v, 1):uint()
  local mms_tag = bit.rshift(b0, 6) == CTX and bit.band(b0, 0x1f) <= 13
  if gs.prefs.mms and mms_dissector ~= nil and mms_tag then
    -- The MMS dissector reports its own malformed PDUs; a failure there
    -- must not end the SecPDU's dissection.
    local ok = pcall(function()
      mms_dissector:call(tvb(v, len):tvb(), pinfo, root)
    end)
    local mms_info = tostring(pinfo.cols.info)
    if ok and mms_info ~= "" then
      info_mms = mms_info
    end
  end
end

-- ---- the SecPDU alternatives -----------------------------------------

local function clear_token1(tvb, tree, off, limit)
  local t = expect(tvb, off, limit, UNIV, 16, true, "ClearToken1")
  local sub = tree:add(tvb(t.off, t.hlen + t.len), "ClearToken1")
  local _, p = algid(tvb, sub, t.v, t.e, F.sig_alg, "sigAlg")
  local c = octets(tvb, p, t.e, "pkCert")
  cert_field(tvb, sub, c)
  p = c.e
  local cp = peek_ctx(tvb, p, t.e, 0)
  if cp then
    if not cp.cons then
      bad(cp.off, cp.hlen, "certPath: not constructed")
    end
    cert_path(tvb, sub, cp)
    p = cp.e
  end
  local ver = expect(tvb, p, t.e, UNIV, 2, false, "version")
  sub:add(F.version, tvb(ver.off, ver.hlen + ver.len), uinteger(tvb, ver, "version", 4294967295))
  p = ver.e
  local a = expect(tvb, p, t.e, UNIV, 19, false, "assoID")
  local asso = assoid(tvb, sub, a, false)
  p = a.e
  local dhs = expect(tvb, p, t.e, UNIV, 16, true, "dhKey")
  local dsub = sub:add(tvb(dhs.off, dhs.hlen + dhs.len), "dhKey")
  local q = dhs.v
  local n = 0
  while q < dhs.e do
    local k = expect(tvb, q, dhs.e, UNIV, 16, true, "DhKey")
    local g = expect(tvb, k.v, k.e, UNIV, 2, false, "DhKey group")
    local gv = uinteger(tvb, g, "DhKey group", 4294967295)
    local pub = octets(tvb, g.e, k.e, "DhKey publicKey")
    finish(k, pub.e, "DhKey")
    local ki = dsub:add(F.dh_group, tvb(k.off, k.hlen + k.len), gv)
    ki:add(F.dh_public, tvb(pub.v, pub.len))
    q = k.e
    n = n + 1
  end
  if n < 1 or n > 4 then
    bad(dhs.off, dhs.hlen + dhs.len, "dhKey: 1..4 entries required")
  end
  p = dhs.e
  _, p = algid(tvb, sub, p, t.e, F.hmac, "hmac")
  local tm = expect(tvb, p, t.e, UNIV, 24, false, "time")
  sub:add(F.time, tvb(tm.off, tm.hlen + tm.len), gtime(tvb, tm))
  p = tm.e
  local em = tlv(tvb, p, t.e)
  if em.cls ~= CTX or not em.cons or em.tag > 1 then
    bad(em.off, em.hlen, "encrMode: unknown alternative")
  end
  if em.tag == 0 then
    local mi = sub:add(F.encr_mode, tvb(em.off, em.hlen + em.len), "aead")
    alg_list(tvb, mi, em, F.aead_alg, "aead")
  else
    local q2 = em.v
    local e0 = peek_ctx(tvb, q2, em.e, 0)
    local mode = e0 and "encrypt-then-MAC" or "integrity-only"
    local mi = sub:add(F.encr_mode, tvb(em.off, em.hlen + em.len), mode)
    if e0 then
      alg_list(tvb, mi, e0, F.encr_alg, "encr")
      q2 = e0.e
    end
    local e1 = expect(tvb, q2, em.e, CTX, 1, true, "icv")
    alg_list(tvb, mi, e1, F.icv_alg, "icv")
    finish(em, e1.e, "nonAead")
  end
  p = em.e
  local cpar = expect(tvb, p, t.e, UNIV, 3, false, "confParams")
  if cpar.len < 1 or cpar.len > 2 then
    bad(cpar.off, cpar.hlen + cpar.len, "confParams: bad size")
  end
  local bits = cpar.len == 2 and tvb(cpar.v + 1, 1):uint() or 0
  if bit.band(bits, 0x1f) ~= 0 then
    bad(cpar.off, cpar.hlen + cpar.len, "confParams: unknown bit set")
  end
  local names = {}
  if bit.band(bits, 0x80) ~= 0 then
    names[#names + 1] = "tlsProtected"
  end
  if bit.band(bits, 0x40) ~= 0 then
    names[#names + 1] = "applProtected"
  end
  if bit.band(bits, 0x20) ~= 0 then
    names[#names + 1] = "vpn"
  end
  sub:add(F.conf_params, tvb(cpar.off, cpar.hlen + cpar.len),
          #names > 0 and table.concat(names, ",") or "none")
  p = cpar.e
  -- attCert [1], the responder the request names [2], and any later
  -- context-tagged field, shown generically.
  while p < t.e do
    local x = tlv(tvb, p, t.e)
    if x.cls ~= CTX then
      bad(x.off, x.hlen, "ClearToken1: unexpected element after confParams")
    end
    if x.tag == 1 and not x.cons then
      sub:add(F.att_cert_len, tvb(x.off, x.hlen + x.len), x.len)
    elseif x.tag == 2 and x.cons then
      -- responder [2] PeerName (EXPLICIT CHOICE): xmppAddr [0] UTF8String,
      -- uri [1] IA5String, dns [2] IA5String
      local n = tlv(tvb, x.v, x.e)
      finish(x, n.e, "responder")
      local kinds = {[0] = "xmppAddr", [1] = "uri", [2] = "dns"}
      if n.cls ~= CTX or n.cons or kinds[n.tag] == nil or n.len < 1 or n.len > 255 then
        bad(n.off, n.hlen + n.len, "responder: not a PeerName")
      end
      local v = tvb(n.v, n.len):raw()
      if v:find("%z") or (n.tag > 0 and v:find("[\128-\255]")) then
        bad(n.off, n.hlen + n.len, "responder: bad characters")
      end
      sub:add(F.responder, tvb(x.off, x.hlen + x.len), kinds[n.tag] .. ":" .. v)
    else
      sub:add(F.extension, tvb(x.off, x.hlen + x.len)):append_text(
          string.format(" [%d]", x.tag))
    end
    p = x.e
  end
  return asso, t.e
end

local function handshake(tvb, pinfo, tree, root, t)
  local tbs = expect(tvb, t.v, t.e, UNIV, 16, true, "tbs")
  local sub = tree:add(tvb(tbs.off, tbs.hlen + tbs.len), "tbs")
  local pp = expect(tvb, tbs.v, tbs.e, UNIV, 19, false, "pp")
  sub:add(F.pp, tvb(pp.off, pp.hlen + pp.len), printable(tvb, pp, "pp", 32))
  local asso, p = clear_token1(tvb, sub, pp.e, tbs.e)
  local ad = peek_ctx(tvb, p, tbs.e, 0)
  if ad then
    if ad.cons then
      bad(ad.off, ad.hlen, "applData: constructed")
    end
    appl_clear(tvb, pinfo, sub, ad.v, ad.len, root)
    p = ad.e
  end
  finish(tbs, p, "tbs")
  local sig = octets(tvb, tbs.e, t.e, "sign")
  tree:add(F.signature_len, tvb(sig.off, sig.hlen + sig.len), sig.len)
  finish(t, sig.e, "HandshakeReq/Acc")
  return asso
end

local function notice(tvb, pinfo, tree, root, t, tag)
  local tbs = expect(tvb, t.v, t.e, UNIV, 16, true, "tbs")
  local sub = tree:add(tvb(tbs.off, tbs.hlen + tbs.len), "tbs")
  local t3 = expect(tvb, tbs.v, tbs.e, UNIV, 16, true, "ClearToken3")
  local s3 = sub:add(tvb(t3.off, t3.hlen + t3.len), "ClearToken3")
  local _, p = algid(tvb, s3, t3.v, t3.e, F.sig_alg, "sigAlg")
  local ver = expect(tvb, p, t3.e, UNIV, 2, false, "version")
  s3:add(F.version, tvb(ver.off, ver.hlen + ver.len), uinteger(tvb, ver, "version", 4294967295))
  local a = expect(tvb, ver.e, t3.e, UNIV, 19, false, "assoID")
  local asso = assoid(tvb, s3, a, false)
  local tm = expect(tvb, a.e, t3.e, UNIV, 24, false, "time")
  s3:add(F.time, tvb(tm.off, tm.hlen + tm.len), gtime(tvb, tm))
  p = tm.e
  local last = -1
  while p < t3.e do
    local x = tlv(tvb, p, t3.e)
    if x.cls ~= CTX or x.tag <= last then
      bad(x.off, x.hlen, "ClearToken3: unexpected element")
    end
    last = x.tag
    if x.tag == 0 and not x.cons then
      cert_field(tvb, s3, x)
    elseif x.tag == 1 and x.cons then
      cert_path(tvb, s3, x)
    elseif x.tag == 2 and not x.cons then
      s3:add(F.binding, tvb(x.v, x.len))
    else
      s3:add(F.extension, tvb(x.off, x.hlen + x.len)):append_text(string.format(" [%d]", x.tag))
    end
    p = x.e
  end
  p = t3.e
  local d = peek_ctx(tvb, p, tbs.e, 0)
  if d then
    if d.cons then
      bad(d.off, d.hlen, "diag: constructed")
    end
    local v = sinteger(tvb, d, "diag")
    sub:add(F.diag, tvb(d.off, d.hlen + d.len), v)
    local names = tag == 5 and dt_diag_names or hs_diag_names
    local nm = names[v] or "unknown"
    sub:add(F.diag_name, tvb(d.off, d.hlen + d.len), nm)
    info(" diag=" .. nm)
    p = d.e
  end
  local ad = peek_ctx(tvb, p, tbs.e, 1)
  if ad then
    if ad.cons then
      bad(ad.off, ad.hlen, "applData: constructed")
    end
    appl_clear(tvb, pinfo, sub, ad.v, ad.len, root)
    p = ad.e
  end
  finish(tbs, p, "TbsNotice")
  local sig = octets(tvb, tbs.e, t.e, "sign")
  tree:add(F.signature_len, tvb(sig.off, sig.hlen + sig.len), sig.len)
  finish(t, sig.e, "SignedNotice")
  return asso
end

local function transfer(tvb, pinfo, tree, root, t, tag)
  local tbp = expect(tvb, t.v, t.e, UNIV, 16, true, "tbp")
  local sub = tree:add(tvb(tbp.off, tbp.hlen + tbp.len), "tbp")
  local t2 = expect(tvb, tbp.v, tbp.e, UNIV, 16, true, "ClearToken2")
  local s2 = sub:add(tvb(t2.off, t2.hlen + t2.len), "ClearToken2")
  local a = expect(tvb, t2.v, t2.e, UNIV, 19, false, "assoID")
  local asso = assoid(tvb, s2, a, true)
  local tm = expect(tvb, a.e, t2.e, UNIV, 24, false, "time")
  s2:add(F.time, tvb(tm.off, tm.hlen + tm.len), gtime(tvb, tm))
  local sq = expect(tvb, tm.e, t2.e, UNIV, 2, false, "seq")
  local seq = uinteger(tvb, sq, "seq", 2147483647)
  s2:add(F.seq, tvb(sq.off, sq.hlen + sq.len), seq)
  local p = sq.e
  local x = peek_ctx(tvb, p, t2.e, 0)
  if x then
    s2:add(F.iv, tvb(x.v, x.len))
    p = x.e
  end
  x = peek_ctx(tvb, p, t2.e, 1)
  local t2_rekey = x ~= nil
  if x then
    s2:add(F.rekey, tvb(x.v, x.len))
    p = x.e
  end
  local req, chg = false, false
  x = peek_ctx(tvb, p, t2.e, 2)
  if x then
    req = boolean_true(tvb, x, "reqRekey")
    p = x.e
  end
  local r_item = s2:add(F.req_rekey, tvb(x and x.off or p, x and 3 or 0), req)
  if not x then
    r_item:set_generated()
  end
  x = peek_ctx(tvb, p, t2.e, 3)
  if x then
    chg = boolean_true(tvb, x, "changedKey")
    p = x.e
  end
  local c_item = s2:add(F.changed_key, tvb(x and x.off or p, x and 3 or 0), chg)
  if not x then
    c_item:set_generated()
  end
  finish(t2, p, "ClearToken2")
  local ad = octets(tvb, t2.e, tbp.e, "applData")
  if tag == 9 then
    appl_clear(tvb, pinfo, sub, ad.v, ad.len, root)
  else
    sub:add(F.appl_data_len, tvb(ad.v, ad.len), ad.len):append_text(" (encrypted)")
  end
  finish(tbp, ad.e, "Tbp")
  p = tbp.e
  if p < t.e or tag == 9 then
    local au = expect(tvb, p, t.e, UNIV, 16, true, "Authenticator")
    local sa = tree:add(tvb(au.off, au.hlen + au.len), "Authenticator")
    local _, q = algid(tvb, sa, au.v, au.e, F.auth_alg, "algorithm")
    local icv = octets(tvb, q, au.e, "icv")
    sa:add(F.icv, tvb(icv.v, icv.len))
    finish(au, icv.e, "Authenticator")
    p = au.e
  end
  finish(t, p, "Transfer")
  local flags = ""
  if t2_rekey then
    flags = flags .. " rekey"
  end
  if req then
    flags = flags .. " reqRekey"
  end
  if chg then
    flags = flags .. " changedKey"
  end
  info(string.format(" seq=%d%s", seq, flags))
  return asso
end

-- Dissect one SecPDU occupying all of `tvb`. Returns nothing; any
-- decoding failure becomes an expert error on the item.
local function dissect_secpdu(tvb, pinfo, tree, root)
  info_cur = "SecPDU"
  info_mms = nil
  local item = tree:add(gs, tvb(), "SecPDU")
  local ok, err = pcall(function()
    local len = tvb:len()
    local id = tvb(0, 1):uint()
    if bit.rshift(id, 6) ~= CTX or bit.band(id, 0x20) == 0 or bit.band(id, 0x1f) > 10 then
      bad(0, 1, string.format("not a SecPDU alternative (identifier 0x%02x)", id))
    end
    local t = tlv(tvb, 0, len)
    finish({e = len}, t.e, "SecPDU")
    local tag = t.tag
    local kname = kind_names[tag]
    item:add(F.kind, tvb(0, 1), kname)
    item:add(F.kind_tag, tvb(0, 1), tag)
    item:append_text(": " .. kname)
    info_cur = kname
    local asso
    if tag <= 1 then
      asso = handshake(tvb, pinfo, item, root, t)
    elseif tag <= 8 then
      asso = notice(tvb, pinfo, item, root, t, tag)
    else
      asso = transfer(tvb, pinfo, item, root, t, tag)
    end
    item:append_text(" assoID " .. asso)
    info_cur = info_cur:gsub("^(%S+)", "%1 " .. asso)
  end)
  if not ok then
    if getmetatable(err) == Bad then
      local off = math.min(err.off, tvb:len())
      local n = math.max(0, math.min(err.len, tvb:len() - off))
      item:add_tvb_expert_info(E.malformed, tvb(off, n), "Malformed SecPDU: " .. err.msg)
    else
      item:add_proto_expert_info(E.malformed, "gridseal dissector failure: " .. tostring(err))
    end
    info_cur = info_cur .. " [malformed]"
  end
  if info_mms then
    info_cur = info_cur .. " (MMS " .. info_mms .. ")"
  end
  info_parts[#info_parts + 1] = info_cur
  pinfo.cols.info = table.concat(info_parts, ", ")
end

-- ---- TCP framing (docs/PROTOCOL.md §9.1) -----------------------------

local function frame_len(tvb, pinfo, off)
  local n = tvb(off, 4):uint()
  if n == 0 or n > MAX_PDU then
    -- not a valid frame: take the rest of the segment and report it
    return tvb:len() - off
  end
  return 4 + n
end

local function dissect_frame(tvb, pinfo, tree)
  pinfo.cols.protocol = "gridseal"
  local n = tvb(0, 4):uint()
  local top = tree:add(gs, tvb(), "gridseal frame")
  local fi = top:add(F.frame_len, tvb(0, 4), n)
  if n == 0 or n > MAX_PDU then
    fi:add_proto_expert_info(E.frame, string.format(
        "frame length %d outside 1..%d: the receiver closes the connection", n, MAX_PDU))
    return tvb:len()
  end
  dissect_secpdu(tvb(4, n):tvb(), pinfo, top, tree)
  pinfo.cols.protocol = "gridseal"
  return 4 + n
end

function gs.dissector(tvb, pinfo, tree)
  if tvb:len() == 0 then
    return 0
  end
  info_parts = {}
  pinfo.cols.info:clear()
  dissect_tcp_pdus(tvb, tree, 4, frame_len, dissect_frame, true)
  return tvb:len()
end

-- A raw SecPDU without the framing (e.g. an exported PDU or another
-- transport's payload): `gridseal.secpdu`.
local gs_raw = Proto("gridseal.secpdu", "gridseal SecPDU (unframed)")
function gs_raw.dissector(tvb, pinfo, tree)
  pinfo.cols.protocol = "gridseal"
  info_parts = {}
  dissect_secpdu(tvb, pinfo, tree, tree)
  return tvb:len()
end

local tcp_table = DissectorTable.get("tcp.port")
local registered_ports = gs.prefs.tcp_ports

local function register_ports(r)
  if r ~= nil and r ~= "" then
    tcp_table:add(r, gs)
  end
end

register_ports(registered_ports)
pcall(function()
  tcp_table:add_for_decode_as(gs)
end)

function gs.prefs_changed()
  if registered_ports ~= gs.prefs.tcp_ports then
    if registered_ports ~= nil and registered_ports ~= "" then
      tcp_table:remove(registered_ports, gs)
    end
    registered_ports = gs.prefs.tcp_ports
    register_ports(registered_ports)
  end
end
