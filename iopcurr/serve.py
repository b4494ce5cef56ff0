"""Live preview: build into a private folder, serve it, rebuild what a save touches, reload the
browser.

Three parts, each with one job:

- `incremental.Project` and `incremental.classify` (the rebuild policy): what a batch of changed
  paths asks for, and the least work that does it;
- `watch.Watcher`: file events → batches of paths (a burst of saves is one batch);
- this module: the `Preview` that ties them together (rebuild, write the changed files into the
  private folder, tell the browsers) and the HTTP server.

The server is tornado with the livereload package's WebSocket protocol and livereload.js. It
serves only the private site folder (made with `mkdtemp`, removed at exit), never the user's
`site/`; it refuses `..` and hidden files. HTML pages get the reload script and, after a failed
rebuild, the error overlay on their way out (`overlay.py`): the files on disk, like every
`iopcurr build`, never contain either. A failed rebuild keeps the last good pages served.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import json
import mimetypes
import os
import shutil
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import tornado.web
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler

from iopcurr import overlay
from iopcurr.cache import ParseCache
from iopcurr.errors import IopError, Problem
from iopcurr.incremental import Changes, Outcome, Project, classify, ignored
from iopcurr.render import default_theme_dir
from iopcurr.watch import Watcher
from iopcurr.write import CACHE_DIR

Say = Callable[[str], None]
COLLECT_AFTER = 1.0  # seconds without a save before the collections are made again (the reloaded
# pages come first: the collections take the interpreter for seconds)


@dataclass(frozen=True)
class Status:
    """What the server knows about the last rebuild (also served as JSON, for tests and
    benchmarks)."""

    ok: bool = False
    problems: tuple[Problem, ...] = ()
    builds: int = 0  # rebuilds done (the first build is 1)
    converted: int = 0  # source files converted since the start
    last: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps({"ok": self.ok, "builds": self.builds, "converted": self.converted,
                           "problems": [p.format() for p in self.problems], "last": self.last})


class Preview:
    """The preview of one curriculum: its project, its private site folder and its status."""

    def __init__(self, source: Path, site: Path, *, say: Say, jobs: int | None = None) -> None:
        self.source = source
        self.site = site
        self.say = say
        self.project = Project(source, cache=ParseCache(site / CACHE_DIR), jobs=jobs, defer_books=True)
        self.status = Status()
        self.listeners: list[Callable[[Outcome, bool], None]] = []
        self._lock = threading.Lock()  # one rebuild at a time
        self._collections = threading.Event()
        self._collector: threading.Thread | None = None

    def build(self) -> Outcome:
        """The first build: everything."""
        with self._lock:
            cpu = time.thread_time()
            outcome = self._apply(self.project.build(), Changes(full=True, why="start"), cpu)
        if self._collector is None:  # started after the first build, which may fork workers
            self._collector = threading.Thread(target=self._collect, name="iopcurr-collections", daemon=True)
            self._collector.start()
        return outcome

    def on_paths(self, paths: frozenset[Path]) -> None:
        """A batch of changed paths from the watcher: rebuild what they touch (if anything)."""
        changes = Changes()
        folders = self.project.theme_folders() or (default_theme_dir(),)
        for path in paths:
            changes = changes | classify(path, self.source, folders)
        if changes.empty:
            return
        with self._lock:
            cpu = time.thread_time()
            self._apply(self.project.update(changes), changes, cpu)
        self._collections.set()

    def _collect(self) -> None:
        """In a thread of its own: the collections (the packet, the manual, the search index),
        once the saving has stopped for COLLECT_AFTER seconds. They take every page, so in a large
        program they take seconds: the pages the author is looking at are served and reloaded
        first, and a save meanwhile is not kept waiting. What a newer update made stale is thrown
        away and done again."""
        while True:
            self._collections.wait()
            self._collections.clear()
            while self._collections.wait(COLLECT_AFTER):  # the author is still saving: wait
                self._collections.clear()
            started = time.perf_counter()
            job = self.project.collections_job()
            if job is None:
                continue
            with self._lock:
                outcome = self.project.apply_collections(*job)
                if outcome is None:
                    continue
                _write(self.site, outcome)
                ms = round(1000 * (time.perf_counter() - started), 1)
                self.status = replace(self.status, last={**self.status.last, "collections_ms": ms})
            for listener in self.listeners:
                listener(outcome, False)

    def _apply(self, outcome: Outcome, changes: Changes, cpu: float) -> Outcome:
        """Write what changed, then tell the browsers (the collections follow later)."""
        started = time.perf_counter()
        if outcome.ok:
            _write(self.site, outcome)
        cpu_ms = round(1000 * (time.thread_time() - cpu), 1)  # this thread: not the server answering requests meanwhile
        if outcome.full:
            # A large program is hundreds of thousands of objects that stay: out of the cycle
            # collector's sight, its pauses (100 ms at 1,000 modules) leave the rebuilds alone.
            gc.freeze()
        was = self.status
        self.status = Status(
            outcome.ok, outcome.problems if not outcome.ok else (), was.builds + 1,
            was.converted + outcome.converted,
            {"why": changes.why, "ok": outcome.ok, "converted": outcome.converted, "rendered": outcome.rendered,
             "written": len(outcome.written), "ms": round(1000 * (outcome.seconds + time.perf_counter() - started), 1),
             "cpu_ms": cpu_ms, "timings": outcome.timings},
        )
        self._report(outcome, changes)
        changed = (was.ok, was.problems) != (self.status.ok, self.status.problems)
        for listener in self.listeners:
            listener(outcome, changed)
        return outcome

    def _report(self, outcome: Outcome, changes: Changes) -> None:
        for p in outcome.problems:
            self.say(p.format())
        ms = self.status.last["ms"]
        if outcome.ok:
            pages = f"{len(outcome.written)} file{'s' if len(outcome.written) != 1 else ''} changed"
            self.say(f"Rebuilt in {ms:.0f} ms ({changes.why}): {outcome.converted} converted, {pages}.")
        else:
            errors = sum(1 for p in outcome.problems if p.severity == "error")
            self.say(f"Build failed ({changes.why}): {errors} error(s); the browser shows them, "
                     "and the last good pages stay served.")


def _write(site: Path, outcome: Outcome) -> None:
    """Each changed file replaced at once (write beside it, then rename): never half a file."""
    for rel, content in outcome.written.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, target)
    for rel in outcome.removed:
        (site / rel).unlink(missing_ok=True)


# ---------------------------------------------------------------- HTTP


def site_file(site: Path, url_path: str) -> Path | None:
    """The file under `site` that `url_path` names, or None: nothing outside the folder, no
    hidden files (the cache), no `..`."""
    parts = [p for p in url_path.split("/") if p not in ("", ".")]
    if any(p == ".." or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    target = site.joinpath(*parts)
    if target.is_dir():
        target = target / "index.html"
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real.is_file() and real.is_relative_to(site.resolve()) else None


class SiteHandler(tornado.web.RequestHandler):
    """Files of the private site folder, with the preview's additions in HTML pages."""

    preview: Preview
    port: int

    def initialize(self, preview: Preview, port: int) -> None:
        self.preview = preview
        self.port = port

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def get(self, path: str) -> None:
        if ".." in path.split("/"):
            raise tornado.web.HTTPError(403)
        status = self.preview.status
        found = site_file(self.preview.site, path)
        if found is None:
            if status.builds and not status.ok and (path == "" or path.endswith(".html")) and not any(
                    self.preview.site.glob("*.html")):
                self._html(overlay.placeholder(status.problems, port=self.port))
                return
            raise tornado.web.HTTPError(404)
        data = found.read_bytes()
        if found.suffix == ".html":
            self._html(overlay.inject(data, port=self.port, problems=status.problems))
            return
        kind, _ = mimetypes.guess_type(found.name)
        self.set_header("Content-Type", kind or "application/octet-stream")
        # Asked again on every load, but answered "not modified" (tornado's ETag) when it is not:
        # a reload does not fetch the stylesheets and scripts again.
        self.set_header("Cache-Control", "no-cache")
        self.write(data)

    def _html(self, data: bytes) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(data)


class OverlayCSSHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.write(overlay.OVERLAY_CSS)


class PreviewJSHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.write(overlay.preview_js())


class StatusHandler(tornado.web.RequestHandler):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        data = json.loads(self.preview.status.as_json())
        data["browsers"] = sorted(getattr(w, "page", "") for w in LiveReloadHandler.waiters)
        self.write(json.dumps(data))


class ReloadSocket(LiveReloadHandler):  # type: ignore[misc]
    """livereload's WebSocket, remembering which page each browser shows so that only the
    browsers whose page changed reload. Accepts connections from the preview's own pages only."""

    page: str = ""

    def check_origin(self, origin: str) -> bool:
        return bool(urlsplit(origin).netloc == self.request.host)

    def on_message(self, message: str | bytes) -> None:
        super().on_message(message)
        try:
            data = json.loads(message)
        except ValueError:
            return
        if isinstance(data, dict) and data.get("command") == "info" and isinstance(data.get("url"), str):
            self.page = page_of(urlsplit(data["url"]).path)


def page_of(url_path: str) -> str:
    """The site path a browser shows: `/` → `index.html`, `/pages/` → `pages/index.html`."""
    path = url_path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def tell_browsers(outcome: Outcome, status_changed: bool) -> None:
    """Reload each browser whose page changed (all of them when the error state changed);
    stylesheets and images are swapped in place."""
    changed = set(outcome.written) | set(outcome.removed)
    styles = sorted(p for p in changed if p.endswith(".css"))
    images = sorted(p for p in changed if p.endswith((".png", ".jpg", ".jpeg", ".gif")))
    for waiter in list(LiveReloadHandler.waiters):
        page = getattr(waiter, "page", "")
        paths = [page] if status_changed or page in changed or not page else styles + images
        for path in paths:
            waiter.send_message({"command": "reload", "path": "/" + path, "liveCSS": True, "liveImg": True})


def make_app(preview: Preview, port: int) -> tornado.web.Application:
    LiveReloadHandler.live_css = True
    return tornado.web.Application([
        (r"/livereload", ReloadSocket),
        (r"/livereload\.js", LiveReloadJSHandler),
        (overlay.CSS_PATH.replace(".", r"\."), OverlayCSSHandler),
        (overlay.SCRIPT_PATH.replace(".", r"\."), PreviewJSHandler),
        (overlay.STATUS_PATH.replace(".", r"\."), StatusHandler, {"preview": preview}),
        (r"/(.*)", SiteHandler, {"preview": preview, "port": port}),
    ], log_function=_no_access_log)


def _no_access_log(handler: tornado.web.RequestHandler) -> None:
    """The terminal shows rebuilds and problems, not every request."""


# ---------------------------------------------------------------- the command


def serve(source: Path, *, host: str, port: int, open_browser: bool, say: Say | None = None) -> None:
    """Build, serve and watch until Ctrl+C."""
    say = say or (lambda text: click.echo(text, err=True))
    if not source.is_dir():
        raise IopError(f"no curriculum folder at {source}. Create one with `iopcurr new {source}`.", path=str(source))
    folder = Path(tempfile.mkdtemp(prefix="iopcurr-serve-"))  # private: mode 0700
    try:
        asyncio.run(_serve(source, folder / "site", host=host, port=port, open_browser=open_browser, say=say))
    except KeyboardInterrupt:
        say("Stopped.")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _serve(source: Path, site: Path, *, host: str, port: int, open_browser: bool, say: Say) -> None:
    site.mkdir()
    preview = Preview(source, site, say=say)
    app = make_app(preview, port)
    try:
        server = app.listen(port, address=host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise IopError(f"port {port} on {host} is already in use (another iopcurr serve?). "
                           f"Stop it, or choose another port: --port {port + 1}.") from exc
        raise IopError(f"cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    loop = asyncio.get_running_loop()

    def notify(outcome: Outcome, changed: bool) -> None:  # called in the rebuild's thread
        loop.call_soon_threadsafe(tell_browsers, outcome, changed)

    preview.listeners.append(notify)
    preview.build()  # before any thread starts, so that the worker processes can be forked
    watcher = Watcher(preview.on_paths, settles=lambda path: not ignored(path.name))
    watcher.start()
    watcher.watch([source, *preview.project.theme_folders()])
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    say(f"Serving {source} at {url} (Ctrl+C to stop)")
    if open_browser:
        webbrowser.open(url)
    try:
        while True:  # follow the theme override folder if program.yml moves it
            await asyncio.sleep(1.0)
            watcher.watch([source, *preview.project.theme_folders()])
    finally:
        watcher.stop()
        server.stop()
