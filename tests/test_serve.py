"""The live preview without a browser: what it adds to pages, which files it serves, how it
batches changes, what a build never contains, and how a rebuild that fails or hangs is survived
(the server run in this thread, driven from another)."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import MakeCurriculum, module_text

from iopcurr.errors import Problem
from iopcurr.preview import overlay
from iopcurr.preview import serve as serve_module
from iopcurr.preview.serve import host_allowed, page_of, serve, site_file
from iopcurr.preview.watch import Watcher
from iopcurr.source import markup
from iopcurr.source.loader import Sources

RunCli = Callable[..., Result]
PAGE = b'<!DOCTYPE html>\n<html><head><title>x</title></head>\n<body class="page">\n<main>Text</main>\n</body></html>\n'
PROBLEM = Problem("cur/modules/alpha.md", 2, "the YAML is not valid: <oops> & more.", "IOP001")


def test_inject_adds_the_reload_script_and_nothing_else_when_all_is_well() -> None:
    page = overlay.inject(PAGE, port=8123)
    assert page == PAGE.replace(b"<head>", b'<head><script src="/__iopcurr/preview.js" data-version="0" defer></script>').replace(
        b"</head>", b'<script src="/livereload.js?port=8123" defer></script></head>')


def test_inject_adds_the_overlay_with_every_problem_escaped() -> None:
    warning = Problem("cur/modules/beta.md", 9, "a warning", "IOP021", "warning")
    page = overlay.inject(PAGE, port=8123, status=overlay.Status(problems=(warning, PROBLEM))).decode()
    assert f'<link rel="stylesheet" href="{overlay.CSS_PATH}">' in page
    body = page.split('<body class="page">', 1)[1]
    assert body.startswith(f'<details id="{overlay.OVERLAY_ID}" role="alert" open>')
    assert "cur/modules/alpha.md:2: error IOP001: the YAML is not valid: &lt;oops&gt; &amp; more." in page
    assert page.index("alpha.md:2") < page.index("beta.md:9")  # errors first
    assert "1 error<" in page and "<oops>" not in page


def test_overlay_uses_no_inline_script_or_style() -> None:
    for html in (overlay.overlay_html([PROBLEM]), overlay.switcher_html(["eastside"], "eastside")):
        assert "<script" not in html and "style=" not in html and "<style" not in html and " on" not in html


def test_inject_adds_the_site_switcher_after_the_overlay() -> None:
    page = overlay.inject(PAGE, port=8123, status=overlay.Status(problems=(PROBLEM,), sites=("eastside", "westside"), site="westside")).decode()
    assert page.count(f'<link rel="stylesheet" href="{overlay.CSS_PATH}">') == 1
    body = page.split('<body class="page">', 1)[1]
    assert body.index(overlay.OVERLAY_ID) < body.index(f'<nav id="{overlay.SWITCHER_ID}" aria-label="Preview">')
    assert ('<option value="">program.yml</option><option value="eastside">eastside</option>'
            '<option value="westside" selected>westside</option>') in body


def test_site_file_serves_only_files_inside_the_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "pages").mkdir(parents=True)
    (site / "index.html").write_text("home", "utf-8")
    (site / "pages" / "a.html").write_text("a", "utf-8")
    (site / ".iopcurr-cache").mkdir()
    (site / ".iopcurr-cache" / "x.json").write_text("{}", "utf-8")
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    (site / "link.html").symlink_to(tmp_path / "secret.txt")
    assert site_file(site, "") == (site / "index.html").resolve()
    assert site_file(site, "pages/a.html") == (site / "pages" / "a.html").resolve()
    for bad in ("../secret.txt", "pages/../../secret.txt", ".iopcurr-cache/x.json", "link.html",
                "missing.html", "pages/..\\..\\secret.txt"):
        assert site_file(site, bad) is None, bad


def test_page_of_maps_urls_to_site_paths() -> None:
    assert page_of("/") == "index.html"
    assert page_of("/facilitator/a.html") == "facilitator/a.html"
    assert page_of("/pages/") == "pages/index.html"


def test_a_burst_of_changes_is_one_batch() -> None:
    async def burst() -> list[frozenset[Path]]:
        batches: list[frozenset[Path]] = []
        watcher = Watcher(batches.append, asyncio.get_running_loop(), quiet=0.1)
        for i in range(5):
            watcher.add([Path(f"modules/m{i}.md")])
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        watcher.stop()
        return batches

    assert asyncio.run(burst()) == [frozenset(Path(f"modules/m{i}.md") for i in range(5))]


def test_changes_that_keep_coming_are_delivered_within_the_longest_wait() -> None:
    async def steady() -> list[frozenset[Path]]:
        batches: list[frozenset[Path]] = []
        watcher = Watcher(batches.append, asyncio.get_running_loop(), quiet=0.1, longest=0.3)
        started = time.monotonic()
        while time.monotonic() - started < 0.6:
            watcher.add([Path("modules/a.md")])
            await asyncio.sleep(0.02)
        watcher.stop()
        return batches

    assert len(asyncio.run(steady())) >= 1


def test_build_output_has_no_preview_additions(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum()
    out = tmp_path / "site"
    assert run_cli("build", str(root), "--out", str(out)).exit_code == 0
    for page in out.rglob("*.html"):
        text = page.read_text("utf-8")
        assert "livereload" not in text and overlay.OVERLAY_ID not in text and "__iopcurr" not in text


def test_long_and_strange_path_segments_name_no_file(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("home", "utf-8")
    assert site_file(tmp_path, "/" + "a" * 256) is None
    assert site_file(tmp_path, "/facilitator/" + "é" * 128 + ".html") is None  # 256 bytes
    assert site_file(tmp_path, "/" + "a" * 255) is None  # allowed, but not there


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("LOCALHOST", True), ("[::1]:8000", True),
    ("evil.example:8000", False), ("127.0.0.1.evil.example", False), ("", False), ("[bad", False),
])
def test_only_the_names_the_server_listens_on_are_answered(host: str, ok: bool) -> None:
    assert host_allowed(host, serve_module.LOCAL_HOSTS) is ok


# ---------------------------------------------------------------- the server, in this thread


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


def wait_status(port: int, ready: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status: dict[str, Any] = json.loads(get(port, "/__iopcurr/status.json"))
            if ready(status):
                return status
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("the preview did not get there in time")


def serving(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drive: Callable[[int], None]) -> list[str]:
    """Run `iopcurr serve` on `root` in this thread (the main one, as on the command line) while
    `drive(port)` runs in another, then stop it as Ctrl+C does. What it printed."""
    said: list[str] = []
    errors: list[BaseException] = []
    port = free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    def driver() -> None:
        try:
            wait_status(port, lambda s: s["builds"] >= 1, timeout=60)
            drive(port)
        except BaseException as exc:  # raised again in the test's thread
            errors.append(exc)
        finally:
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=driver, daemon=True)
    thread.start()
    serve(root, host="127.0.0.1", port=port, open_browser=False, say=said.append)
    thread.join(10)
    if errors:
        raise errors[0]
    assert said[-1] == "Stopped." and list(temp.iterdir()) == []  # the private folder is gone
    return said


def test_an_exception_in_a_rebuild_is_shown_and_the_next_save_rebuilds(
        make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_curriculum()
    real_read = serve_module.read

    def flaky(source: Path, *rest: Any, **options: Any) -> Sources:
        if (source / "boom.txt").exists():
            raise RuntimeError("something broke")
        return real_read(source, *rest, **options)

    monkeypatch.setattr(serve_module, "read", flaky)
    seen: dict[str, Any] = {}

    def drive(port: int) -> None:
        (root / "boom.txt").write_text("x", "utf-8")
        seen["failed"] = wait_status(port, lambda s: s["builds"] >= 2)
        seen["page"] = get(port, "/index.html")
        (root / "boom.txt").unlink()
        seen["again"] = wait_status(port, lambda s: s["builds"] >= 3)

    said = serving(root, tmp_path, monkeypatch, drive)
    assert not seen["failed"]["ok"] and "RuntimeError: something broke" in seen["failed"]["problems"][0]
    assert overlay.OVERLAY_ID.encode() in seen["page"] and b"RuntimeError: something broke" in seen["page"]
    assert seen["again"]["ok"] and seen["again"]["problems"] == []
    assert any("Traceback" in line and "RuntimeError: something broke" in line for line in said)


def test_saves_made_while_the_site_is_rendered_are_one_rebuild_after_it(
        make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering the whole site takes a while (here 1.5 s): the saves made meanwhile (an editor
    that saves every quarter of a second) make one rebuild after it, not one each."""
    root = make_curriculum()
    real = serve_module.site_of
    calls = []

    def slow(*args: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:  # (not the first build)
            time.sleep(1.5)
        return real(*args)

    monkeypatch.setattr(serve_module, "site_of", slow)
    seen: dict[str, Any] = {}

    def drive(port: int) -> None:
        path = root / "modules" / "alpha.md"
        text = path.read_text("utf-8")
        path.write_text(text.replace("Overview for the facilitator.", "Save 0."), "utf-8")
        time.sleep(0.3)  # (the first save's rebuild is rendering the site)
        for n in range(1, 5):
            path.write_text(text.replace("Overview for the facilitator.", f"Save {n}."), "utf-8")
            time.sleep(0.25)
        seen["status"] = wait_status(port, lambda s: b"Save 4." in get(port, "/facilitator/alpha.html"), timeout=30)
        time.sleep(2)  # (any rebuild still to come)
        seen["builds"] = wait_status(port, lambda s: True)["builds"]

    serving(root, tmp_path, monkeypatch, drive)
    assert seen["builds"] == 3, seen["builds"]  # the start, the first save, the four saves after it


def test_a_conversion_in_the_preview_has_a_time_limit(make_curriculum: MakeCurriculum, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_curriculum()
    monkeypatch.setattr(markup, "CONVERT_SECONDS", 0.5)
    real = markup.Converter._convert

    def slow(self: markup.Converter, body: str, *rest: Any) -> Any:
        if "SLOW TO CONVERT" in body:
            time.sleep(30)  # a pathological file
        return real(self, body, *rest)

    monkeypatch.setattr(markup.Converter, "_convert", slow)
    seen: dict[str, Any] = {}

    def drive(port: int) -> None:
        text = module_text("slow").replace("Overview for the facilitator.", "SLOW TO CONVERT")
        started = time.monotonic()
        (root / "modules" / "slow.md").write_text(text, "utf-8")
        seen["status"] = wait_status(port, lambda s: s["builds"] >= 2, timeout=60)
        seen["seconds"] = time.monotonic() - started

    serving(root, tmp_path, monkeypatch, drive)
    assert seen["seconds"] < 10
    assert any("IOP030" in line and "longer than 0.5 seconds" in line for line in seen["status"]["problems"])


def test_the_host_given_with_host_is_answered_too(tmp_path: Path) -> None:
    preview = serve_module.Preview(tmp_path, tmp_path / "site", say=lambda text: None)
    hosts = serve_module.make_app(preview, "Preview.LAN", 8000).settings["hosts"]
    assert host_allowed("preview.lan:8000", hosts) and host_allowed("localhost:8000", hosts)
    assert not host_allowed("evil.example:8000", hosts)
    assert host_allowed("[::1]:8000", serve_module.make_app(preview, "[::1]", 8000).settings["hosts"])


def post(port: int, path: str, body: str, origin: str | None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body=body.encode(), headers={"Origin": origin} if origin else {})
    status = conn.getresponse().status
    conn.close()
    return status


def test_the_preview_switches_between_sites_and_rebuilds_the_one_whose_file_is_saved(
        make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_curriculum()
    (root / "sites").mkdir()
    (root / "sites" / "eastside.yml").write_text("organization: Eastside Clinic\n", "utf-8")
    (root / "sites" / "westside.yml").write_text("organization: Westside Clinic\n", "utf-8")
    seen: dict[str, Any] = {}

    def drive(port: int) -> None:
        own = f"http://127.0.0.1:{port}"
        seen["start"] = get(port, "/index.html")
        seen["switched"] = post(port, overlay.SITE_PATH, "eastside", own)
        seen["east"] = get(port, "/index.html")
        # only the preview's own pages may switch, and only to a site the curriculum has
        seen["refused"] = [post(port, overlay.SITE_PATH, "westside", origin)
                           for origin in (None, "http://evil.example", f"http://evil.example:{port}", "null")]
        seen["unknown"] = [post(port, overlay.SITE_PATH, name, own) for name in ("northside", "../program", "eastside.yml")]
        seen["after"] = json.loads(get(port, overlay.STATUS_PATH))
        builds = seen["after"]["builds"]
        (root / "sites" / "eastside.yml").write_text("organization: Eastside Renamed\n", "utf-8")
        seen["saved"] = wait_status(port, lambda s: s["builds"] > builds)
        seen["renamed"] = get(port, "/index.html")
        (root / "sites" / "northside.yml").write_text("organization: Northside Clinic\n", "utf-8")
        seen["added"] = wait_status(port, lambda s: "northside" in s["sites"])
        (root / "sites" / "eastside.yml").unlink()  # the site previewed is gone: program.yml alone
        seen["gone"] = wait_status(port, lambda s: "eastside" not in s["sites"])
        seen["program"] = get(port, "/index.html")
        seen["back"] = post(port, overlay.SITE_PATH, "westside", own)

    said = serving(root, tmp_path, monkeypatch, drive)
    switcher = f'<nav id="{overlay.SWITCHER_ID}"'.encode()
    assert switcher in seen["start"] and b"Test Clinic" in seen["start"]
    assert b'<option value="" selected>program.yml</option><option value="eastside">' in seen["start"]
    assert seen["switched"] == 200 and b"Eastside Clinic" in seen["east"] and b"Test Clinic" not in seen["east"]
    assert b'<option value="eastside" selected>eastside</option>' in seen["east"]
    assert seen["refused"] == [403, 403, 403, 403] and seen["unknown"] == [400, 400, 400]
    assert seen["after"]["site"] == "eastside" and seen["after"]["sites"] == ["eastside", "westside"]
    assert seen["saved"]["ok"] and seen["saved"]["site"] == "eastside" and b"Eastside Renamed" in seen["renamed"]
    assert seen["gone"]["ok"] and seen["gone"]["site"] is None and seen["gone"]["sites"] == ["northside", "westside"]
    assert b"Test Clinic" in seen["program"] and b"Eastside" not in seen["program"] and seen["back"] == 200
    assert any("There is no eastside in sites/ any more" in line for line in said)
    assert any("its sites (eastside, westside)" in line for line in said)


def test_a_curriculum_without_sites_gets_no_switcher(make_curriculum: MakeCurriculum, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def drive(port: int) -> None:
        seen["page"] = get(port, "/index.html")
        seen["switch"] = post(port, overlay.SITE_PATH, "eastside", f"http://127.0.0.1:{port}")

    serving(make_curriculum(), tmp_path, monkeypatch, drive)
    assert overlay.SWITCHER_ID.encode() not in seen["page"] and overlay.CSS_PATH.encode() not in seen["page"]
    assert seen["switch"] == 400


def test_the_libraries_of_the_site_switched_to_are_watched(make_curriculum: MakeCurriculum, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_curriculum()
    lib = tmp_path / "lib"
    (lib / "modules").mkdir(parents=True)
    (lib / "assets").mkdir()
    (lib / "modules" / "borrowed.md").write_text(module_text("borrowed", "Borrowed Module"), "utf-8")
    (lib / "assets" / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\nlib")
    (root / "sites").mkdir()
    (root / "sites" / "eastside.yml").write_text("library: [../lib]\n", "utf-8")
    seen: dict[str, Any] = {}

    def drive(port: int) -> None:
        seen["switched"] = post(port, overlay.SITE_PATH, "eastside", f"http://127.0.0.1:{port}")
        seen["asset"] = get(port, "/assets/chart.png")
        builds = json.loads(get(port, overlay.STATUS_PATH))["builds"]
        (lib / "modules" / "borrowed.md").write_text(module_text("borrowed", "Borrowed And Revised"), "utf-8")
        seen["saved"] = wait_status(port, lambda s: s["builds"] > builds)
        seen["page"] = get(port, "/facilitator/borrowed.html")

    serving(root, tmp_path, monkeypatch, drive)
    assert seen["switched"] == 200 and seen["asset"] == b"\x89PNG\r\n\x1a\nlib"
    assert seen["saved"]["ok"] and b"Borrowed And Revised" in seen["page"]


def test_the_preview_serves_its_own_styles_and_script_from_the_package_and_nothing_else_there(
        make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, tuple[int, str, bytes]] = {}

    def fetch(port: int, path: str) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        answer = (response.status, response.getheader("Content-Type") or "", response.read())
        conn.close()
        return answer

    def drive(port: int) -> None:
        for path in (overlay.CSS_PATH, overlay.SCRIPT_PATH, overlay.PREFIX + "serve.py", overlay.PREFIX + "../program.yml"):
            seen[path] = fetch(port, path)

    serving(make_curriculum(), tmp_path, monkeypatch, drive)
    status, kind, css = seen[overlay.CSS_PATH]
    assert status == 200 and kind == "text/css; charset=utf-8" and b"#iopcurr-overlay {" in css
    status, kind, script = seen[overlay.SCRIPT_PATH]
    assert status == 200 and kind.startswith("application/javascript") and b"iopcurr" in script
    assert all(seen[p][0] == 404 for p in (overlay.PREFIX + "serve.py", overlay.PREFIX + "../program.yml"))
