"""Live preview: the same build as `iopcurr build`, in memory, on every save.

    save → `watch.Watcher` (a burst of saves is one batch) → `Preview.rebuild`: the stages of
      `pipeline.run` (the files converted last time are kept in memory) → the files whose bytes
      changed written into a private folder, those gone removed → a reload for each browser
      whose page changed

The rebuild runs on the main thread, the server's own: a conversion there has the same time limit
as in `iopcurr build` (a timer signal, which only the main thread receives), and no request sees a
half-written site. Any exception in a rebuild is shown in the terminal and in the browser, and the
next save rebuilds.

The server is tornado with the livereload package's WebSocket protocol and livereload.js. It
answers only requests for the host names it listens on (against DNS rebinding) and WebSockets from
its own pages. It serves only the private site folder (a `TemporaryDirectory`, removed when the server
stops, by Ctrl+C or SIGTERM), never the user's `site/`; it refuses `..` and hidden files. HTML
pages get the reload script and, after a failed rebuild, the error overlay on their way out
(`overlay.py`): the files on disk, like every `iopcurr build`, never contain either. A failed
rebuild keeps the last good pages served.

With sites/*.yml, every page shows a site switcher; a POST of a site's name from the preview's own
pages (their Origin is checked, as the WebSocket's) previews that site in the same folder: one
site at a time, so a save costs what it did.
"""

from __future__ import annotations

import asyncio
import errno
import importlib.resources
import json
import mimetypes
import os
import signal
import tempfile
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import tornado.web
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler

from iopcurr.errors import IopError
from iopcurr.model import OutputFile
from iopcurr.pipeline import BuildResult, Settings, run
from iopcurr.preview import overlay
from iopcurr.preview.overlay import Status
from iopcurr.preview.watch import Watcher, relevant
from iopcurr.render.pages import default_theme_dir
from iopcurr.source.library import library_folders
from iopcurr.source.parsed import Parsed
from iopcurr.source.sites import site_names

Say = Callable[[str], None]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HTML = "text/html; charset=utf-8"


class Preview:
    """The preview of one curriculum: its private site folder, what is in it, and its status."""

    def __init__(self, source: Path, site: Path, *, say: Say, program_site: str | None = None) -> None:
        self.source = source
        self.program_site = program_site  # sites/<name>.yml merged over program.yml, if given
        self.site = site
        self.say = say
        self.parsed: dict[str, Parsed] = {}  # the files last read, by cache key
        self.files: dict[str, bytes] = {}  # what the site folder holds
        self.status = Status()
        self.library: tuple[str, ...] = ()  # the libraries of the last build's program (to watch)

    def rebuild(self, why: str) -> tuple[set[str], bool]:
        """Build everything in memory and write what changed; never raises. Returns the site
        paths written or removed, and whether the status changed (ok or not, the problems, the
        sites to switch to). A site whose file is gone falls back to program.yml alone."""
        started, cpu = time.perf_counter(), time.thread_time()
        sites = tuple(site_names(self.source))
        if self.program_site is not None and self.program_site not in sites:
            self.say(f"There is no {self.program_site} in sites/ any more: previewing program.yml alone.")
            self.program_site = None
        result = BuildResult(None, {}, (), ())  # until a build returns one
        changed: set[str] = set()
        crash = ""
        try:
            result = run(self.source, Settings(site=self.program_site), memo=self.parsed)
            if result.stats is not None:  # keep only the files of this build
                self.parsed = {key: self.parsed[key] for key in result.stats.keys}
            if result.ok:
                changed = self._write(result.files)
        except IopError as exc:
            crash = exc.format()
        except Exception as exc:  # a bug, or a disk that refuses: the preview must go on, and say so
            self.say(traceback.format_exc().rstrip())
            crash = (f"error: the rebuild stopped with {type(exc).__name__}: {exc} (the terminal shows where). "
                     "Save again to retry.")
        ok = result.ok and not crash
        problems = () if ok else result.problems
        converted = result.stats.converted if result.stats is not None else 0
        if result.curriculum is not None:
            self.library = result.curriculum.program.library
        was = self.status
        self.status = Status(ok, problems, crash, was.builds + 1, was.converted + converted, {
            "why": why, "ok": ok, "converted": converted, "written": len(changed),
            "ms": round(1000 * (time.perf_counter() - started), 1),
            "cpu_ms": round(1000 * (time.thread_time() - cpu), 1), "timings": result.timings,
        }, self.program_site, sites)
        self._report(why, len(changed))
        # (a new or removed site file changes every page's switcher)
        return changed, (was.ok, was.problems, was.crash, was.sites) != (ok, problems, crash, sites)

    def folders(self) -> tuple[Path, ...]:
        """The folders to watch, as the watcher reports paths: the curriculum, the default theme
        and the libraries of the site previewed (so that their modules reload as well)."""
        return (self.source.resolve(), default_theme_dir().resolve(), *library_folders(self.source, self.library))

    def _write(self, files: Iterable[OutputFile]) -> set[str]:
        """Each changed file replaced at once (written beside it, then renamed): never half a
        file. Files the build no longer makes are removed."""
        new = {f.path: f.content for f in files}
        changed = {rel for rel, content in new.items() if self.files.get(rel) != content}
        for rel in sorted(changed):
            target = self.site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(new[rel])
            os.replace(tmp, target)
        gone = set(self.files) - set(new)
        for rel in gone:
            (self.site / rel).unlink(missing_ok=True)
        self.files = new
        return changed | gone

    def _report(self, why: str, written: int) -> None:
        status = self.status
        for line in status.lines():
            self.say(line)
        if status.ok:
            self.say(f"Rebuilt in {status.last['ms']:.0f} ms ({why}): {status.last['converted']} converted, "
                     f"{written} file{'s' if written != 1 else ''} changed.")
        else:
            errors = sum(1 for p in status.problems if p.severity == "error") + bool(status.crash)
            self.say(f"Build failed ({why}): {errors} error(s); the browser shows them, "
                     "and the last good pages stay served.")


# ---------------------------------------------------------------- HTTP


def site_file(site: Path, url_path: str) -> Path | None:
    """The file under `site` that `url_path` names, or None: nothing outside the folder, no
    hidden files (a file being written), no `..`."""
    parts = [p for p in url_path.split("/") if p not in ("", ".")]
    if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):  # (`..` is hidden too)
        return None
    target = site.joinpath(*parts)
    try:  # (a name longer than the system allows is an OSError too)
        real = (target / "index.html" if target.is_dir() else target).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real.is_file() and real.is_relative_to(site.resolve()) else None


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    """Does a Host header (or an Origin's host and port) name one of the `allowed` host names?"""
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return False
    return name is not None and name in allowed


class LocalHandler(tornado.web.RequestHandler):
    """Answers only requests whose Host names the server (a page of another site that rebinds
    its name to 127.0.0.1 sends its own name)."""

    def prepare(self) -> None:
        if not host_allowed(self.request.host, self.settings["hosts"]):
            raise tornado.web.HTTPError(403)

    def check_origin(self, origin: str) -> bool:
        """Is `origin` the server's own (a request from one of the preview's pages)?"""
        netloc = urlsplit(origin).netloc
        return netloc == self.request.host and host_allowed(netloc, self.settings["hosts"])

    @property
    def preview(self) -> Preview:
        return cast(Preview, self.settings["preview"])

    def answer(self, kind: str, data: str | bytes, cache: str = "") -> None:
        self.set_header("Content-Type", kind)
        if cache:
            self.set_header("Cache-Control", cache)
        self.write(data)


class ReloadJSHandler(LocalHandler, LiveReloadJSHandler):  # type: ignore[misc]
    """livereload.js, for the server's own pages only."""


class SiteHandler(LocalHandler):
    """Files of the private site folder, with the preview's additions in HTML pages."""

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def get(self, path: str) -> None:
        status = self.preview.status
        found = site_file(self.preview.site, path)
        if found is None:
            if not status.ok and not self.preview.files and (path == "" or path.endswith(".html")):
                self.answer(HTML, overlay.placeholder(status, port=self.settings["port"]))
                return
            raise tornado.web.HTTPError(404)
        try:
            data = found.read_bytes()
        except OSError:  # removed by a rebuild meanwhile
            raise tornado.web.HTTPError(404) from None
        if found.suffix == ".html":
            self.answer(HTML, overlay.inject(data, port=self.settings["port"], status=status))
            return
        kind, _ = mimetypes.guess_type(found.name)
        # Asked again on every load, but answered "not modified" (tornado's ETag) when it is not:
        # a reload does not fetch the stylesheets and scripts again.
        self.answer(kind or "application/octet-stream", data, "no-cache")


class PreviewFileHandler(LocalHandler):
    """The preview's own files, from the package: overlay.css and preview.js."""

    def get(self, name: str) -> None:
        kind = "text/css" if name.endswith(".css") else "application/javascript"
        data = (importlib.resources.files("iopcurr.preview") / name).read_bytes()
        self.answer(f"{kind}; charset=utf-8", data, "no-cache")


class StatusHandler(LocalHandler):
    def get(self) -> None:
        browsers = sorted(getattr(w, "page", "") for w in LiveReloadHandler.waiters)
        self.answer("application/json", self.preview.status.as_json(browsers=browsers), "no-store")


class SwitchHandler(LocalHandler):
    """POST a site's name (an empty body: program.yml alone) to preview that site; only from the
    preview's own pages (a page of another site may post here too, but with its own Origin).
    The watcher (the application's setting, once it runs) then watches the libraries of that site."""

    def post(self) -> None:
        if not self.check_origin(self.request.headers.get("Origin", "")):
            raise tornado.web.HTTPError(403)
        name = self.request.body.decode("utf-8", "replace")
        if name and name not in site_names(self.preview.source):
            raise tornado.web.HTTPError(400)
        self.preview.program_site = name or None
        changed, _ = self.preview.rebuild(f"site {name or 'program.yml'}")
        tell_browsers(changed, True)  # every page reloads
        if "watcher" in self.settings:
            self.settings["watcher"].watch(self.preview.folders())
        self.answer("application/json", self.preview.status.as_json(), "no-store")


class ReloadSocket(LocalHandler, LiveReloadHandler):  # type: ignore[misc]
    """livereload's WebSocket, remembering which page each browser shows so that only the
    browsers whose page changed reload. Accepts connections from the preview's own pages only."""

    page: str = ""

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


def tell_browsers(changed: set[str], status_changed: bool) -> None:
    """Reload each browser whose page changed (all of them when the error state changed);
    stylesheets and images are swapped in place."""
    styles = sorted(p for p in changed if p.endswith(".css"))
    images = sorted(p for p in changed if p.endswith((".png", ".jpg", ".jpeg", ".gif")))
    for waiter in list(LiveReloadHandler.waiters):
        page = getattr(waiter, "page", "")
        paths = [page] if status_changed or page in changed or not page else styles + images
        for path in paths:
            waiter.send_message({"command": "reload", "path": "/" + path, "liveCSS": True, "liveImg": True})


def make_app(preview: Preview, host: str, port: int) -> tornado.web.Application:
    """The server's routes, and the settings its handlers read: the host names it answers, the
    preview and the port. It logs no requests: the terminal shows rebuilds, not every request."""
    hosts = LOCAL_HOSTS | {host.strip("[]").lower()}
    return tornado.web.Application([
        (r"/livereload", ReloadSocket),
        (r"/livereload\.js", ReloadJSHandler),
        (overlay.PREFIX + r"(overlay\.css|preview\.js)", PreviewFileHandler),
        (overlay.STATUS_PATH.replace(".", r"\."), StatusHandler),
        (overlay.SITE_PATH, SwitchHandler),
        (r"/(.*)", SiteHandler),
    ], log_function=lambda handler: None, hosts=hosts, preview=preview, port=port)


# ---------------------------------------------------------------- the command


def serve(source: Path, *, host: str, port: int, open_browser: bool, say: Say, site: str | None = None) -> None:
    """Build, serve and watch until Ctrl+C or SIGTERM; then remove the private folder. `say`
    prints a message for the terminal."""
    if not source.is_dir():
        raise IopError(f"no curriculum folder at {source}. Create one with `iopcurr new {source}`.", path=str(source))
    with tempfile.TemporaryDirectory(prefix="iopcurr-serve-", ignore_cleanup_errors=True) as folder:  # mode 0700
        try:
            asyncio.run(_serve(Preview(source, Path(folder), say=say, program_site=site), host, port, open_browser))
        except (KeyboardInterrupt, asyncio.CancelledError):
            say("Stopped.")


async def _serve(preview: Preview, host: str, port: int, open_browser: bool) -> None:
    """Listen, build, then watch: each batch of saves is a rebuild and a reload of the browsers
    whose page changed."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)

    def rebuild(paths: frozenset[Path]) -> None:
        watched = preview.folders()
        saved = sorted(p for p in paths if relevant(p, watched))
        if saved:
            tell_browsers(*preview.rebuild(", ".join(p.name for p in saved[:3]) + (" ..." if saved[3:] else "")))
        watcher.watch(preview.folders())

    app = make_app(preview, host, port)
    try:  # (requests are answered only from the `await` below)
        server = app.listen(port, address=host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise IopError(f"port {port} on {host} is already in use (another iopcurr serve?). "
                           f"Stop it, or choose another port: --port {port + 1}.") from exc
        raise IopError(f"cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    preview.rebuild("start")  # before any thread starts, so that the worker processes can be forked
    # Each batch is rebuilt on this loop; the saves made during a rebuild make the next batch.
    watcher = app.settings["watcher"] = Watcher(rebuild, loop)
    watcher.watch(preview.folders())
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    sites = preview.status.sites
    preview.say(f"Serving {preview.source} at {url} (Ctrl+C to stop)"
                + (f"; its sites ({', '.join(sites)}) are chosen in the list above each page" if sites else ""))
    if open_browser:
        webbrowser.open(url)
    try:
        await asyncio.Event().wait()
    finally:
        watcher.stop()
        server.stop()

