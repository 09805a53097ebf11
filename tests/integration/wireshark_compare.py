#!/usr/bin/env python3
"""Compare `gridseal inspect --pcap --json` with the Wireshark dissector.

usage: wireshark_compare.py INSPECT.jsonl DISSECTOR.txt FIELD...

DISSECTOR.txt is `tshark -T fields -E separator='|' -E occurrence=a
-e frame.number -e gridseal.FIELD...` over the same capture. inspect's
records are grouped by frame; list values and the values of several PDUs
in one frame are joined with ',' as tshark does, booleans are 1/0. Every
frame and field must match. Exit 1 (with the differences) otherwise.
"""
import json, sys
jpath, dpath, fields = sys.argv[1], sys.argv[2], sys.argv[3:]
frames = {}
order = []
for line in open(jpath):
    rec = json.loads(line)
    if rec["frame"] not in frames:
        frames[rec["frame"]] = []
        order.append(rec["frame"])
    frames[rec["frame"]].append(rec)
def val(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)
got = []
for fr in order:
    row = [str(fr)]
    for f in fields:
        vals = []
        for rec in frames[fr]:
            v = rec.get(f)
            if v is None:
                continue
            vals.extend(val(x) for x in v) if isinstance(v, list) else vals.append(val(v))
        row.append(",".join(vals))
    got.append("|".join(row))
want = [l.rstrip("\n") for l in open(dpath)]
bad = 0
for i, (g, w) in enumerate(zip(got, want)):
    if g != w:
        gs, ws = g.split("|"), w.split("|")
        for f, a, b in zip(["frame"] + fields, gs, ws):
            if a != b:
                print("frame %s field %s: inspect '%s', dissector '%s'" % (gs[0], f, a[:80], b[:80]))
        bad += 1
if len(got) != len(want):
    print("inspect gave %d frames with PDUs, the dissector %d" % (len(got), len(want)))
    bad += 1
print("compared %d frames, %d fields each" % (len(want), len(fields)))
sys.exit(1 if bad else 0)
