"""Headless Chromium driven over the Chrome DevTools Protocol, for tests.

No Selenium and no new dependency: Chromium (Debian's package, installed by
``.ci/run``) listens on a random local port (``--remote-debugging-port=0``,
the port is read from ``DevToolsActivePort`` in its profile) and aiohttp,
already installed with textual-serve, speaks the websocket.  Nothing leaves
the machine: the flags of :data:`~jetpack_tui.screenshots.chromium.HEADLESS_FLAGS`
resolve every host but 127.0.0.1 to nothing.  Chromium runs in its own
process group, ended by its id when the test is done.

The served page draws the terminal on a canvas (xterm.js with its WebGL or
canvas renderer), so its text is not in the DOM.  :data:`CAPTURE_TERMINAL`
runs before the page's own scripts and keeps a reference to the xterm.js
``Terminal`` the page creates (``this.terminal = new Terminal(...)`` meets a
setter on ``Object.prototype``); :meth:`CDPPage.screen_text` then reads the
visible rows through xterm's public buffer API: what the user sees.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from jetpack_tui.screenshots.chromium import HEADLESS_FLAGS

CAPTURE_TERMINAL = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && typeof value.onData === 'function') { window.__jetpackTerminal = value; }
  },
});
"""
READ_SCREEN = """(() => {
  const term = window.__jetpackTerminal;
  if (!term) return null;
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : '');
  }
  return rows.join('\\n');
})()"""
#: Bounds of every wait: 50 ms polls, 20 s in all.
POLL = 0.05
TRIES = 400


class Browser:
    """A headless Chromium process with remote debugging on a random port."""

    def __init__(self, executable: str, profile: Path, *, width: int = 1400, height: int = 900) -> None:
        self.profile = profile
        self._log = (profile.parent / "chromium.log").open("w")
        self.process = subprocess.Popen(
            [executable, *HEADLESS_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log,
            start_new_session=True)

    async def debugging_port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        for _ in range(TRIES):
            if self.process.poll() is not None:
                raise AssertionError(f"Chromium exited with status {self.process.returncode}")
            lines = marker.read_text().split() if marker.exists() else []
            if len(lines) >= 2:
                return int(lines[0])
            await asyncio.sleep(POLL)
        raise AssertionError("Chromium did not open its debugging port")

    def stop(self) -> None:
        """End Chromium and its helpers (its own process group), by id."""
        stop_group(self.process)
        self._log.close()


def stop_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group led by ``process``, SIGKILL what is left."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # helpers that outlived the leader
    except ProcessLookupError:
        pass
    process.wait()


class CDPPage:
    """One page target, over its DevTools websocket."""

    def __init__(self, websocket: Any) -> None:
        self.ws = websocket
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict:
        number = next(self._ids)
        await self.ws.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json()
            if message.get("id") == number:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def open(self, url: str) -> None:
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_TERMINAL)
        await self.call("Page.navigate", url=url)

    async def screen_text(self) -> str:
        return await self.evaluate(READ_SCREEN) or ""

    async def wait_for_screen(self, condition: Any, what: str) -> str:
        """Poll the terminal's text until ``condition(text)``; fail with the last screen."""
        text = ""
        for _ in range(TRIES):
            text = await self.screen_text()
            if condition(text):
                return text
            await asyncio.sleep(POLL)
        raise AssertionError(f"timed out waiting for {what}; the page showed:\n{text}")

    async def press(self, key: str, code: str, key_code: int) -> None:
        """A real key press in the page, into the terminal's input element."""
        await self.evaluate("window.__jetpackTerminal.focus()")
        await self.call("Input.dispatchKeyEvent", type="keyDown", key=key, code=code, text=key,
                        windowsVirtualKeyCode=key_code)
        await self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=key_code)

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
