#!/usr/bin/python3
"""Check the invariants of a chaos-soak run (tests/soak/soak.py) over its run
directory: the manifest the driver wrote (processes, faults, samples), the
control centers' plain lines (every report with its sequence number, every
association, every set-point sent and its outcome), the DERs' plain lines
(every set-point applied) and every event file.

  check_soak.py [--bound SECONDS] [--strict-outcomes] RUNDIR

Invariants (docs/RELIABILITY.md):
  delivered-not-sent  no report whose sequence number its DER could not yet
                      have sent, of a DER run that did not exist, or whose
                      set-point the control center never sent; no set-point
                      applied that no control center sent
  duplicate           no report delivered twice (same DER run, same
                      sequence number), no set-point applied more often than
                      sent
  unaccounted-loss    every missing report is a reported gap on its
                      association, or falls where an association ended with
                      an event (lost, aborted, timed out, released) or a fault
                      killed one end, or went to another association of the
                      DER that ended by itself with an event (not half-open)
  recovery            after each fault, every DER it touched delivers reports
                      again within --bound seconds
  growth              RSS and open fds of every process that lived through
                      the run: the linear fit over the second half of its
                      samples grows by less than the threshold
  forged              no integrity-failure or bad-signature event anywhere
  exit                every process the soak did not kill exited with 0
  events              every event file matches docs/events.schema.json
  standing            the full-disk DER said its events are being lost and
                      kept reporting; the limited DER and the DER with its
                      clock offset kept reporting
Prints the figures of the run and one line per violation; exit 1 if any.
"""
import argparse
import calendar
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK_EVENTS = os.path.join(HERE, "..", "integration", "check_events.py")
RSS_GROWTH_KB = 4096  # fitted growth over the second half of a run, at most
RSS_GROWTH_FRAC = 0.10
FD_GROWTH = 2.0
MAX_ASSOC = 2  # max_assoc_per_peer: a DER's report counter runs over all its associations
ENDING_EVENTS = {"association-lost", "abort-sent", "abort-received", "released",
                 "handshake-failed", "association-aborted", "peer-invalid", "reassociating",
                 "transport-down"}

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$")
ASSOC = re.compile(r"^(der\d+) associated (\d+:\d+) with ")
REPORT = re.compile(r"^(der\d+) report seq=(\d+) .* setpoint=(\d+) state=")
SP_OUT = re.compile(r"^(der\d+) set-point (\d+) W (accepted|refused|timed out|lost|failed)")
DER_SP = re.compile(r"^(der\d+): set-point (\d+) W from ")


def ts(s):
    """RFC 3339 UTC with milliseconds -> seconds since the epoch."""
    base, ms = s[:19], int(s[20:23])
    return calendar.timegm((int(base[0:4]), int(base[5:7]), int(base[8:10]), int(base[11:13]),
                            int(base[14:16]), int(base[17:19]), 0, 0, 0)) + ms / 1000.0


def lines(path):
    try:
        with open(path, errors="replace") as f:
            for ln in f:
                m = LINE.match(ln.rstrip("\n"))
                if m:
                    yield ts(m.group(1)), m.group(2)
    except OSError:
        return


def events(path):
    out = []
    try:
        with open(path, errors="replace") as f:
            for ln in f:
                try:
                    out.append(json.loads(ln))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def fit_growth(samples, col):
    """Growth over the second half of the samples by a least-squares line."""
    half = samples[len(samples) // 2:]
    if len(half) < 5:
        return None
    xs = [s[0] for s in half]
    ys = [s[col] for s in half]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return slope * (xs[-1] - xs[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bound", type=float, default=15.0,
                    help="seconds after a fault within which reports must resume")
    ap.add_argument("--strict-outcomes", action="store_true",
                    help="a set-point sent without an outcome is a violation")
    ap.add_argument("run")
    a = ap.parse_args()
    m = json.load(open(os.path.join(a.run, "manifest.json")))
    bad = []

    def fail(kind, msg):
        bad.append("%s: %s" % (kind, msg))

    # event files (the full file system's were copied out by the driver)
    for inc in m["incarnations"]:
        if not os.path.exists(inc["events"]):
            alt = os.path.join(a.run, "fullfs-" + os.path.basename(inc["events"]))
            inc["events"] = alt
    evfiles = [i["events"] for i in m["incarnations"] if os.path.exists(i["events"])]
    rc = subprocess.run(["/usr/bin/python3", CHECK_EVENTS, "--allow-empty"] + evfiles).returncode
    if rc != 0:
        fail("events", "event files that do not match docs/events.schema.json")

    interval = m["report_ms"] / 1000.0
    der_incs = {}
    for inc in m["incarnations"]:
        if inc["kind"] == "der":
            der_incs.setdefault(inc["proc"], []).append(inc)
        if not inc["killed"] and inc["exit"] != 0:
            fail("exit", "%s (%s) run %d exited with %s (see %s)" % (
                inc["proc"], inc["transport"], inc["inc"], inc["exit"], inc["out"]))
    fault_times = [(f["start"], f["end"]) for f in m["faults"]]

    def der_run(der, t):
        """The DER run (incarnation) alive at time t."""
        best = None
        for i in der_incs.get(der, []):
            if i["start"] <= t + 0.5 and (i["end"] is None or t <= i["end"] + 0.5):
                best = i
        return best

    # what the DERs applied
    applied = {}
    for der, incs in der_incs.items():
        # the clock DER's lines carry its shifted time
        off = m.get("clock_offset_ms", 0) / 1000.0 if m["standing"].get("clock") == der else 0
        for inc in incs:
            for t, text in lines(inc["out"]):
                mm = DER_SP.match(text)
                if mm and mm.group(1) == der:
                    applied.setdefault(der, []).append((t - off, int(mm.group(2))))

    # the DERs' associations (their own events): assoc -> [start, end, ended by itself]
    der_assocs = {}
    for der, incs in der_incs.items():
        off = m.get("clock_offset_ms", 0) / 1000.0 if m["standing"].get("clock") == der else 0
        for inc in incs:
            live = {}
            for ev in events(inc["events"]):
                if "assoc" not in ev or "time" not in ev:
                    continue
                t = ts(ev["time"]) - off
                if ev["event"] == "handshake-ok":
                    live[ev["assoc"]] = [t, None, False]
                elif ev["event"] in ENDING_EVENTS and ev["assoc"] in live and \
                        live[ev["assoc"]][1] is None:
                    end = inc["end"] if inc["end"] is not None else m["t_end"]
                    live[ev["assoc"]][1] = t
                    # a release at the soak's end is not the association ending by itself
                    live[ev["assoc"]][2] = t < min(end, m["t_end"]) - 1.0
            der_assocs[(der, inc["inc"])] = live

    def elsewhere(der, run, assoc, t0, t1):
        """Another association of this DER run live between t0 and t1: (assoc, ended by itself)."""
        for a_, (s_, e_, own) in der_assocs.get((der, run), {}).items():
            if a_ != assoc and s_ <= t1 and (e_ is None or e_ >= t0):
                return a_, own
        return None

    # the control centers' view
    reports = []  # (time, der, run inc no., cc inc key, assoc, seq, setpoint)
    sent_sp, outcomes = {}, {}
    assoc_end = {}  # (cc key, assoc) -> the cc event that ended it
    gaps = {}
    forged = 0
    for inc in m["incarnations"]:
        for ev in events(inc["events"]):
            if ev.get("event") in ("integrity-failure", "bad-signature"):
                forged += 1
                fail("forged", "%s: %s %s" % (os.path.basename(inc["events"]), ev["event"],
                                              ev.get("assoc", "")))
        if inc["kind"] != "cc":
            continue
        key = "%s-%d" % (inc["transport"], inc["inc"])
        for ev in events(inc["events"]):
            if ev.get("event") == "gap" and "assoc" in ev:
                gaps[(key, ev["assoc"])] = gaps.get((key, ev["assoc"]), 0) + int(
                    ev.get("fields", {}).get("count", 0))
            if ev.get("event") in ENDING_EVENTS and "assoc" in ev:
                assoc_end.setdefault((key, ev["assoc"]), ev["event"])
            # a set-point's time is its event's: the moment it went to the
            # transport (the plain line follows the transport's return, which
            # over AMQP waits for the broker's confirmation)
            f = ev.get("fields", {})
            if ev.get("event") == "setpoint-sent" and "der" in f and "value" in f:
                sent_sp.setdefault(f["der"], []).append((ts(ev["time"]), int(f["value"])))
        cur = {}
        for t, text in lines(inc["out"]):
            mm = ASSOC.match(text)
            if mm:
                cur[mm.group(1)] = (mm.group(2), der_run(mm.group(1), t))
                continue
            mm = REPORT.match(text)
            if mm:
                der = mm.group(1)
                assoc, run = cur.get(der, (None, None))
                if run is None:
                    fail("delivered-not-sent", "%s report seq=%s at %s on no association of a "
                         "running DER (%s)" % (der, mm.group(2), t, inc["out"]))
                    continue
                reports.append((t, der, run["inc"], key, assoc, int(mm.group(2)),
                                int(mm.group(3)), inc["killed"]))
                continue
            mm = SP_OUT.match(text)
            if mm:
                outcomes.setdefault(mm.group(1), []).append((t, int(mm.group(2)), mm.group(3)))

    # set-points: applied only what was sent, never more often
    rating = 100000
    for der, lst in applied.items():
        for t, w in lst:
            n_sent = sum(1 for ts_, v in sent_sp.get(der, []) if v == w and ts_ <= t + 0.5)
            n_app = sum(1 for ts_, v in lst if v == w and ts_ <= t)
            if n_sent == 0:
                fail("delivered-not-sent", "%s applied set-point %d W that no control center "
                     "sent" % (der, w))
            elif n_app > n_sent:
                fail("duplicate", "%s applied set-point %d W %d times, sent %d" % (
                    der, w, n_app, n_sent))
    no_outcome = 0
    for der, lst in sent_sp.items():
        for t, w in lst:
            if not any(v == w and to >= t - 0.001 for to, v, _ in outcomes.get(der, [])):
                no_outcome += 1
                if a.strict_outcomes:
                    fail("outcome", "%s set-point %d W sent at %.3f has no outcome" % (der, w, t))

    # reports: sent before delivered, once, and every loss accounted for
    seen = {}
    per_run = {}
    for r in reports:
        t, der, run, key, assoc, seq, spt, _ = r
        inc = der_incs[der][run - 1]
        if seq > MAX_ASSOC * (t - inc["start"]) / interval + 4:
            fail("delivered-not-sent", "%s run %d: report seq=%d at %.3f, %.1f s after the DER "
                 "started (it could have sent %d)" % (der, run, seq, t, t - inc["start"],
                                                       MAX_ASSOC * (t - inc["start"]) / interval))
        if spt != rating and not any(v == spt for _, v in applied.get(der, [])):
            fail("delivered-not-sent", "%s report seq=%d carries set-point %d W that it never "
                 "applied" % (der, seq, spt))
        k = (der, run, seq)
        if k in seen:
            fail("duplicate", "%s run %d: report seq=%d delivered twice (%s, %s)" % (
                der, run, seq, seen[k], key))
        seen[k] = key
        per_run.setdefault((der, run), []).append(r)
    lost = gapped = ended = 0
    unacc = 0
    half_open = set()
    for (der, run), rs in per_run.items():
        rs.sort(key=lambda r: r[5])
        in_assoc = {}
        for prev, nxt in zip(rs, rs[1:]):
            miss = nxt[5] - prev[5] - 1
            if miss <= 0:
                continue
            lost += miss
            if (prev[3], prev[4]) == (nxt[3], nxt[4]):
                other = elsewhere(der, run, prev[4], prev[0], nxt[0])
                if other is None:
                    in_assoc[(prev[3], prev[4])] = in_assoc.get((prev[3], prev[4]), 0) + miss
                elif other[1]:
                    ended += miss  # sent on another association, which ended with an event
                else:
                    unacc += miss
                    half_open.add((der, run, other[0]))
                continue
            # across two associations: the first must have ended visibly
            why = assoc_end.get((prev[3], prev[4]))
            if why is None and prev[7]:
                why = "control center killed"
            if why is None and any(s <= nxt[0] and e >= prev[0] for s, e in fault_times):
                why = "fault"
            if why is None:
                unacc += miss
                fail("unaccounted-loss", "%s run %d: %d reports lost between seq=%d (%s %s) and "
                     "seq=%d (%s %s) with no event ending the first association" % (
                         der, run, miss, prev[5], prev[3], prev[4], nxt[5], nxt[3], nxt[4]))
            else:
                ended += miss
        for (key, assoc), miss in in_assoc.items():
            g = gaps.get((key, assoc), 0)
            gapped += min(g, miss)
            if miss > g:
                unacc += miss - g
                fail("unaccounted-loss", "%s run %d: %d reports lost on association %s (%s), "
                     "%d reported as gaps" % (der, run, miss, assoc, key, g))

    for der, run, assoc in sorted(half_open):
        fail("unaccounted-loss", "%s run %d: reports went to association %s, which never ended "
             "by itself (half-open: its peer was gone)" % (der, run, assoc))

    # recovery after every fault
    longest = 0.0
    by_kind = {}
    # The DER whose clock runs ahead of the control center's by L drops, for
    # L after each of its starts, every handshake request as signed before
    # it started (docs/PROTOCOL.md "After a restart", D18): a recovery that
    # falls into that time may take until L + bound after the start.
    ahead = m.get("clock_offset_ms", 0) / 1000.0
    clock_der = m.get("standing", {}).get("clock")
    floored = []
    for i, f in enumerate(m["faults"], 1):
        by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + 1
        for der in f["affected"]:
            first = min((r[0] for r in reports if r[1] == der and r[0] >= f["end"]), default=None)
            until = f["end"] + a.bound
            run = der_run(der, f["end"])
            if der == clock_der and ahead > 0 and run is not None:
                until = max(until, run["start"] + ahead + a.bound)
            if first is None or first > until:
                fail("recovery", "fault %d (%s %s at +%.1f s): %s delivered no report within "
                     "%.1f s of its end%s" % (i, f["kind"], f["target"], f["start"] - m["t0"],
                                              der, until - f["end"], "" if first is None else
                                              " (after %.1f s)" % (first - f["end"])))
            elif first - f["end"] > a.bound:
                floored.append("%s %.1f s after fault %d" % (der, first - f["end"], i))
            elif first - f["end"] > longest:
                longest = first - f["end"]

    # growth of RSS and fds of the processes that lived through the run
    span = m["t_end"] - m["t0"]
    grown = []
    for inc in m["incarnations"]:
        s = inc["samples"]
        if inc["killed"] or len(s) < 10 or s[-1][0] - s[0][0] < span / 2:
            continue
        name = "%s(%s)" % (inc["proc"], inc["transport"])
        g_rss, g_fd = fit_growth(s, 1), fit_growth(s, 2)
        if g_rss is None:
            continue
        med = sorted(x[1] for x in s)[len(s) // 2]
        grown.append("%s rss %+.0f kB fds %+.1f" % (name, g_rss, g_fd))
        if g_rss > max(RSS_GROWTH_KB, RSS_GROWTH_FRAC * med):
            fail("growth", "%s: RSS grew %.0f kB over the second half (median %d kB)" % (
                name, g_rss, med))
        if g_fd > FD_GROWTH:
            fail("growth", "%s: open fds grew %.1f over the second half" % (name, g_fd))

    # the standing conditions
    st = m.get("standing", {})
    if "fullfs" in st:
        d = st["fullfs"]
        said = False
        for i in der_incs.get(d, []):  # a stderr line: no time stamp
            try:
                with open(i["out"], errors="replace") as f:
                    said = said or any("events: cannot write" in ln for ln in f)
            except OSError:
                pass
        if not said:
            fail("standing", "%s (event log on a full file system) never said its events are "
                 "lost" % d)
        if not any(r[1] == d for r in reports if r[0] > m["t_end"] - span / 2):
            fail("standing", "%s (event log on a full file system) stopped reporting" % d)
    if "clock" in st:
        d = st["clock"]
        if not any(r[1] == d for r in reports if r[0] > m["t_end"] - span / 2):
            fail("standing", "%s (clock offset %+d ms) stopped reporting" % (
                d, m.get("clock_offset_ms", 0)))
    if "ulimit" in st:
        d = st["ulimit"]
        if not any(r[1] == d for r in reports if r[0] > m["t_end"] - span / 2):
            fail("standing", "%s (memory and fd limits) stopped reporting" % d)

    print("soak seed %d: %d s, transports %s" % (m["seed"], round(span), ",".join(m["transports"])))
    print("  faults: %s; standing: %s" % (
        ", ".join("%s=%d" % kv for kv in sorted(by_kind.items())) or "none",
        ", ".join("%s on %s%s" % (k, v, " (%+d ms)" % m["clock_offset_ms"] if k == "clock"
                                   else "") for k, v in sorted(st.items())) or "none"))
    print("  reports delivered %d, lost %d (%d as gaps, %d where an association ended, "
          "%d unaccounted), duplicates %d" % (
              len(reports), lost, gapped, ended, unacc,
              len(reports) - len(seen)))
    print("  set-points sent %d, applied %d, without outcome %d; forged %d" % (
        sum(len(x) for x in sent_sp.values()), sum(len(x) for x in applied.values()),
        no_outcome, forged))
    print("  recoveries %d, longest %.1f s (bound %.0f s)" % (
        sum(len(f["affected"]) for f in m["faults"]), longest, a.bound))
    if floored:
        print("  recoveries within the clock-ahead time of %s (+%.0f s, D18): %s" % (
            clock_der, ahead, ", ".join(floored)))
    if grown:
        print("  growth over the second half: " + "; ".join(grown))
    for b in bad[:50]:
        print("VIOLATION " + b)
    if len(bad) > 50:
        print("... and %d more violations" % (len(bad) - 50))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
