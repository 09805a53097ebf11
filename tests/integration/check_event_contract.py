#!/usr/bin/env python3
"""The event contract stays in step: the type names in apps/event_types.c,
the "event" enum of docs/events.schema.json and the type table of
docs/EVENTS.md are the same set; and check_events.py refuses each kind of
bad line. Usage: check_event_contract.py SOURCE_DIR"""
import json
import os
import re
import subprocess
import sys
import tempfile

src = sys.argv[1]
fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


table = set(re.findall(r'^\s*\{"([a-z0-9-]+)", GS_SEV_',
                       open(os.path.join(src, "apps/event_types.c")).read(), re.M))
schema = json.load(open(os.path.join(src, "docs/events.schema.json")))
enum = set(schema["properties"]["event"]["enum"])
doc = open(os.path.join(src, "docs/EVENTS.md")).read()
doc = doc[doc.index("## Event types"):]
docs = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, re.M))
if not table:
    fail("no types found in apps/event_types.c")
for name, other in (("the schema's enum", enum), ("docs/EVENTS.md", docs)):
    if other != table:
        fail(f"{name} differs from apps/event_types.c: only in the table "
             f"{sorted(table - other)}, only in {name} {sorted(other - table)}")

good = {"v": 1, "time": "2026-12-07T10:00:00.250Z", "node": "cc", "severity": 4,
        "level": "warning", "event": "handshake-failed", "assoc": "12:345",
        "peer": "urn:gridseal:der1", "diag": "GS_ERR_CERT_REVOKED", "diag_code": -308,
        "cert": {"subject": "CN=der1", "serial": "0A1B", "sha256": "ab" * 32},
        "fields": {"error": "GS_ERR_CERT_REVOKED", "count": 3}}
bad = {
    "unknown event": dict(good, event="no-such-event"),
    "missing v": {k: v for k, v in good.items() if k != "v"},
    "wrong v": dict(good, v=2),
    "bad sha256": dict(good, cert={"sha256": "AB" * 32}),
    "extra member": dict(good, detail="free text"),
    "severity/level mismatch": dict(good, severity=6),
    "diag_code without diag": {k: v for k, v in good.items() if k != "diag"},
    "bad time": dict(good, time="2026-12-07 10:00:00"),
    "bad field key": dict(good, fields={"Bad-Key": "x"}),
    "negative field number": dict(good, fields={"count": -1}),
    "bad assoc": dict(good, assoc="x"),
}
check = [sys.executable, os.path.join(src, "tests/integration/check_events.py"),
         "--schema", os.path.join(src, "docs/events.schema.json")]
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "good.jsonl")
    with open(p, "w") as f:
        f.write(json.dumps(good) + "\n")
    r = subprocess.run(check + [p], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"a good line is refused: {r.stdout}")
    for why, ev in bad.items():
        p = os.path.join(d, "bad.jsonl")
        with open(p, "w") as f:
            f.write(json.dumps(good) + "\n" + json.dumps(ev) + "\n")
        r = subprocess.run(check + [p], capture_output=True, text=True)
        if r.returncode != 1 or ":2:" not in r.stdout:
            fail(f"{why}: not refused at line 2 (rc {r.returncode}): {r.stdout}")
    p = os.path.join(d, "empty.jsonl")
    open(p, "w").close()
    if subprocess.run(check + [p], capture_output=True).returncode != 1:
        fail("an empty file passes without --allow-empty")
    if subprocess.run(check + ["--allow-empty", p], capture_output=True).returncode != 0:
        fail("an empty file fails with --allow-empty")
    with open(p, "w") as f:
        f.write("{not json\n")
    if subprocess.run(check + [p], capture_output=True).returncode != 1:
        fail("a line that is not JSON passes")

print(f"{len(table)} types; {len(bad)} bad lines; {fails} failure(s)")
sys.exit(1 if fails else 0)
