#!/usr/bin/python3
"""The chaos soak: a control center and DERs over XMPP (Prosody), MQTT
(Mosquitto) and AMQP (RabbitMQ) at once, under faults drawn from a seed.

  soak.py --gridseal PATH [--seed N] [--minutes M | --seconds S] [--work DIR]
          [--transports xmpp,mqtt,amqp] [--faults KIND,...] [--keep]

Faults (docs/RELIABILITY.md): der-kill, cc-kill, server-kill (SIGKILL, then
a restart after a drawn down time), netcut (`ip link set lo down` for a drawn
time inside the network namespace the soak runs in), and two standing
conditions on one DER each: fullfs (its event log on a full 64 KiB tmpfs,
mounted in the soak's own mount namespace), ulimit (RLIMIT_AS and
RLIMIT_NOFILE, as `ulimit -v` / `ulimit -n`) and clock (its wall clock, the
time argument of its engine, offset by a drawn 20 s .. 4 min either way
through the clockshift.so preload, --clockshift).

The whole run happens in a new network and mount namespace (unshare): the
servers, the control centers and the DERs see only that namespace's
loopback, and nothing of the host's network or mounts is touched.

The schedule is a function of the seed alone: the same seed draws the same
faults, targets, down times and offsets (an offset is "not before": a fault
waits for the previous one's recovery). After the run, check_soak.py checks
the invariants over the run directory; a failing run prints its seed and the
command that repeats it. Ports: 21200-21299.
"""
import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
PORTS = {"xmpp": 21222, "mqtt": 21283, "amqp": 21271}
AMQP_DIST, AMQP_EPMD = 21272, 21273
DERS = {"xmpp": ["der1", "der2"], "mqtt": ["der3", "der4"], "amqp": ["der5", "der6"]}
REPORT_MS = 500
RECONNECT_MAX_MS = 1000
REKEY_S = 20  # the control centers run a key update on every association this often
ALL_FAULTS = ["der-kill", "cc-kill", "server-kill", "netcut", "fullfs", "ulimit", "clock"]
TIMED = {"der-kill": 5, "cc-kill": 2, "server-kill": 2, "netcut": 2}  # weights
ULIMIT_AS = 64 << 20  # bytes of address space for the ulimit DER (it peaks near 19 MiB)
ULIMIT_NOFILE = 16  # it holds 8 open


def now_iso(t=None):
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def log(msg):
    print("%s soak: %s" % (now_iso(), msg), flush=True)


def draw_schedule(seed, seconds, transports, faults):
    """Everything random in a run, from the seed alone."""
    rng = random.Random(seed)
    ders = [d for t in transports for d in DERS[t]]
    timed = [k for k in TIMED if k in faults]
    plan = {"standing": {}, "faults": []}
    # the standing conditions go to DERs that are never killed
    spare = list(ders)
    rng.shuffle(spare)
    for k in ("fullfs", "ulimit", "clock"):
        if k in faults and spare:
            plan["standing"][k] = spare.pop()
    # the clock offset of the "clock" DER: up to 4 min either way (inside the
    # configured time_tolerance of 10 min)
    plan["clock_offset_ms"] = rng.choice([-1, 1]) * rng.randint(20000, 240000)
    t = 10.0 + rng.uniform(0, 3)
    while timed and t < seconds - 15:
        kind = rng.choices(timed, weights=[TIMED[k] for k in timed])[0]
        f = {"kind": kind, "at": round(t, 3), "down_ms": rng.randint(300, 2500)}
        if kind == "der-kill":  # never one of the standing conditions' DERs
            f["target"] = rng.choice([d for d in ders if d not in plan["standing"].values()])
        elif kind in ("cc-kill", "server-kill"):
            f["target"] = rng.choice(transports)
        else:
            f["target"] = "lo"
        plan["faults"].append(f)
        t += rng.uniform(6, 14)
    # set-points the control centers send (value per DER), at drawn offsets
    plan["setpoints"] = []
    t = 5.0
    while t < seconds - 5:
        plan["setpoints"].append(
            {"at": round(t, 3), "der": rng.choice(ders), "w": rng.randrange(1000, 90000, 100)})
        t += rng.uniform(3, 8)
    return plan


class Proc:
    """One long-lived program (a DER, a control center); each start is an incarnation."""

    def __init__(self, soak, name, kind, transport):
        self.soak, self.name, self.kind, self.transport = soak, name, kind, transport
        self.p = None
        self.incs = []
        self.limits = None

    def start(self):
        s = self.soak
        n = len(self.incs) + 1
        base = os.path.join(s.work, "%s-%s-%d" % (self.name, self.transport, n))
        events = base + "-events.jsonl"
        if self.name == s.plan["standing"].get("fullfs"):
            events = os.path.join(s.fullfs, "%s-%d-events.jsonl" % (self.name, n))
        if self.kind == "der":
            cmd = [s.g, "der", "--config", os.path.join(s.pki, self.name + ".conf"),
                   "--transport", self.transport, "--events", events]
        else:
            left = max(5, int(s.t_end - time.time()))
            cmd = [s.g, "cc", "--config", os.path.join(s.pki, "cc-%s.conf" % self.transport),
                   "--transport", self.transport, "--events", events, "--run-for", str(left)]
            if s.a.rekey_after > 0:
                cmd += ["--rekey-after", str(s.a.rekey_after)]
        out = open(base + ".out", "wb")
        lim = self.limits
        env = dict(os.environ)
        if self.kind == "der" and self.name == s.plan["standing"].get("clock"):
            env["LD_PRELOAD"] = s.a.clockshift
            env["GS_SOAK_CLOCK_OFFSET_MS"] = str(s.plan["clock_offset_ms"])

        def pre():
            os.setsid()
            if lim:
                resource.setrlimit(resource.RLIMIT_AS, (lim[0], lim[0]))
                resource.setrlimit(resource.RLIMIT_NOFILE, (lim[1], lim[1]))

        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE if self.kind == "cc" else
                                  subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  preexec_fn=pre, cwd=s.pki, env=env)
        out.close()
        self.incs.append({"proc": self.name, "kind": self.kind, "transport": self.transport,
                          "inc": n, "pid": self.p.pid, "start": time.time(), "end": None,
                          "out": base + ".out", "events": events, "cmd": cmd, "exit": None,
                          "killed": False, "samples": []})

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def kill(self):
        if self.alive():
            self.p.kill()
            self.incs[-1]["killed"] = True
        self.reap()

    def reap(self, timeout=None):
        if self.p is None:
            return
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        inc = self.incs[-1]
        inc["end"], inc["exit"] = time.time(), rc
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass
        self.p = None

    def command(self, line):
        if self.alive() and self.p.stdin:
            try:
                self.p.stdin.write((line + "\n").encode())
                self.p.stdin.flush()
                return True
            except OSError:
                return False
        return False

    def sample(self):
        if not self.alive():
            return
        pid = self.p.pid
        try:
            with open("/proc/%d/status" % pid) as f:
                rss = next(int(x.split()[1]) for x in f if x.startswith("VmRSS:"))
            fds = len(os.listdir("/proc/%d/fd" % pid))
        except (OSError, StopIteration):
            return
        self.incs[-1]["samples"].append([round(time.time(), 3), rss, fds])


class Soak:
    def __init__(self, a):
        self.a = a
        self.g = os.path.abspath(a.gridseal)
        self.seed = a.seed
        self.seconds = a.seconds
        self.transports = a.transports
        self.faults = a.faults
        self.plan = draw_schedule(self.seed, self.seconds, self.transports, self.faults)
        self.work = a.work
        self.pki = os.path.join(self.work, "pki")
        self.run = {}
        self.fullfs = os.path.join(self.work, "fullfs")
        self.procs = {}
        self.log = {"faults": [], "setpoints": [], "servers": []}

    # ---------------------------------------------------------- the fleet
    def setup(self):
        os.makedirs(self.work, exist_ok=True)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        n = sum(len(DERS[t]) for t in self.transports)
        ders = [d for t in self.transports for d in DERS[t]]
        subprocess.run([self.g, "pki", "init", self.pki, "--ders", str(max(6, n))], check=True,
                       stdout=subprocess.DEVNULL)
        for t in self.transports:
            for d in DERS[t]:
                self.configure(os.path.join(self.pki, d + ".conf"), t)
            self.cc_conf(t)
        users = " ".join(x + "@localhost" for x in ["cc"] + ders)
        self.users = users
        if "fullfs" in self.plan["standing"]:
            os.makedirs(self.fullfs)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "soakfull", self.fullfs],
                           check=True)
            # fill it: what is left for the event log is less than one event
            for name, chunk in (("filler", 4096), ("filler2", 1)):
                with open(os.path.join(self.fullfs, name), "wb", buffering=0) as f:
                    try:
                        while True:
                            f.write(b"\0" * chunk)
                    except OSError:
                        pass
        for t in self.transports:
            self.run[t] = os.path.join(self.work, "run-" + t)
            self.server_start(t)
            self.procs["cc-" + t] = Proc(self, "cc", "cc", t)
            for d in DERS[t]:
                pr = Proc(self, d, "der", t)
                if d == self.plan["standing"].get("ulimit"):
                    pr.limits = (ULIMIT_AS, ULIMIT_NOFILE)
                self.procs[d] = pr

    def configure(self, path, t):
        with open(path) as f:
            lines = f.read().splitlines()
        out = []
        srv = ("localhost:%d" if t == "amqp" else "127.0.0.1:%d") % PORTS[t]
        for ln in lines:
            k = ln.split("=")[0].strip()
            if k == "type":
                ln = "type = " + t
            elif k == "server":
                ln = "server = " + srv
            elif k == "replay" and t != "xmpp":
                continue
            elif k == "report_interval":
                ln = "report_interval = %dms" % REPORT_MS
            elif k == "reconnect_min":
                ln = "reconnect_min = 100ms"
            elif k == "reconnect_max":
                ln = "reconnect_max = %dms" % RECONNECT_MAX_MS
            elif k == "csv":
                ln = "csv = %s.csv" % os.path.basename(path)[:-5]
            out.append(ln)
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")

    def cc_conf(self, t):
        """cc-T.conf: the control center of the DERs on transport T only."""
        with open(os.path.join(self.pki, "cc.conf")) as f:
            text = f.read()
        head, _, rest = text.partition("\n[der ")
        secs = ("[der " + rest).split("\n[der ")
        keep = []
        for s in secs:
            s = s if s.startswith("[der ") else "[der " + s
            name = s[5:s.index("]")]
            if name in DERS[t]:
                keep.append(s.rstrip("\n"))
        head = "\n".join(
            "allowed_peers = " + ", ".join("uri:urn:gridseal:" + d for d in DERS[t])
            if ln.startswith("allowed_peers") else
            ("csv = cc-%s.csv" % t if ln.startswith("csv") else ln)
            for ln in head.splitlines())
        p = os.path.join(self.pki, "cc-%s.conf" % t)
        with open(p, "w") as f:
            f.write(head.rstrip("\n") + "\n\n" + "\n\n".join(keep) + "\n")
        self.configure(p, t)

    def server_start(self, t):
        d = self.run[t]
        t0 = time.time()
        if t == "xmpp":
            users = " ".join(["cc"] + DERS[t])
            cmd = [SRC + "/scripts/xmpp-server", "start", "prosody", "--pki", self.pki, "--dir",
                   d, "--port", str(PORTS[t]), "--users", users]
        elif t == "mqtt":
            cmd = [SRC + "/scripts/mqtt-broker", "start", "--pki", self.pki, "--dir", d,
                   "--port", str(PORTS[t]), "--users", self.users, "--persist"]
        else:
            cmd = [SRC + "/scripts/amqp-broker", "start", "--pki", self.pki, "--dir", d,
                   "--port", str(PORTS[t]), "--mqtt-port", "0", "--dist-port", str(AMQP_DIST),
                   "--epmd-port", str(AMQP_EPMD), "--node", "gssoak", "--users", self.users]
        with open(os.path.join(self.work, "server-%s.out" % t), "ab") as out:
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
        self.log["servers"].append({"transport": t, "start": t0, "ready": time.time(), "rc": rc})
        if rc != 0:
            raise RuntimeError("%s server did not start (see server-%s.out)" % (t, t))

    def server_kill(self, t):
        d = self.run[t]
        if t == "xmpp":
            pg = int(open(os.path.join(d, "server.pgid")).read())
            os.killpg(pg, signal.SIGKILL)
            subprocess.run([SRC + "/scripts/xmpp-server", "stop", "prosody", "--dir", d],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif t == "mqtt":
            subprocess.run([SRC + "/scripts/mqtt-broker", "kill", "--dir", d],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            for pf in ("rabbit.pid", "rabbit.spid"):
                try:
                    os.kill(int(open(os.path.join(d, pf)).read()), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
            subprocess.run([SRC + "/scripts/amqp-broker", "stop", "--dir", d],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def server_stop(self, t):
        d = self.run.get(t)
        if not d or not os.path.isdir(d):
            return
        if t == "xmpp":
            cmd = [SRC + "/scripts/xmpp-server", "stop", "prosody", "--dir", d]
        elif t == "mqtt":
            cmd = [SRC + "/scripts/mqtt-broker", "stop", "--dir", d]
        else:
            cmd = [SRC + "/scripts/amqp-broker", "stop", "--dir", d]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # ---------------------------------------------------------- the run
    def tick(self, until):
        """Sample, restart what ended by itself, send due set-points, until `until`."""
        while True:
            t = time.time()
            if t - self.last_sample >= 2.0:
                self.last_sample = t
                for p in self.procs.values():
                    p.sample()
            for sp in self.pending_sp:
                if not sp.get("done") and self.t0 + sp["at"] <= t:
                    sp["done"] = True
                    tr = next(x for x in self.transports if sp["der"] in DERS[x])
                    ok = self.procs["cc-" + tr].command("set %s %d" % (sp["der"], sp["w"]))
                    self.log["setpoints"].append(
                        {"der": sp["der"], "w": sp["w"], "time": t, "written": ok})
            if t >= until:
                return
            time.sleep(min(0.1, max(0.0, until - t)))

    def reports_since(self, der, t):
        """Has the control center printed a report of `der` at or after time t?"""
        tr = next(x for x in self.transports if der in DERS[x])
        stamp = now_iso(t)
        for inc in self.procs["cc-" + tr].incs:
            if inc["end"] is not None and inc["end"] < t:
                continue
            try:
                with open(inc["out"], errors="replace") as f:
                    for ln in f:
                        p = ln.split(" ", 3)
                        if len(p) > 2 and p[1] == der and p[2] == "report" and p[0] >= stamp:
                            return True
            except OSError:
                pass
        return False

    def affected(self, f):
        if f["kind"] == "der-kill":
            return [f["target"]]
        if f["kind"] in ("cc-kill", "server-kill"):
            return list(DERS[f["target"]])
        return [d for t in self.transports for d in DERS[t]]

    def inject(self, f):
        kind, tg, down = f["kind"], f["target"], f["down_ms"] / 1000.0
        rec = dict(f, start=time.time())
        if kind == "der-kill":
            self.procs[tg].kill()
        elif kind == "cc-kill":
            self.procs["cc-" + tg].kill()
        elif kind == "server-kill":
            self.server_kill(tg)
        elif kind == "netcut":
            subprocess.run(["ip", "link", "set", "lo", "down"], check=True)
        self.tick(time.time() + down)
        if kind == "der-kill":
            self.procs[tg].start()
        elif kind == "cc-kill":
            self.procs["cc-" + tg].start()
        elif kind == "server-kill":
            self.server_start(tg)
        elif kind == "netcut":
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        rec["end"] = time.time()
        rec["affected"] = self.affected(f)
        # wait (bounded) for every affected DER's reports to resume
        bound = rec["end"] + self.a.recovery_wait
        left = set(rec["affected"])
        rec["recovered"] = {}
        while left and time.time() < bound and time.time() < self.t_end - 2:
            self.tick(time.time() + 0.25)
            for d in list(left):
                if self.reports_since(d, rec["end"]):
                    rec["recovered"][d] = round(time.time() - rec["end"], 3)
                    left.discard(d)
        self.log["faults"].append(rec)
        log("fault %d %s %s down %d ms: %s" % (
            len(self.log["faults"]), kind, tg, f["down_ms"],
            "recovered " + ", ".join("%s %.1f s" % kv for kv in sorted(rec["recovered"].items()))
            if not left else "not recovered within the wait (%s): %s" % (
                "the schedule ended" if time.time() >= self.t_end - 2 else
                "%.0f s" % self.a.recovery_wait, " ".join(sorted(left)))))

    def go(self):
        self.setup()
        self.t0 = time.time()
        self.t_end = self.t0 + self.seconds
        self.last_sample = 0.0
        self.pending_sp = [dict(x) for x in self.plan["setpoints"]]
        for p in self.procs.values():
            if p.kind == "der":
                p.start()
        time.sleep(0.5)
        for t in self.transports:
            self.procs["cc-" + t].start()
        for f in self.plan["faults"]:
            self.tick(self.t0 + f["at"])
            if time.time() > self.t_end - 12:
                log("fault at %.1f s skipped: no time left to recover" % f["at"])
                continue
            self.inject(f)
        # the end: the control centers' --run-for releases every association
        self.tick(self.t_end)
        for t in self.transports:
            self.procs["cc-" + t].reap(timeout=20)
        for p in self.procs.values():
            if p.kind == "der" and p.alive():
                p.p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            if p.kind == "der":
                p.reap(timeout=10)

    def manifest(self):
        return {
            "seed": self.seed, "seconds": self.seconds, "transports": self.transports,
            "faults_enabled": self.faults, "t0": self.t0, "t_end": self.t_end,
            "report_ms": REPORT_MS, "reconnect_max_ms": RECONNECT_MAX_MS,
            "ders": {d: t for t in self.transports for d in DERS[t]},
            "standing": self.plan["standing"], "plan": self.plan,
            "clock_offset_ms": self.plan["clock_offset_ms"] if "clock" in self.plan["standing"]
            else 0,
            "incarnations": [i for p in self.procs.values() for i in p.incs],
            "faults": self.log["faults"], "setpoints": self.log["setpoints"],
            "servers": self.log["servers"],
        }


def rerun_cmd(a):
    return "%s %s --gridseal %s --seed %d --seconds %d --transports %s --faults %s%s" % (
        "/usr/bin/python3", os.path.join(HERE, "soak.py"), os.path.abspath(a.gridseal), a.seed,
        a.seconds, ",".join(a.transports), ",".join(a.faults),
        " --clockshift " + a.clockshift if a.clockshift else "") + (
        " --rekey-after %d" % a.rekey_after if a.rekey_after != REKEY_S else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gridseal", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--minutes", type=float)
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--work")
    ap.add_argument("--transports", default="xmpp,mqtt,amqp")
    ap.add_argument("--faults", default=",".join(ALL_FAULTS))
    ap.add_argument("--recovery-wait", type=float, default=40.0)
    ap.add_argument("--recovery-bound", type=float, default=15.0)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--rekey-after", type=int, default=REKEY_S,
                    help="seconds between key updates on every association (0: none)")
    ap.add_argument("--clockshift", help="the clockshift.so preload of the clock fault")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.seconds is None:
        a.seconds = int(60 * (a.minutes if a.minutes else float(os.environ.get(
            "GS_SOAK_MINUTES", "10"))))
    a.transports = [t for t in a.transports.split(",") if t]
    a.faults = [k for k in a.faults.split(",") if k]
    for t in a.transports:
        if t not in DERS:
            sys.exit("soak: --transports: unknown transport '%s' (xmpp, mqtt, amqp)" % t)
    for k in a.faults:
        if k not in ALL_FAULTS:
            sys.exit("soak: --faults: unknown fault '%s' (%s)" % (k, ", ".join(ALL_FAULTS)))
    if "clock" in a.faults and not (a.clockshift and os.path.exists(a.clockshift)):
        print("soak: fault clock needs --clockshift PATH (tests/soak/clockshift.c); left out")
        a.faults.remove("clock")
    if a.clockshift:
        a.clockshift = os.path.abspath(a.clockshift)
    if not a.inner:
        # a network and mount namespace of our own, then run inside it
        if os.geteuid() != 0:
            print("soak: needs root for its network and mount namespace; skipped")
            sys.exit(77)
        work = a.work or tempfile.mkdtemp(prefix="gs-soak.")
        os.makedirs(work, exist_ok=True)
        os.chmod(work, 0o755)  # the servers run as their own users and must enter it
        argv = [sys.executable, os.path.abspath(__file__), "--inner", "--work", work] + [
            x for x in sys.argv[1:]]
        rc = subprocess.run(["unshare", "--net", "--mount", "--propagation", "private",
                             "--"] + argv).returncode
        if rc == 0:
            rc = subprocess.run([sys.executable, os.path.join(HERE, "check_soak.py"),
                                 "--bound", str(a.recovery_bound), work]).returncode
        if rc != 0:
            print("soak: FAILED with seed %d (run directory %s); to repeat it:\n  %s" % (
                a.seed, work, rerun_cmd(a)))
        elif not a.keep and not a.work:
            shutil.rmtree(work, ignore_errors=True)
        sys.exit(rc)
    s = Soak(a)
    log("seed %d, %d s, transports %s, faults %s" % (a.seed, a.seconds, ",".join(a.transports),
                                                    ",".join(a.faults)))
    log("schedule: %d timed faults, standing %s; repeat with: %s" % (
        len(s.plan["faults"]), json.dumps(s.plan["standing"]), rerun_cmd(a)))
    rc = 0
    try:
        s.go()
    except Exception as e:  # the run could not be made: report, clean up
        log("run failed: %s" % e)
        rc = 1
    finally:
        for p in s.procs.values():
            if p.alive():
                p.kill()
        for t in s.transports:
            s.server_stop(t)
        if os.path.ismount(s.fullfs):
            # keep what the full file system held, then unmount it
            for fn in os.listdir(s.fullfs):
                if fn.endswith(".jsonl"):
                    shutil.copy(os.path.join(s.fullfs, fn), os.path.join(a.work, "fullfs-" + fn))
            subprocess.run(["umount", s.fullfs])
        if hasattr(s, "t0"):
            with open(os.path.join(a.work, "manifest.json"), "w") as f:
                json.dump(s.manifest(), f, indent=1)
    sys.exit(rc)


if __name__ == "__main__":
    main()
