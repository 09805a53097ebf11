#!/usr/bin/python3
"""The gridseal cc dashboard in a real headless Chromium (selenium +
chromium-driver): the DERs listed with live states, the plots growing, a
curtailment and a key update appearing, the event filter. Writes the
console commands to the cc's FIFO and starts der3 itself once the page
shows it not associated. Chromium reaches only 127.0.0.1."""
import argparse
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def fail(msg):
    print("FAIL (dashboard_browser): " + msg)
    sys.exit(1)


def wait_for(what, fn, timeout=20.0):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # the page is being redrawn
            last = e
        time.sleep(0.2)
    fail("timed out waiting for " + what + " (last: " + repr(last) + ")")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--gridseal", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--commands", required=True)
    ap.add_argument("--screenshot", required=True)
    a = ap.parse_args()

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--disable-gpu", "--disable-background-networking",
                "--disable-sync", "--no-first-run", "--disable-component-update",
                "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
                "--no-default-browser-check", "--disable-dev-shm-usage",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--window-size=1400,1300",
                "--user-data-dir=" + os.path.join(a.work, "chromium")):
        opts.add_argument(arg)
    if os.geteuid() == 0:
        opts.add_argument("--no-sandbox")
    opts.binary_location = "/usr/bin/chromium"
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    der3 = None
    cmds = open(a.commands, "w")

    def command(line):
        cmds.write(line + "\n")
        cmds.flush()

    def cell(der, cls):  # read in one step: the table is redrawn on every "fleet"
        return drv.execute_script(
            "const c = document.querySelector("
            "'tr[data-der=\"' + arguments[0] + '\"] td.' + arguments[1]);"
            "return c ? c.textContent : null;", der, cls)

    def points(der):
        return drv.execute_script(
            "const c = window.gsCharts[arguments[0]];"
            "return c ? c.data.datasets[0].data.length : -1;", der)

    def events(name):
        return drv.execute_script(
            "return Array.from(document.querySelectorAll('#events tbody tr'))"
            ".filter(r => r.dataset.event === arguments[0]).map(r => r.textContent);", name)

    try:
        drv.set_page_load_timeout(20)
        drv.get(a.url)
        wait_for("the fleet table", lambda: len(drv.find_elements(
            By.CSS_SELECTOR, "#fleet tbody tr")) == 3)
        names = drv.execute_script("return Array.from(document.querySelectorAll("
                                   "'#fleet tbody td.name')).map(e => e.textContent)")
        if names != ["der1", "der2", "der3"]:
            fail("fleet lists %r" % names)
        idents = drv.execute_script("return Array.from(document.querySelectorAll("
                                    "'#fleet tbody td.identity')).map(e => e.textContent)")
        if idents != ["urn:gridseal:der1", "urn:gridseal:der2", "urn:gridseal:der3"]:
            fail("identities %r" % idents)
        if drv.execute_script("return typeof Chart") != "function":
            fail("Chart.js did not load")
        wait_for("der1 and der2 associated",
                 lambda: cell("der1", "state-cell") == "associated"
                 and cell("der2", "state-cell") == "associated")
        # der3 is not running: the page shows it not associated
        s3 = cell("der3", "state-cell")
        if s3 == "associated":
            fail("der3 shown associated before it runs")
        print("der3 before it runs: " + s3)
        with open(os.path.join(a.work, "der3.out"), "ab") as out:
            der3 = subprocess.Popen([a.gridseal, "der", "--config",
                                     os.path.join(a.work, "pki", "der3.conf")],
                                    stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=a.work)
        with open(os.path.join(a.work, "der3.pid"), "w") as f:
            f.write(str(der3.pid))
        # live: the state cell changes without a reload
        wait_for("der3 associated (live)", lambda: cell("der3", "state-cell") == "associated")
        for d in ("der1", "der2", "der3"):
            mode = cell(d, "mode")
            if mode != "aead":
                fail("%s mode %r, expected aead" % (d, mode))
        ev = wait_for("a handshake-ok event of der3",
                      lambda: [t for t in events("handshake-ok") if "urn:gridseal:der3" in t])
        print("stream: " + ev[0])

        # the plot's data grows, and so does the last report time
        wait_for("der1 plot points", lambda: points("der1") >= 2)
        n0, r0 = points("der1"), cell("der1", "report")
        time.sleep(2.5)
        n1, r1 = points("der1"), cell("der1", "report")
        if not n1 > n0:
            fail("der1 plot did not grow: %d -> %d" % (n0, n1))
        if r1 == r0:
            fail("der1 last report did not advance: %s" % r0)
        print("der1 plot points %d -> %d, last report %s -> %s" % (n0, n1, r0, r1))

        # the curtailment: the set-point cell, the set-point series, the event
        old_sp = cell("der2", "setpoint")
        if old_sp == "2500":
            fail("der2 already at 2500 W")
        command("set der2 2500")
        wait_for("der2 set-point 2500 in the table", lambda: cell("der2", "setpoint") == "2500")
        wait_for("der2 set-point series at 2500", lambda: drv.execute_script(
            "const d = window.gsCharts['der2'].data.datasets[1].data;"
            "return d.length > 0 && d[d.length - 1].y === 2500;"))
        ev = wait_for("a setpoint-sent event for der2",
                      lambda: [t for t in events("setpoint-sent") if "object=WMaxSpt value=2500" in t])
        print("curtailment: der2 %s -> 2500 W; stream: %s" % (old_sp, ev[0]))
        if cell("der1", "setpoint") == "2500":
            fail("der1 shows the curtailment of der2")

        # the key update: the key update time changes, the event appears
        ku0 = cell("der1", "key-update")
        command("rekey der1")
        wait_for("der1 key update time", lambda: cell("der1", "key-update") not in (ku0, ""))
        ev = wait_for("a key-update event of der1",
                      lambda: [t for t in events("key-update") if "urn:gridseal:der1" in t])
        print("key update: der1 %s -> %s; stream: %s" % (ku0, cell("der1", "key-update"), ev[0]))

        # the filter hides the rows that do not match, client-side
        all_rows = drv.execute_script("return document.querySelectorAll('#events tbody tr').length")
        box = drv.find_element(By.ID, "filter")
        box.send_keys("key-update")
        vis = drv.execute_script(
            "return Array.from(document.querySelectorAll('#events tbody tr'))"
            ".filter(r => !r.hidden).map(r => r.dataset.event);")
        if not vis or any(e != "key-update" for e in vis) or len(vis) >= all_rows:
            fail("filter 'key-update' shows %r of %d rows" % (vis, all_rows))
        print("filter 'key-update': %d of %d rows shown" % (len(vis), all_rows))
        box.clear()
        box.send_keys(" ")  # an input event: every row back
        box.clear()
        drv.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")
        back = drv.execute_script(
            "return Array.from(document.querySelectorAll('#events tbody tr'))"
            ".filter(r => !r.hidden).length")
        if back < all_rows:
            fail("cleared filter shows %d of %d rows" % (back, all_rows))
        drv.find_element(By.ID, "failures-only").click()
        fo = drv.execute_script(
            "return Array.from(document.querySelectorAll('#events tbody tr'))"
            ".filter(r => !r.hidden && !r.classList.contains('failure')).length")
        if fo != 0:
            fail("'failures only' shows %d rows that are no failure" % fo)
        drv.find_element(By.ID, "failures-only").click()
        # the page loaded nothing from anywhere but the cc
        urls = drv.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        for u in urls:
            if not u.startswith(a.url):
                fail("the page loaded %s" % u)
        logs = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"
                and "/favicon.ico" not in e.get("message", "")]
        if logs:
            fail("browser console errors: %r" % logs)
        time.sleep(1)
        drv.save_screenshot(a.screenshot)
        print("screenshot: " + a.screenshot)
    finally:
        drv.quit()
        cmds.close()
        if der3 is not None:
            der3.terminate()
            try:
                der3.wait(5)
            except subprocess.TimeoutExpired:
                der3.kill()
    print("ok: dashboard_browser")


if __name__ == "__main__":
    main()
