"""`iopcurr serve` in a real browser: a save shows up by itself where the reader was, a broken save
shows every problem in an overlay and a fix takes it away, a template edit converts no Markdown,
the server serves nothing outside its own folder and answers no other site (DNS rebinding), and
it removes its folder when stopped.

One server and one Chromium for the whole file; each test puts back what it changed.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, module_text, need_tool

from iopcurr.preview.overlay import OVERLAY_ID
from iopcurr.render.pages import default_theme_dir

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT = 10_000  # ms: how long a page may take to show a change (the benchmark measures the real time)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    root: Path
    port: int
    process: subprocess.Popen[str]

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def status(self) -> dict[str, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request("GET", "/__iopcurr/status.json")
        data: dict[str, Any] = json.loads(conn.getresponse().read())
        conn.close()
        return data

    def wait_for_build(self, after: int, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status["builds"] > after:
                return status
            time.sleep(0.05)
        raise AssertionError(f"no rebuild after build {after}")

    def raw_get(self, path: str, host: str = "", headers: str = "") -> tuple[int, bytes]:
        """A request with the path exactly as given (no client-side clean-up of `..`)."""
        host = host or f"127.0.0.1:{self.port}"
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body


def start(root: Path, temp: Path) -> Server:
    """`iopcurr serve root`, its temporary folder in `temp`, once it has built."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "iopcurr", "serve", str(root), "--port", str(port)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(temp)})
    srv = Server(root, port, process)
    deadline = time.monotonic() + 60
    while True:
        try:
            if srv.status()["builds"] >= 1:
                return srv
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the server did not start:\n{process.stdout.read() if process.stdout else ''}")
        time.sleep(0.1)


def stop(server: Server, temp: Path) -> None:
    """SIGTERM, as a service manager or a terminal closing sends it: the private folder goes too."""
    server.process.terminate()
    server.process.wait(timeout=10)
    assert list(temp.glob("iopcurr-serve-*")) == []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need_tool(CHROMIUM)
    temp = tmp_path_factory.mktemp("tmp")
    root = tmp_path_factory.mktemp("serve") / "cur"
    (root / "modules").mkdir(parents=True)
    (root / "pages").mkdir()
    (root / "theme" / "templates").mkdir(parents=True)
    (root / "program.yml").write_text("title: Preview Program\ntheme:\n  override: theme\n", "utf-8")
    for ident in ("alpha", "beta"):
        (root / "modules" / f"{ident}.md").write_text(module_text(ident), "utf-8")
    srv = start(root, temp)
    yield srv
    stop(srv, temp)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield pg
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def rewrite(path: Path, old: str, new: str) -> str:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    return text


def connected(server: Server, path: str) -> None:
    """Wait until livereload.js in the page at `path` has told the server which page it shows."""
    deadline = time.monotonic() + TIMEOUT / 1000
    while path not in server.status()["browsers"]:
        assert time.monotonic() < deadline, f"no live-reload connection from {path}"
        time.sleep(0.05)


def settled(server: Server) -> None:
    """Wait until no rebuild came for half a second (a save may be seen as two)."""
    builds, since = server.status()["builds"], time.monotonic()
    while time.monotonic() - since < 0.5:
        time.sleep(0.05)
        if server.status()["builds"] != builds:
            builds, since = server.status()["builds"], time.monotonic()


def test_saving_a_module_reloads_the_page_with_the_new_text(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(server.url("facilitator/alpha.html"))
    expect(page.locator("main")).to_contain_text("Overview for the facilitator.")
    connected(server, "facilitator/alpha.html")
    before = server.status()
    path = server.root / "modules" / "alpha.md"
    original = rewrite(path, "Overview for the facilitator.", "An overview written just now.")
    try:
        expect(page.locator("main")).to_contain_text("An overview written just now.", timeout=TIMEOUT)
        after = server.wait_for_build(before["builds"])
        assert after["converted"] == before["converted"] + 1  # only the saved module
        # The page the browser shows was rendered and written before the rest of the site.
        assert after["last"]["first"] == ["facilitator/alpha.html"] and after["last"]["written"] > 1
    finally:
        path.write_text(original, "utf-8")
        settled(server)


def test_a_save_while_the_page_is_loading_still_reloads_it(server: Server, page: Any) -> None:
    """The rebuild ends before the page's live-reload connection opens (its reload message goes
    to no one): preview.js sees, once connected, that the page is from an older build."""
    from playwright.sync_api import Route, expect

    path = server.root / "modules" / "alpha.md"
    settled(server)
    original = path.read_text("utf-8")

    def save_first(route: Route) -> None:  # holds livereload.js back until the save has rebuilt
        builds = server.status()["builds"]
        path.write_text(original.replace("Overview for the facilitator.", "Saved while the page loaded."), "utf-8")
        server.wait_for_build(builds)
        route.continue_()

    page.route("**/livereload.js*", save_first)
    try:
        page.goto(server.url("facilitator/alpha.html"))
        expect(page.locator("main")).to_contain_text("Saved while the page loaded.", timeout=TIMEOUT)
    finally:
        page.unroute("**/livereload.js*")
        builds = server.status()["builds"]
        path.write_text(original, "utf-8")
        server.wait_for_build(builds)
        settled(server)


def test_broken_save_shows_every_problem_and_a_fix_removes_them(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(server.url("facilitator/beta.html"))
    connected(server, "facilitator/beta.html")
    path = server.root / "modules" / "beta.md"
    original = path.read_text("utf-8")
    broken = original.replace("title: Beta", "title: [Beta").replace("::: script", "::: scrpt")
    path.write_text(broken, "utf-8")
    overlay = page.locator(f"#{OVERLAY_ID}")
    try:
        expect(overlay).to_be_visible(timeout=TIMEOUT)
        expect(overlay).to_contain_text(re.compile(rf"{re.escape(str(path))}:\d+(:\d+)?: error IOP001: the YAML"))
        expect(overlay).to_contain_text("error IOP009: unknown block `scrpt`")
        expect(page.locator("main h1")).to_have_text("Beta")  # the last good page is still there
        other = page.context.new_page()
        other.goto(server.url("index.html"))
        expect(other.locator(f"#{OVERLAY_ID}")).to_be_visible()
        other.close()
    finally:
        path.write_text(original, "utf-8")
    expect(overlay).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("main h1")).to_have_text("Beta")


def test_template_edit_shows_without_converting_markdown(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(server.url("facilitator/alpha.html"))
    connected(server, "facilitator/alpha.html")
    before = server.status()
    template = server.root / "theme" / "templates" / "module.html"
    text = (default_theme_dir() / "templates" / "module.html").read_text("utf-8")
    assert "<h1>{{ view.title }}</h1>" in text
    template.write_text(text.replace("<h1>{{ view.title }}</h1>", "<h1>{{ view.title }} (edited template)</h1>"), "utf-8")
    try:
        expect(page.locator("main h1")).to_have_text("Alpha (edited template)", timeout=TIMEOUT)
        assert server.status()["converted"] == before["converted"]
    finally:
        template.unlink()
        server.wait_for_build(server.status()["builds"])
    expect(page.locator("main h1")).to_have_text("Alpha", timeout=TIMEOUT)
    assert server.status()["converted"] == before["converted"]


def test_a_burst_of_saves_is_one_rebuild(server: Server) -> None:
    settled(server)  # (the rebuild after an earlier test put its file back may still be under way)
    before = server.status()["builds"]
    path = server.root / "modules" / "beta.md"
    original = path.read_text("utf-8")
    try:
        for i in range(5):  # as editors do: write a temporary file, then rename it over the file
            tmp = path.with_name(f".beta.md.{i}.tmp")
            tmp.write_text(original.replace("Overview for the facilitator.", f"Overview, draft {i}."), "utf-8")
            tmp.replace(path)
            time.sleep(0.005)
        status = server.wait_for_build(before)
        time.sleep(0.5)
        assert server.status()["builds"] == before + 1, status
        code, body = server.raw_get("/facilitator/beta.html")
        assert code == 200 and b"Overview, draft 4." in body
    finally:
        path.write_text(original, "utf-8")
        server.wait_for_build(before + 1)


@pytest.mark.parametrize("path", ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                  "/facilitator/..%2f..%2f..%2fetc%2fpasswd", "/.iopcurr-cache/CACHEDIR.TAG"])
def test_server_serves_nothing_outside_its_folder(server: Server, path: str) -> None:
    code, body = server.raw_get(path)
    assert code in (400, 403, 404)
    assert b"root:" not in body and b"Signature:" not in body


def test_served_pages_come_from_a_private_folder(server: Server) -> None:
    code, body = server.raw_get("/index.html")
    assert code == 200 and b'<script src="/livereload.js' in body
    assert not (REPO / "site" / "index.html").exists() or b"Preview Program" not in (REPO / "site" / "index.html").read_bytes()


def test_busy_port_gives_a_clear_message(server: Server) -> None:
    result = subprocess.run([sys.executable, "-m", "iopcurr", "serve", str(server.root), "--port", str(server.port)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"port {server.port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_save_reloads_the_page_where_the_reader_was(server: Server, page: Any) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 900, "height": 400})
    page.goto(server.url("facilitator/alpha.html"))
    connected(server, "facilitator/alpha.html")
    page.evaluate("() => { window.sameDocument = true; window.scrollTo(0, 300); }")
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0
    path = server.root / "modules" / "alpha.md"
    original = rewrite(path, "Let's go around the room.", "Let's go around the room once more.")
    try:
        expect(page.locator("main")).to_contain_text("around the room once more.", timeout=TIMEOUT)
        assert page.evaluate("() => window.sameDocument") is None  # a plain reload
        page.wait_for_function(f"() => window.scrollY === {scrolled}", timeout=TIMEOUT)
    finally:
        path.write_text(original, "utf-8")
        settled(server)


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{8000}", "127.0.0.1.nip.io"])
def test_requests_for_another_host_name_are_refused(server: Server, host: str) -> None:
    for path in ("/index.html", "/__iopcurr/status.json", "/livereload.js"):
        code, body = server.raw_get(path, host=host)
        assert code == 403 and b"Preview Program" not in body
    assert server.raw_get("/index.html", host=f"localhost:{server.port}")[0] == 200


def upgrade(server: Server, origin: str, host: str = "") -> int:
    """The status of a WebSocket handshake to /livereload from a page of `origin`."""
    host = host or f"127.0.0.1:{server.port}"
    headers = (f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {origin}\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(f"GET /livereload HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode())
        return int(s.recv(65536).split()[1])


def test_a_websocket_from_another_site_is_refused(server: Server) -> None:
    assert upgrade(server, f"http://127.0.0.1:{server.port}") == 101
    for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null"):
        assert upgrade(server, origin) == 403, origin
    rebound = f"evil.example:{server.port}"  # a name the attacker pointed at 127.0.0.1
    assert upgrade(server, f"http://{rebound}", host=rebound) == 403


def test_a_path_segment_longer_than_a_file_name_is_not_found(server: Server) -> None:
    for path in ("/" + "a" * 300, "/facilitator/" + "%C3%A9" * 200 + ".html"):
        code, body = server.raw_get(path)
        assert code == 404 and b"Traceback" not in body
    assert server.process.poll() is None and server.status()["ok"]


def test_sigterm_removes_the_private_folder(server: Server, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    other = start(server.root, temp)
    assert len(list(temp.glob("iopcurr-serve-*"))) == 1
    stop(other, temp)


def test_the_site_switcher_previews_another_site_in_every_tab(browser: Any, tmp_path: Path) -> None:
    """With sites/*.yml, the switcher in the page's corner picks the site; every open tab shows it."""
    from playwright.sync_api import expect

    temp = tmp_path / "tmp"
    temp.mkdir()
    root = tmp_path / "cur"
    (root / "modules").mkdir(parents=True)
    (root / "sites").mkdir()
    (root / "program.yml").write_text("title: Preview Program\norganization: Main Clinic\n", "utf-8")
    (root / "modules" / "alpha.md").write_text(module_text("alpha"), "utf-8")
    (root / "sites" / "eastside.yml").write_text("organization: Eastside Clinic\n", "utf-8")
    (root / "sites" / "westside.yml").write_text("organization: Westside Clinic\n", "utf-8")
    sites = start(root, temp)
    context = browser.new_context()
    errors: list[str] = []
    try:
        one, other = context.new_page(), context.new_page()
        for pg in (one, other):
            pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            pg.goto(sites.url("facilitator/alpha.html"))
            expect(pg.locator("body")).to_contain_text("Main Clinic")
        connected(sites, "facilitator/alpha.html")
        choice = one.get_by_label("Preview site", exact=True)
        expect(choice).to_be_visible()
        assert choice.evaluate("e => [...e.options].map(o => o.textContent)") == ["program.yml", "eastside", "westside"]
        choice.select_option("eastside")
        for pg in (one, other):
            expect(pg.locator("body")).to_contain_text("Eastside Clinic", timeout=TIMEOUT)
            expect(pg.get_by_label("Preview site", exact=True)).to_have_value("eastside", timeout=TIMEOUT)
        assert sites.status()["site"] == "eastside"
        # a save of the site file previewed rebuilds it
        (root / "sites" / "eastside.yml").write_text("organization: Eastside Renamed\n", "utf-8")
        expect(one.locator("body")).to_contain_text("Eastside Renamed", timeout=TIMEOUT)
        settled(sites)
        connected(sites, "facilitator/alpha.html")
        other.get_by_label("Preview site", exact=True).select_option("")  # the other tab switches back
        expect(one.locator("body")).to_contain_text("Main Clinic", timeout=TIMEOUT)
        expect(one.get_by_label("Preview site", exact=True)).to_have_value("", timeout=TIMEOUT)
    finally:
        context.close()
        stop(sites, temp)
    assert not [e for e in errors if "Content Security Policy" in e], errors
