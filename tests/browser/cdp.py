# SPDX-License-Identifier: MIT
"""cdp.py - drive headless Chromium through the DevTools protocol, stdlib only.

Chromium is started with --remote-debugging-pipe: it reads protocol messages
from file descriptor 3 and writes to 4, each a JSON object ending in a NUL
byte. No port, no websocket, no network: what the test machine (with no
network beyond Debian's archive) allows. Clicks and keys are real input
events (Input.dispatchMouseEvent / dispatchKeyEvent), not synthetic DOM
events, so they go through hit testing and default actions like a user's.
"""
import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, chromium="chromium"):
        self.profile = tempfile.mkdtemp(prefix="ember-chromium.")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + self.profile, "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.dialog_answer = None   # text to answer prompt() dialogs with
        self.dialogs = []           # messages of the dialogs seen

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise CDPError("chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def _send(self, method, params, session):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _on_event(self, msg):
        # A prompt() blocks the page (and the input event that opened it)
        # until answered, so answer from inside the read loop.
        if msg.get("method") == "Page.javascriptDialogOpening":
            self.dialogs.append(msg["params"].get("message", ""))
            answer = self.dialog_answer
            self._send("Page.handleJavaScriptDialog",
                       {"accept": answer is not None, "promptText": answer or ""},
                       msg.get("sessionId"))
        self.events.append(msg)

    def call(self, method, params=None, session=None, timeout=30):
        want = self._send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_message(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise CDPError("%s: %s" % (method, msg["error"].get("message")))
                return msg.get("result", {})
            if "method" in msg:
                self._on_event(msg)

    def wait_event(self, method, session=None, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                    return self.events.pop(i)
            msg = self._read_message(deadline)
            if "method" in msg:
                self._on_event(msg)

    def new_page(self, width=1280, height=900, scale=1):
        return Page(self, width, height, scale)

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser, width, height, scale=1):
        self.b = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget",
                                    {"targetId": target, "flatten": True})["sessionId"]
        self.requests = []
        for domain in ("Page", "Runtime", "Network"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False})

    def call(self, method, params=None, timeout=30):
        return self.b.call(method, params, self.session, timeout)

    def goto(self, url, timeout=30):
        self.b.events = [e for e in self.b.events if e.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", {"url": url})
        self.b.wait_event("Page.loadEventFired", self.session, timeout)
        self.collect_requests()

    def collect_requests(self):
        """Every URL the page asked for since the last call."""
        keep = []
        for ev in self.b.events:
            if ev.get("method") == "Network.requestWillBeSent" and ev.get("sessionId") == self.session:
                self.requests.append(ev["params"]["request"]["url"])
            else:
                keep.append(ev)
        self.b.events = keep
        return self.requests

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise CDPError("evaluate %r: %s" % (expr[:60], r["exceptionDetails"]))
        return r["result"].get("value")

    def mouse(self, kind, x, y, buttons=0, button="none", clicks=0, timeout=30):
        self.call("Input.dispatchMouseEvent",
                  {"type": kind, "x": x, "y": y, "button": button, "buttons": buttons,
                   "clickCount": clicks}, timeout)

    def move(self, x, y):
        self.mouse("mouseMoved", x, y)

    def click(self, x, y):
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y, 1, "left", 1)
        self.mouse("mouseReleased", x, y, 0, "left", 1)

    def click_element(self, selector):
        box = self.eval("(function () { var r = document.querySelector(%s).getBoundingClientRect();"
                        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
                        % json.dumps(selector))
        self.click(box[0], box[1])

    def key(self, key, code, keycode, modifiers=0):
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent",
                      {"type": kind, "key": key, "code": code, "modifiers": modifiers,
                       "windowsVirtualKeyCode": keycode, "nativeVirtualKeyCode": keycode})

    def type_text(self, text):
        self.call("Input.insertText", {"text": text})

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))
