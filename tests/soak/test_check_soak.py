#!/usr/bin/python3
"""The soak's checker must see every kind of violation: a run directory is
written here (manifest, the control center's and the DER's plain lines,
their events), checked clean, then changed one way at a time; each change
must make check_soak.py exit 1 naming the invariant it breaks, and the
accounted-for variants (a loss reported as a gap) must pass."""
import copy
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check_soak.py")
T0 = 1796650000.0


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (
        int(round(t * 1000)) % 1000)


def ev(t, node, event, **kw):
    d = {"v": 1, "time": iso(t), "node": node, "severity": 6, "level": "info", "event": event}
    d.update(kw)
    return d


def base():
    """A clean 60 s run: der1 reports every 0.5 s; a set-point; der1 killed at
    +20 s and back at +22 s, re-associated at +23 s."""
    cc, der1a, der1b = [], [], []
    cc.append((T0 + 0.6, "der1 associated 1:1 with urn:gridseal:der1 (mode aead, "
                         "association #1)"))
    seq = 0
    t = T0 + 1.0
    while t < T0 + 20:
        cc.append((t, "der1 report seq=%d W=1.0 VAr=0.0 Hz=50.000 Wh=1 setpoint=%d "
                      "state=operating" % (seq, 100000 if t < T0 + 10.1 else 50000)))
        seq += 1
        t += 0.5
    cc.append((T0 + 10.0, "der1 set-point 50000 W sent"))
    cc.append((T0 + 10.05, "der1 set-point 50000 W accepted"))
    der1a.append((T0 + 10.04, "der1: set-point 50000 W from urn:gridseal:cc"))
    cc.append((T0 + 23.0, "der1 associated 2:1 with urn:gridseal:der1 (mode aead, "
                          "association #2)"))
    seq, t = 0, T0 + 23.5
    while t < T0 + 59:
        cc.append((t, "der1 report seq=%d W=1.0 VAr=0.0 Hz=50.000 Wh=1 setpoint=100000 "
                      "state=operating" % seq))
        seq += 1
        t += 0.5
    cc.sort()
    samples = [[T0 + i * 2.0, 11000, 8] for i in range(30)]
    run = {
        "seed": 7, "seconds": 60, "transports": ["mqtt"], "faults_enabled": ["der-kill"],
        "t0": T0, "t_end": T0 + 60, "report_ms": 500, "reconnect_max_ms": 1000,
        "ders": {"der1": "mqtt"}, "standing": {}, "plan": {},
        "incarnations": [
            {"proc": "cc", "kind": "cc", "transport": "mqtt", "inc": 1, "start": T0 + 0.5,
             "end": T0 + 60, "out": "cc.out", "events": "cc-events.jsonl", "exit": 0,
             "killed": False, "samples": samples},
            {"proc": "der1", "kind": "der", "transport": "mqtt", "inc": 1, "start": T0,
             "end": T0 + 20.0, "out": "der1-1.out", "events": "der1-1-events.jsonl",
             "exit": -9, "killed": True, "samples": []},
            {"proc": "der1", "kind": "der", "transport": "mqtt", "inc": 2, "start": T0 + 22.0,
             "end": T0 + 60, "out": "der1-2.out", "events": "der1-2-events.jsonl", "exit": 0,
             "killed": False, "samples": []},
        ],
        "faults": [{"kind": "der-kill", "target": "der1", "at": 20.0, "down_ms": 2000,
                    "start": T0 + 20.0, "end": T0 + 22.0, "affected": ["der1"],
                    "recovered": {"der1": 1.5}}],
        "setpoints": [], "servers": [],
    }
    events = {"cc-events.jsonl": [ev(T0 + 0.6, "cc", "handshake-ok", assoc="1:1"),
                                  ev(T0 + 10.0, "cc", "setpoint-sent", assoc="1:1",
                                     fields={"der": "der1", "object": "WMaxSpt",
                                             "value": "50000", "invoke_id": 1}),
                                  ev(T0 + 20.1, "cc", "association-lost", assoc="1:1"),
                                  ev(T0 + 23.0, "cc", "handshake-ok", assoc="2:1")],
              "der1-1-events.jsonl": [], "der1-2-events.jsonl": []}
    return {"run": run, "cc": cc, "der1a": der1a, "der1b": [], "events": events}


def write(d, r):
    os.makedirs(d, exist_ok=True)
    run = copy.deepcopy(r["run"])
    for inc in run["incarnations"]:
        inc["out"] = os.path.join(d, inc["out"])
        inc["events"] = os.path.join(d, inc["events"])
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(run, f)
    for name, ls in (("cc.out", r["cc"]), ("der1-1.out", r["der1a"]), ("der1-2.out", r["der1b"])):
        with open(os.path.join(d, name), "w") as f:
            for t, text in sorted(ls):
                f.write("%s %s\n" % (iso(t), text))
    for name, evs in r["events"].items():
        with open(os.path.join(d, name), "w") as f:
            for e in evs:
                f.write(json.dumps(e) + "\n")


def check(d):
    p = subprocess.run([sys.executable, CHECK, d], capture_output=True, text=True)
    return p.returncode, p.stdout


def main():
    top = tempfile.mkdtemp(prefix="gs-checksoak.")
    failures = []
    try:
        def case(name, mutate, want):
            r = base()
            mutate(r)
            d = os.path.join(top, name)
            write(d, r)
            rc, out = check(d)
            if want is None:
                ok = rc == 0
            else:
                ok = rc == 1 and ("VIOLATION " + want) in out
            print("%-26s %s" % (name, "ok" if ok else "WRONG"))
            if not ok:
                failures.append(name)
                print(out)

        def dup(r):
            r["cc"].append((T0 + 5.01, r["cc"][5][1]))

        def early(r):
            r["cc"].append((T0 + 1.2, "der1 report seq=900 W=1.0 VAr=0.0 Hz=50.000 Wh=1 "
                                      "setpoint=100000 state=operating"))

        def forged_sp(r):
            r["der1a"].append((T0 + 15.0, "der1: set-point 70000 W from urn:gridseal:cc"))

        def late_line(r):
            # the transport returned (and the plain line came) after the DER
            # applied it: the event's time counts
            r["cc"] = [(T0 + 13.0, x) if x.endswith(" W sent") else (t, x) for t, x in r["cc"]]

        def sent_unrecorded(r):
            r["events"]["cc-events.jsonl"] = [e for e in r["events"]["cc-events.jsonl"]
                                              if e["event"] != "setpoint-sent"]

        def twice(r):
            r["der1a"].append((T0 + 15.0, "der1: set-point 50000 W from urn:gridseal:cc"))

        def never_applied(r):
            r["cc"] = [(t, x.replace("setpoint=50000", "setpoint=60000")) for t, x in r["cc"]]

        def hole(r):
            r["cc"] = [(t, x) for t, x in r["cc"] if " seq=7 " not in x or t > T0 + 22]

        def hole_gapped(r):
            hole(r)
            r["events"]["cc-events.jsonl"].append(
                ev(T0 + 5.0, "cc", "gap", assoc="1:1", fields={"count": 1}))

        def silent_end(r):
            r["events"]["cc-events.jsonl"] = [e for e in r["events"]["cc-events.jsonl"]
                                              if e["event"] != "association-lost"]
            r["run"]["faults"] = []
            # the same DER run on both associations, with reports lost between
            r["run"]["incarnations"][1]["end"] = T0 + 60
            r["run"]["incarnations"][1]["killed"] = False
            r["run"]["incarnations"][1]["exit"] = 0
            del r["run"]["incarnations"][2]
            r["cc"] = [(t, x) if t < T0 + 22 else
                       (t, re.sub(r"seq=(\d+)", lambda mm: "seq=%d" % (int(mm.group(1)) + 45),
                                  x)) for t, x in r["cc"]]

        def no_recovery(r):
            r["cc"] = [(t, x) for t, x in r["cc"] if t < T0 + 20 or "report" not in x]

        def clock_ahead(r):
            # der1's clock runs 30 s ahead: after its restart at +22 s it
            # cannot associate before +52 s (the D18 floor); back at +53 s
            r["run"]["standing"] = {"clock": "der1"}
            r["run"]["clock_offset_ms"] = 30000
            r["der1a"] = [(t + 30.0, x) for t, x in r["der1a"]]  # its own clock
            late(r)

        def late(r):
            # der1's second association only at +52.6 s, 30.6 s after its restart
            r["cc"] = [(t, x) for t, x in r["cc"] if t < T0 + 20]
            r["cc"].append((T0 + 52.6, "der1 associated 2:1 with urn:gridseal:der1 (mode aead, "
                                       "association #2)"))
            seq, t = 0, T0 + 53.0
            while t < T0 + 59:
                r["cc"].append((t, "der1 report seq=%d W=1.0 VAr=0.0 Hz=50.000 Wh=1 "
                                   "setpoint=100000 state=operating" % seq))
                seq += 1
                t += 0.5
            r["events"]["cc-events.jsonl"][-1]["time"] = iso(T0 + 52.6)

        def leak(r):
            for i, s in enumerate(r["run"]["incarnations"][0]["samples"]):
                s[1] = 11000 + i * 400
                s[2] = 8 + i // 3

        def integrity(r):
            r["events"]["der1-2-events.jsonl"].append(
                ev(T0 + 30.0, "der1", "integrity-failure", assoc="2:1", severity=3,
                   level="error", diag="GS_ERR_INTEGRITY"))

        def crashed(r):
            r["run"]["incarnations"][2]["exit"] = -11

        def bad_event(r):
            r["events"]["cc-events.jsonl"].append({"v": 1, "event": "no-such-event"})

        case("clean", lambda r: None, None)
        case("loss-reported-as-gap", hole_gapped, None)
        case("duplicate-report", dup, "duplicate")
        case("report-not-yet-sent", early, "delivered-not-sent")
        case("setpoint-never-sent", forged_sp, "delivered-not-sent")
        case("setpoint-line-after-apply", late_line, None)
        case("setpoint-without-event", sent_unrecorded, "delivered-not-sent")
        case("setpoint-applied-twice", twice, "duplicate")
        case("report-setpoint-unknown", never_applied, "delivered-not-sent")
        case("loss-without-gap", hole, "unaccounted-loss")
        case("loss-without-ending", silent_end, "unaccounted-loss")
        case("no-recovery", no_recovery, "recovery")
        case("recovery-clock-ahead", clock_ahead, None)
        case("recovery-late", late, "recovery")
        case("rss-and-fd-growth", leak, "growth")
        case("integrity-failure", integrity, "forged")
        case("crash", crashed, "exit")
        case("event-off-schema", bad_event, "events")
    finally:
        shutil.rmtree(top, ignore_errors=True)
    if failures:
        print("check_soak.py missed: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
