"""What keeps a save quick to show: a finished save is delivered without waiting out the quiet
period, the browsers are told as soon as the saved page is written (the collections follow in
their own thread), and a reload does not fetch the stylesheets and scripts again."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeCurriculum, module_text
from tornado.httpclient import AsyncHTTPClient
from watchdog.events import FileClosedEvent, FileModifiedEvent

from iopcurr import render_books
from iopcurr.incremental import Outcome, Project, classify, ignored
from iopcurr.pipeline import run
from iopcurr.serve import Preview, make_app
from iopcurr.watch import Debouncer, _Handler


def delivered_after(*, settled: bool, then_more: bool = False) -> float:
    """Seconds from adding a path to its batch going out, with a quiet period of 1 s."""
    done = threading.Event()
    debouncer = Debouncer(lambda batch: done.set(), quiet=1.0, settled=0.01)
    started = time.monotonic()
    debouncer.add([Path("modules/a.md")], settled=settled)
    if then_more:  # e.g. an editor removing its backup right after writing the file
        debouncer.add([Path("modules/a.md~")])
    assert done.wait(5)
    debouncer.stop()
    return time.monotonic() - started


def test_a_finished_save_goes_out_without_waiting_for_the_quiet() -> None:
    assert delivered_after(settled=True) < 0.5
    assert delivered_after(settled=False) >= 1.0
    assert delivered_after(settled=True, then_more=True) >= 1.0  # the last change decides


def test_only_files_closed_after_writing_settle_a_save() -> None:
    calls: list[bool] = []

    class Recorder(Debouncer):
        def add(self, paths: object, *, settled: bool = False) -> None:
            calls.append(settled)

    handler = _Handler(Recorder(lambda batch: None), lambda path: not ignored(path.name))
    handler.on_any_event(FileModifiedEvent("/cur/modules/a.md"))
    handler.on_any_event(FileClosedEvent("/cur/modules/a.md"))
    handler.on_any_event(FileClosedEvent("/cur/modules/.a.md.swp"))  # an editor's own file
    handler.on_any_event(FileClosedEvent("/cur/modules/4913"))
    assert calls == [False, True, False, False]


def test_browsers_are_told_before_the_collections_are_made(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum()
    site = tmp_path / "site"
    site.mkdir()
    preview = Preview(root, site, say=lambda text: None)
    heard: list[tuple[set[str], bool]] = []
    collections = threading.Event()

    def listener(outcome: Outcome, changed: bool) -> None:
        heard.append((set(outcome.written), changed))
        if "facilitator/manual.html" in outcome.written:
            collections.set()

    preview.listeners.append(listener)
    assert preview.build().ok
    heard.clear()
    collections.clear()
    module = root / "modules" / "alpha.md"
    module.write_text(module.read_text("utf-8").replace("Overview for the facilitator.", "A new overview."), "utf-8")
    preview.on_paths(frozenset({module}))
    # The saved page is written, and the browsers told, when on_paths returns ...
    assert heard and "facilitator/alpha.html" in heard[0][0] and "facilitator/manual.html" not in heard[0][0]
    assert b"A new overview." in (site / "facilitator" / "alpha.html").read_bytes()
    assert preview.status.last["cpu_ms"] >= 0
    # ... and the collections, which bind every page, follow in their own thread.
    assert collections.wait(30)
    assert b"A new overview." in (site / "facilitator" / "manual.html").read_bytes()


def test_a_reload_revalidates_stylesheets_but_always_gets_fresh_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    (site / "static" / "iopcurr.css").write_text("body { color: black; }\n", "utf-8")
    (site / "index.html").write_text("<html><head></head><body>Home</body></html>", "utf-8")
    preview = Preview(tmp_path / "cur", site, say=lambda text: None)

    async def fetch() -> tuple[int, str, int, str]:
        app = make_app(preview, 8123)
        server = app.listen(0, address="127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        client = AsyncHTTPClient()
        try:
            css = await client.fetch(f"http://127.0.0.1:{port}/static/iopcurr.css")
            again = await client.fetch(f"http://127.0.0.1:{port}/static/iopcurr.css", raise_error=False,
                                       headers={"If-None-Match": css.headers["Etag"]})
            page = await client.fetch(f"http://127.0.0.1:{port}/index.html")
        finally:
            server.stop()
        return (again.code, css.headers["Cache-Control"], page.code, page.headers["Cache-Control"])

    code, css_cache, page_code, page_cache = asyncio.run(fetch())
    assert code == 304 and css_cache == "no-cache"
    assert page_code == 200 and page_cache == "no-store"


def test_an_update_stops_the_collections_being_made(make_curriculum: MakeCurriculum,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The collections take seconds in a large program, in a thread of their own: a save that
    comes meanwhile makes them stale, and stops them at once instead of sharing the interpreter
    with them."""
    root = make_curriculum({"alpha": module_text("alpha"), "beta": module_text("beta")})
    project = Project(root, defer_books=True)
    assert project.build().ok
    module = root / "modules" / "alpha.md"
    module.write_text(module.read_text("utf-8").replace("Overview for the facilitator.", "A new overview."), "utf-8")
    assert project.update(classify(module, root, project.theme_folders())).ok and project.books_due
    bound: list[str] = []
    real = render_books.render_main

    def render_main(*args: Any, **kwargs: Any) -> str:
        bound.append(args[1])
        if len(bound) == 2:
            project.generation += 1  # as an update does when it begins, in the preview's other thread
        return real(*args, **kwargs)

    monkeypatch.setattr(render_books, "render_main", render_main)
    assert project.collections_job() is None
    assert len(bound) == 2  # stopped at the next part it asked the memo for
    monkeypatch.setattr(render_books, "render_main", real)
    job = project.collections_job()
    assert job is not None and project.apply_collections(*job) is not None
    assert project.site == {f.path: f.content for f in run(root).files}


def test_collections_after_several_saves_rebind_only_what_changed(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum({"alpha": module_text("alpha"), "beta": module_text("beta"), "gamma": module_text("gamma")})
    project = Project(root, defer_books=True)
    assert project.build().ok
    module = root / "modules" / "alpha.md"
    for k in range(3):  # saves quicker than the collections: they are made once, after the last
        module.write_text(module.read_text("utf-8").replace("Try the step", f"Try step {k}"), "utf-8")
        assert project.update(classify(module, root, project.theme_folders())).ok
    state = project.state
    assert state is not None and state.theme is not None and state.theme.memo is not None
    memo = state.theme.memo
    made: list[object] = []
    real_put = memo.put
    memo.put = lambda key, content: (made.append(key), real_put(key, content))[1]  # type: ignore[method-assign]
    job = project.collections_job()
    assert job is not None and project.apply_collections(*job) is not None
    mains = [key for key in made if isinstance(key, tuple) and key[0] == "main"]
    assert [key[1] for key in mains] == ["module.html"]  # alpha's page; every other from the memo
    assert project.site == {f.path: f.content for f in run(root).files}
