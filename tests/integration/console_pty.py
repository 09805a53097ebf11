#!/usr/bin/env python3
"""Run `gridseal cc` on a pseudo-terminal and check what the terminal shows.

usage: console_pty.py GRIDSEAL CONF EVENTS END
  END: how the console is ended: ctrl-c (typed), term (SIGTERM), abort (SIGABRT)

A small VT100 model (cursor addressing, erase in line / display, the
alternate screen) keeps the screen as a terminal would; the checks read that
screen and the bytes received. The terminal modes are read from the slave
side before the start and after the exit and must be equal.
"""
import os
import re
import resource
import select
import signal
import struct
import sys
import termios
import time
import fcntl

ROWS, COLS = 40, 120
ALT_ON, ALT_OFF = b"\033[?1049h", b"\033[?1049l"
CUR_HIDE, CUR_SHOW = b"\033[?25l", b"\033[?25h"


class Screen:
    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.grid = self.blank()
        self.main = None  # the main screen while the alternate one is shown
        self.r = self.c = 0
        self.alt = False
        self.state = 0  # 0 text, 1 after ESC, 2 in CSI
        self.csi = ""

    def blank(self):
        return [[" "] * self.cols for _ in range(self.rows)]

    def newline(self):
        self.r += 1
        if self.r >= self.rows:
            self.grid.pop(0)
            self.grid.append([" "] * self.cols)
            self.r = self.rows - 1

    def put(self, ch):
        if self.c >= self.cols:
            self.c = 0
            self.newline()
        self.grid[self.r][self.c] = ch
        self.c += 1

    def do_csi(self, seq):
        final, body = seq[-1], seq[:-1]
        private = body.startswith("?")
        params = [int(p) if p.isdigit() else 0 for p in body.lstrip("?").split(";")] if body else []
        p0 = params[0] if params else 0
        if private and final in "hl":
            for p in params:
                if p == 1049 and final == "h" and not self.alt:
                    self.main, self.grid, self.alt = self.grid, self.blank(), True
                elif p == 1049 and final == "l" and self.alt:
                    self.grid, self.main, self.alt = self.main, None, False
        elif final in "Hf":
            row = params[0] if len(params) > 0 and params[0] > 0 else 1
            col = params[1] if len(params) > 1 and params[1] > 0 else 1
            self.r, self.c = min(row, self.rows) - 1, min(col, self.cols) - 1
        elif final == "K":
            lo, hi = (self.c, self.cols) if p0 == 0 else (0, self.c + 1) if p0 == 1 else (0, self.cols)
            for i in range(lo, min(hi, self.cols)):
                self.grid[self.r][i] = " "
        elif final == "J":
            if p0 == 2:
                self.grid = self.blank()
            elif p0 == 0:
                for i in range(self.c, self.cols):
                    self.grid[self.r][i] = " "
                for r in range(self.r + 1, self.rows):
                    self.grid[r] = [" "] * self.cols
        elif final == "A":
            self.r = max(0, self.r - max(p0, 1))
        elif final == "B":
            self.r = min(self.rows - 1, self.r + max(p0, 1))
        elif final == "C":
            self.c = min(self.cols - 1, self.c + max(p0, 1))
        elif final == "D":
            self.c = max(0, self.c - max(p0, 1))

    def feed(self, data):
        for ch in data.decode("latin-1"):
            if self.state == 1:
                if ch == "[":
                    self.state, self.csi = 2, ""
                else:
                    self.state = 0
            elif self.state == 2:
                self.csi += ch
                if "\x40" <= ch <= "\x7e":
                    self.do_csi(self.csi)
                    self.state = 0
            elif ch == "\033":
                self.state = 1
            elif ch == "\r":
                self.c = 0
            elif ch == "\n":
                self.newline()
            elif ch == "\b":
                self.c = max(0, self.c - 1)
            elif ch >= " " and ch != "\x7f":
                self.put(ch)

    def lines(self):
        return ["".join(row).rstrip() for row in self.grid]

    def text(self):
        return "\n".join(self.lines())


def main():
    gridseal, conf, events, end = sys.argv[1:5]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.close(master)
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.execv(gridseal, [gridseal, "cc", "--config", conf, "--events", events])

    raw = bytearray()
    scr = Screen(ROWS, COLS)
    status = [None]

    def fail(msg):
        print(f"FAIL ({end}): {msg}")
        print("---- screen")
        print(scr.text())
        print("---- last bytes received")
        print(repr(bytes(raw[-3000:])))
        if status[0] is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        sys.exit(1)

    def pump(t):
        r, _, _ = select.select([master], [], [], t)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            raw.extend(data)
            scr.feed(data)

    def wait_for(pred, what, timeout=10.0):
        end_t = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end_t:
                fail(f"timed out waiting for {what}")
            if status[0] is None:
                r = os.waitpid(pid, os.WNOHANG)
                if r[0] != 0:
                    status[0] = r[1]
                    fail(f"cc exited (status {r[1]}) while waiting for {what}")
            pump(0.05)

    def ok(msg):
        print(f"ok ({end}): {msg}")

    def on_screen(pattern):
        return lambda: re.search(pattern, scr.text(), re.M) is not None

    def bottom():
        return scr.lines()[ROWS - 1]

    def redraws_since(mark):
        return bytes(raw[mark:]).count(b"\033[1;1Hgridseal cc ")

    wait_for(lambda: ALT_ON in raw, "the alternate screen")
    ok("the alternate screen is entered")
    wait_for(on_screen(r"^der1 .* associated "), "der1 associated in the table")
    ok("der1 associated in the table")
    now = termios.tcgetattr(slave)
    lflag = now[3]
    if lflag & termios.ICANON or lflag & termios.ECHO or not lflag & termios.ISIG:
        fail(f"terminal not in non-canonical, no-echo, signal mode: lflag {lflag:#o}")
    ok("the terminal is non-canonical with echo off (ISIG kept)")

    if end == "abort":
        os.kill(pid, signal.SIGABRT)
    else:
        os.write(master, b"set der1 5000\r")
        wait_for(on_screen(r"^\d\d:\d\d:\d\d der1 +set-point 5000 W refused: object-access-denied$"),
                 "the refusal in the notes pane")
        wait_for(on_screen(r"^ +error +\d\d:\d\d:\d\d set-point 5000 W refused: object-access-denied$"),
                 "the refusal as der1's last error")
        wait_for(on_screen(r"^der1 +result +\d\d:\d\d:\d\d set-point 5000 W sent$"),
                 "the set-point as der1's last result")
        ok("set der1 5000: the refusal is shown in the pane and as der1's last error")

        os.write(master, b"set der9 1\r")
        wait_for(on_screen(r"commands: set DER WATTS \| rekey DER \| quit; unknown DER der9$"),
                 "the command error in the pane")
        ok("an unknown DER is reported in the pane")

        os.write(master, b"set de")
        wait_for(lambda: bottom() == "> set de", "the typed text on the input line")
        mark = len(raw)
        wait_for(lambda: redraws_since(mark) >= 2, "two redraws of the table", timeout=5)
        pump(0.3)
        if bottom() != "> set de":
            fail(f"the partly typed input is gone after a redraw: bottom row {bottom()!r}")
        if not re.search(r"^der1 .* associated ", scr.text(), re.M):
            fail("the table is gone")
        ok("'set de' is still on the input line after two redraws")

        os.write(master, b"\x7f\x7f")
        wait_for(lambda: bottom() == "> set", "Backspace")
        os.write(master, b"\x15")
        wait_for(lambda: bottom() == ">", "Ctrl-U")
        ok("Backspace and Ctrl-U edit the input line")

        os.write(master, b"rekey der1\r")
        wait_for(on_screen(r"^\d\d:\d\d:\d\d der1 +key update #[1-9][0-9]* \(initiated by cc\)$"),
                 "the key update note")
        wait_for(on_screen(r"^der1 +result +\d\d:\d\d:\d\d key update #[1-9][0-9]* \(initiated by cc\)$"),
                 "the key update as der1's last result")
        ok("rekey der1: the key update is shown")

        print(f"---- the screen ({end}), before the end")
        print(scr.text().rstrip("\n"))
        print("----")
        if end == "ctrl-c":
            os.write(master, b"\x03")
        else:
            os.kill(pid, signal.SIGTERM)

    deadline = time.monotonic() + 10
    while status[0] is None:
        if time.monotonic() > deadline:
            fail("cc did not exit")
        r = os.waitpid(pid, os.WNOHANG)
        if r[0] != 0:
            status[0] = r[1]
        pump(0.05)
    pump(0.2)
    st = status[0]
    if end == "abort":
        if not os.WIFSIGNALED(st) or os.WTERMSIG(st) != signal.SIGABRT:
            fail(f"expected death by SIGABRT, got status {st}")
    elif not os.WIFEXITED(st) or os.WEXITSTATUS(st) != 0:
        fail(f"expected exit 0, got status {st}")
    ok(f"cc ended as expected (status {st})")

    last_on = raw.rfind(ALT_ON)
    if raw.rfind(ALT_OFF) < last_on or scr.alt:
        fail("the alternate screen was not left")
    if raw.rfind(CUR_SHOW) < raw.rfind(CUR_HIDE):
        fail("the cursor was left hidden")
    ok("the alternate screen is left and the cursor shown")
    after = termios.tcgetattr(slave)
    if after != before:
        fail(f"terminal modes not restored: before {before[:4]}, after {after[:4]}")
    ok("the terminal modes are restored")
    os.close(master)
    os.close(slave)


main()
