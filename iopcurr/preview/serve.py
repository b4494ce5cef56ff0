"""Live preview: the same build as `iopcurr build`, in memory, on every save.

    save → `watch.Watcher` (a burst of saves is one batch) → `Preview.begin`: the files read and
      converted (those converted last time are kept in memory), and the pages the browsers show
      rendered alone and written when they changed → a reload for those browsers, and a wait
      until they are back → `Preview.end`: the whole site in memory (`pipeline.site_of`), the
      files whose bytes changed written into a private folder, those gone removed → a reload for
      each browser whose page changed

The rebuild runs on the main thread, the server's own: a conversion there has the same time limit
as in `iopcurr build` (a timer signal, which only the main thread receives), and the server
answers no request while the whole site is rendered; that is why the pages the browsers show
come first, and the rest waits until those browsers have loaded them again. (Rendering on another
thread showed the page no sooner, and kept some 25 MB more after 300 saves: a second malloc
arena.) Any exception in a rebuild is shown in the terminal and in the browser, and the next save
rebuilds.

The server is tornado with the livereload package's WebSocket protocol and livereload.js. It
answers only requests for the host names it listens on (against DNS rebinding) and WebSockets from
its own pages. It serves only the private site folder (a `TemporaryDirectory`, removed when the server
stops, by Ctrl+C or SIGTERM), never the user's `site/`; it refuses `..` and hidden files. HTML
pages get the reload script and, after a failed rebuild, the error overlay on their way out
(`overlay.py`): the files on disk, like every `iopcurr build`, never contain either. A failed
rebuild keeps the last good pages served (the pages written first are put back).

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import tornado.web
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler

from iopcurr.errors import IopError
from iopcurr.model import OutputFile
from iopcurr.pipeline import BuildResult, Settings, Timer, read, site_of
from iopcurr.preview import overlay
from iopcurr.preview.overlay import Status
from iopcurr.preview.watch import Watcher, relevant
from iopcurr.render.pages import default_theme_dir
from iopcurr.source.convert import ParseStats, parse_all
from iopcurr.source.library import library_folders
from iopcurr.source.loader import Sources
from iopcurr.source.parsed import Parsed
from iopcurr.source.sites import site_names

Say = Callable[[str], None]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Step:
    """A rebuild under way (`Preview.begin`): what it read, or the crash that stopped it, and the
    shown pages it wrote first, with the bytes each replaced (None: a new file)."""

    why: str
    settings: Settings
    started: float  # (time.perf_counter)
    cpu: float  # (time.process_time)
    timer: Timer
    read: tuple[Sources, list[Parsed], ParseStats] | None = None
    crash: str = ""
    first: dict[str, bytes | None] = field(default_factory=dict)


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
        self.lock = asyncio.Lock()  # one rebuild at a time (`_serve`, `SwitchHandler`)

    def rebuild(self, why: str) -> tuple[set[str], bool]:
        """A whole rebuild at once (the first build, a site switch): `begin`, then `end`."""
        return self.end(self.begin(why))

    def begin(self, why: str, shown: frozenset[str] = frozenset()) -> Step:
        """The first part of a rebuild, on the server's thread (a conversion's time limit is a
        timer signal, which only the main thread receives): read and convert the files, then,
        when the last build was good, render the pages of `shown` (the pages the browsers show)
        and write those that changed, so that they show before the rest of the site is rendered.
        Never raises: a crash is kept in the step. A site whose file is gone falls back to
        program.yml alone."""
        if self.program_site is not None and self.program_site not in site_names(self.source):
            self.say(f"There is no {self.program_site} in sites/ any more: previewing program.yml alone.")
            self.program_site = None
        step = Step(why, Settings(site=self.program_site), time.perf_counter(), time.process_time(), Timer())
        try:
            sources = read(self.source, self.program_site)
            step.timer.lap("read")
            parsed, stats = parse_all(sources.files, memo=self.parsed)
            step.timer.lap("convert")
            self.parsed = {key: self.parsed[key] for key in stats.keys}  # keep only the files of this build
            first: dict[str, bytes | None] = {}
            if shown and self.status.ok:
                early = site_of(self.source, sources, parsed, stats, replace(step.settings, only=shown), Timer())
                if early.ok:
                    first = self._put({f.path: f.content for f in early.files})
                    step.timer.lap("first")
            return replace(step, read=(sources, parsed, stats), first=first)
        except Exception as exc:  # (a bug, or a disk that refuses: `crashed`)
            return replace(step, crash=self.crashed(exc))

    def crashed(self, exc: Exception) -> str:
        """What the terminal and the browser say about an exception that stopped a rebuild: an
        IopError's message; for a bug or a disk that refuses (the preview must go on), the traceback
        in the terminal."""
        if isinstance(exc, IopError):
            return exc.format()
        self.say("".join(traceback.format_exception(exc)).rstrip())
        return (f"error: the rebuild stopped with {type(exc).__name__}: {exc} (the terminal shows where). "
                "Save again to retry.")

    def end(self, step: Step) -> tuple[set[str], bool]:
        """The rest of a rebuild: the whole site in memory (`site_of`); when it built, every file
        whose bytes changed written and those gone removed; when not, the shown pages written
        first put back. Never raises. Returns the site paths written or removed, and whether the
        status changed (ok or not, the problems, the sites to switch to)."""
        result: BuildResult | None = None
        crash, changed = step.crash, set()
        try:
            result = site_of(self.source, *step.read, step.settings, step.timer) if step.read else None
        except Exception as exc:  # (a bug: `crashed`)
            crash = self.crashed(exc)
        try:
            changed = self._write(result.files) if result and result.ok else set(self._put(step.first))
        except Exception as exc:  # (a disk that refuses)
            crash = crash or self.crashed(exc)
        ok = result is not None and result.ok and not crash
        problems = () if ok or result is None else result.problems
        converted = step.read[2].converted if step.read is not None else 0
        if result is not None:
            self.library = result.curriculum.program.library
        was, sites = self.status, tuple(site_names(self.source))
        self.status = Status(ok, problems, crash, was.builds + 1, was.version + 1, was.converted + converted, {
            "why": step.why, "ok": ok, "converted": converted, "written": len(changed | set(step.first)), "first": sorted(step.first),
            "ms": round(1000 * (time.perf_counter() - step.started), 1),
            "cpu_ms": round(1000 * (time.process_time() - step.cpu), 1), "timings": step.timer.timings,
        }, self.program_site, sites)
        self._report(step.why, len(changed | set(step.first)))
        # (a new or removed site file changes every page's switcher)
        return changed, (was.ok, was.problems, was.crash, was.sites) != (ok, problems, crash, sites)

    def folders(self) -> tuple[Path, ...]:
        """The folders to watch, as the watcher reports paths: the curriculum, the default theme
        and the libraries of the site previewed (so that their modules reload as well)."""
        return (self.source.resolve(), default_theme_dir().resolve(), *library_folders(self.source, self.library))

    def _write(self, files: Iterable[OutputFile]) -> set[str]:
        """The site folder made to hold exactly `files`; returns the paths written or removed."""
        new: dict[str, bytes | None] = dict.fromkeys(self.files)
        new.update((f.path, f.content) for f in files)
        return set(self._put(new))

    def _put(self, files: dict[str, bytes | None]) -> dict[str, bytes | None]:
        """Each file of `files` whose bytes changed replaced at once (written beside it, then
        renamed: never half a file), or removed where its bytes are None. Returns the paths
        changed, with the bytes each held before (None: there was no such file)."""
        before: dict[str, bytes | None] = {}
        for rel in sorted(rel for rel, content in files.items() if self.files.get(rel) != content):
            before[rel], content, target = self.files.pop(rel, None), files[rel], self.site / rel
            if content is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(content)
            os.replace(tmp, target)
            self.files[rel] = content
        if before:  # (a page loaded before, whose reload message came before its connection, reloads)
            self.status = replace(self.status, version=self.status.version + 1)
        return before

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

    async def post(self) -> None:
        if not self.check_origin(self.request.headers.get("Origin", "")):
            raise tornado.web.HTTPError(403)
        name = self.request.body.decode("utf-8", "replace")
        if name and name not in site_names(self.preview.source):
            raise tornado.web.HTTPError(400)
        async with self.preview.lock:  # after the rebuild under way, if any
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


def tell_browsers(changed: set[str], status_changed: bool) -> list[ReloadSocket]:
    """Reload each browser whose page changed (all of them when the error state changed);
    stylesheets and images are swapped in place. Returns the connections of the pages reloaded."""
    styles = sorted(p for p in changed if p.endswith(".css"))
    images = sorted(p for p in changed if p.endswith((".png", ".jpg", ".jpeg", ".gif")))
    told = []
    for waiter in list(LiveReloadHandler.waiters):
        page = getattr(waiter, "page", "")
        paths = [page] if status_changed or page in changed or not page else styles + images
        for path in paths:
            waiter.send_message({"command": "reload", "path": "/" + path, "liveCSS": True, "liveImg": True})
        told += [waiter] if page and paths == [page] else []
    return told


async def reloaded(told: list[ReloadSocket], limit: float = 1.0) -> None:
    """Until every browser in `told` is back (its page, reloaded, has said on a new connection
    which page it shows), or for `limit` seconds."""
    pages, deadline = {w.page for w in told}, time.monotonic() + limit
    while time.monotonic() < deadline and not pages <= {getattr(w, "page", "") for w in LiveReloadHandler.waiters
                                                        if w not in told}:
        await asyncio.sleep(0.01)


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

    queued: set[Path] = set()  # saved and not yet rebuilt: the saves made during a rebuild are one batch
    rebuilding: list[asyncio.Task[None]] = []  # (the loop keeps only weak references to its tasks)

    async def rebuild() -> None:
        """Each batch of saves: the pages the browsers show first (rendered alone, a fraction of
        the whole site); once those browsers have loaded them again, the whole site."""
        async with preview.lock:
            while queued:
                watched = preview.folders()
                saved = sorted(p for p in queued if relevant(p, watched))
                queued.clear()
                if saved:
                    shown = frozenset(getattr(w, "page", "") for w in LiveReloadHandler.waiters) - {""}
                    step = preview.begin(", ".join(p.name for p in saved[:3]) + (" ..." if saved[3:] else ""), shown)
                    await reloaded(tell_browsers(set(step.first), False))  # (before rendering takes the CPU)
                    step.timer.lap("reloaded")
                    tell_browsers(*preview.end(step))
                watcher.watch(preview.folders())

    def deliver(paths: frozenset[Path]) -> None:
        queued.update(paths)
        if not rebuilding or rebuilding[-1].done():
            rebuilding[:] = [loop.create_task(rebuild())]

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
    watcher = app.settings["watcher"] = Watcher(deliver, loop)
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

