"""A curriculum kept in memory between builds: after a change, redo only what the change touches.

This is the engine of the live preview (and of the benchmark's one-module rebuild):

    changed files → read those again → convert those (the rest comes from memory)
      → patch them into the last good build (delta.py) → render the pages they touch

The rebuild policy (`Changes`, `classify`) sorts each changed path: a module or page edit
re-reads that file; a template edit re-renders every page without converting anything; a theme
CSS edit copies the theme's files; program.yml, assets, new or removed files and anything
uncertain rebuild everything (still converting only files whose text changed).

An edit of modules and pages that keeps the program's shape (every title, track, summary,
handout id and order: `delta.py`) is patched onto the last good build in time proportional to
the edit: only the saved files are checked again, and only the pages they can change are
rendered. Any other edit assembles and checks everything again and renders every page, taking
those whose view did not change from a memo. Saves that do not build leave the last good site
served; they are patched onto it once they do. Tests check that the result is byte-identical to
a full build.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from iopcurr import books, delta
from iopcurr.cache import ParseCache
from iopcurr.convert import parse_all
from iopcurr.errors import IopError, Problem, has_errors, sort_problems
from iopcurr.links import check_owner_site_refs, check_site_refs
from iopcurr.loader import Sources, read_source, read_sources
from iopcurr.markup import Converter
from iopcurr.model import Curriculum, Module, OutputFile, Program, Schedule, SessionPlan
from iopcurr.parsed import Cached, Parsed
from iopcurr.pipeline import (
    Assembled,
    assemble_parts,
    asset_files,
    program_of,
    render_all,
    source_files,
    template_problem,
    theme_files,
    theme_for,
)
from iopcurr.plan import plan_module
from iopcurr.render import Interrupted, RenderMemo, Theme
from iopcurr.schedule import build_schedule
from iopcurr.search import INDEX_PATH

SOURCE_FOLDERS = {"modules": "module", "pages": "page"}
MEMO_GROWTH = 64 * 2**20  # bytes the render memo may take in between two full renders


# ---------------------------------------------------------------- the rebuild policy


@dataclass(frozen=True)
class Changes:
    """What a batch of changed paths asks for."""

    files: frozenset[str] = frozenset()  # edited module and page files (paths relative to the source)
    templates: bool = False  # re-render every page with a fresh theme
    theme_static: bool = False  # copy the theme's static files again
    full: bool = False  # read, check and render everything
    why: str = ""

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.files | other.files, self.templates or other.templates,
                       self.theme_static or other.theme_static, self.full or other.full,
                       ", ".join(w for w in (self.why, other.why) if w))

    @property
    def empty(self) -> bool:
        return not (self.files or self.templates or self.theme_static or self.full)


def ignored(name: str) -> bool:
    """Editor backups, swap and lock files, and hidden files: never a reason to rebuild."""
    return (name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))
            or name.isdigit())  # vim writes a file named 4913 to test the folder


def classify(path: Path, source: Path, theme_folders: Iterable[Path] = ()) -> Changes:
    """What one changed path (created, modified, moved or deleted) asks for."""
    name = path.name
    if ignored(name):
        return Changes()
    for folder in theme_folders:
        rel = _relative(path, folder)
        if rel is not None:
            if rel.parts[:1] == ("templates",):
                return Changes(templates=True, why=f"template {rel}")
            if rel.parts[:1] == ("static",):
                return Changes(theme_static=True, why=f"theme file {rel}")
            return Changes()  # something else in a theme folder: not read by iopcurr
    rel = _relative(path, source)
    if rel is None:
        return Changes(full=True, why=str(path))
    if len(rel.parts) == 2 and rel.parts[0] in SOURCE_FOLDERS:
        if rel.suffix != ".md":  # the loader warns about other files there
            return Changes(full=True, why=rel.as_posix())
        if path.is_file():
            return Changes(files=frozenset({rel.as_posix()}), why=rel.as_posix())
        return Changes(full=True, why=f"{rel.as_posix()} removed")
    if any(ignored(part) for part in rel.parts):
        return Changes()
    return Changes(full=True, why=rel.as_posix())


def _relative(path: Path, folder: Path) -> Path | None:
    try:
        return path.absolute().relative_to(folder.absolute())
    except ValueError:
        return None


# ---------------------------------------------------------------- the engine


@dataclass(frozen=True)
class Outcome:
    """The result of one build or update of a `Project`."""

    ok: bool
    problems: tuple[Problem, ...]
    written: dict[str, bytes]  # output files that are new or changed since the last good site
    removed: tuple[str, ...]  # output files that are gone since then
    converted: int  # source files converted
    rendered: int  # pages rendered with the templates (not those whose view had not changed)
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    full: bool = True  # everything was assembled and rendered


@dataclass
class _State:
    sources: Sources
    config: tuple[Program, list[Problem]]
    parsed: list[Parsed]
    done: Assembled
    schedule: Schedule
    theme: Theme | None
    ok: bool
    problems: tuple[Problem, ...] = ()  # sorted
    index: delta.Index | None = None  # once its site is rendered: what an edit is patched with

    @property
    def curriculum(self) -> Curriculum:
        return self.done.curriculum

    @property
    def plans(self) -> dict[str, SessionPlan | None]:
        return self.done.plans


class Project:
    """A curriculum folder and its site, kept in memory. Not thread-safe: one caller at a time
    (but `collections_job` may run in another thread)."""

    def __init__(self, source: Path, *, cache: ParseCache | None = None, jobs: int | None = None,
                 converter: Converter | None = None, defer_books: bool = False) -> None:
        self.source = source
        # With `defer_books`, an update leaves the packet and the manual (which bind every page,
        # and so take seconds in a large program) to `update_books`, called when there is time.
        self.defer_books = defer_books
        self.books_due = False
        self.book_paths: set[str] = set()
        self.cache = cache
        self.jobs = jobs
        self.converter = converter or Converter()
        self.memo: dict[str, Cached] = {}
        self._plans: dict[str, tuple[Module, Program, tuple[SessionPlan | None, list[Problem]]]] = {}
        self.state: _State | None = None
        # The last good state (its site is `pages`) and the files saved since, while the saves
        # fail: an edit is patched onto it, so that fixing an error is as quick as any edit.
        self.good: _State | None = None
        self.pending: frozenset[str] = frozenset()
        self.pages: dict[str, bytes] = {}  # the last good site: rendered pages
        self.static: dict[str, bytes] = {}  # ... and theme files and assets
        self._paths: frozenset[str] | None = None  # the paths of the site, once asked for
        self.generation = 0  # builds and updates begun

    @property
    def site(self) -> dict[str, bytes]:
        return {**self.static, **self.pages}

    def theme_folders(self) -> tuple[Path, ...]:
        state = self.state
        return state.theme.folders if state and state.theme else ()

    # -- full build

    def build(self) -> Outcome:
        """Read, check and render everything (converting only files not in memory or cache)."""
        self.generation += 1
        started = time.perf_counter()
        if not self.source.is_dir():
            raise IopError(f"no curriculum folder at {self.source}.", path=str(self.source))
        sources = read_sources(self.source)
        parsed, stats = parse_all(source_files(sources), cache=self.cache, memo=self.memo,
                                  converter=self.converter, jobs=self.jobs)
        self._forget_unused(stats.keys)
        state = self._assemble(sources, program_of(sources), parsed, theme=None)
        return self._finish(state, Changes(full=True), statics=True, converted=stats.converted, started=started,
                            books=True)

    # -- incremental update

    def update(self, changes: Changes) -> Outcome:
        """Apply `changes` to the last build; falls back to `build()` when it must."""
        self.generation += 1
        old = self.state
        if changes.full or old is None or (not old.ok and changes.templates):
            return self.build()
        started = time.perf_counter()
        if not changes.files and not changes.templates:  # only the theme's CSS or scripts
            return self._copy_static(old, started)
        tried = 0  # files converted for the fast path, when it does not apply
        if changes.files and not changes.templates:
            quick = self._patch(changes, started)
            if isinstance(quick, Outcome):
                return quick
            tried = quick
        sources, parsed, converted = old.sources, old.parsed, 0
        if changes.files:
            fresh = self._reread(old, changes.files)
            if fresh is None:
                return self.build()
            sources, parsed, converted, _ = fresh
        converted += tried
        state = self._assemble(sources, old.config, parsed, None if changes.templates else old.theme)
        return self._finish(state, changes, statics=changes.theme_static, converted=converted, started=started,
                            books=not self.defer_books)

    def _reread(self, old: _State, files: frozenset[str]) -> tuple[Sources, list[Parsed], int, dict[int, Parsed]] | None:
        """Sources and parsed files with `files` read again, the files read (by position), or
        None if that needs a full build."""
        at = old.index.parsed_at if old.index is not None else {f.path: i for i, f in enumerate(old.sources.files)}
        new_files = list(old.sources.files)
        changed = []
        for rel in sorted(files):
            folder, _, _ = rel.partition("/")
            path = self.source / rel
            i = at.get(str(path))
            if i is None or i >= len(new_files) or new_files[i].path != str(path) or not path.is_file():
                return None  # a new file, or one the loader had a problem with
            src, problems = read_source(self.source, SOURCE_FOLDERS[folder], path)
            if src is None or problems:
                return None
            new_files[i] = src
            changed.append(i)
        sources = Sources(old.sources.program_path, old.sources.program_text, tuple(new_files),
                          old.sources.assets, old.sources.problems)
        fresh, stats = parse_all([new_files[i] for i in changed], cache=self.cache, memo=self.memo,
                                 converter=self.converter, jobs=self.jobs)
        parsed = list(old.parsed)
        for i, p in zip(changed, fresh, strict=True):
            parsed[i] = p
        return sources, parsed, stats.converted, dict(zip(changed, fresh, strict=True))

    def _patch(self, changes: Changes, started: float) -> Outcome | int:
        """The fast path (`delta.py`): an edit that keeps the program's shape, patched onto the
        last good build. When it does not apply: the number of files it converted."""
        good = self.good
        if good is None or good.index is None or good.theme is None:
            return 0
        files = self.pending | changes.files
        fresh = self._reread(good, files)
        if fresh is None:
            return 0
        sources, _, converted, read = fresh
        base = delta.Good(good.parsed, good.done, good.schedule, good.problems, good.index)
        patched = delta.patch(base, read, frozenset(sources.assets), self._plan)
        if patched is None:
            return converted
        timings = {"read+convert+check": round(time.perf_counter() - started, 4)}
        state = _State(sources, good.config, patched.parsed, patched.done, good.schedule, good.theme, patched.ok,
                       patched.problems, patched.index)
        if not state.ok:
            return self._failed(state, changes, (), converted, 0, started, timings, full=False)
        render_started = time.perf_counter()
        memo = good.theme.memo
        # Not a new round for the memo (that would drop the parts of the collections, which the
        # collections made since are about to ask for), unless it has grown a lot.
        if memo is not None and memo.added > MEMO_GROWTH:
            memo.rotate()
        before = memo.renders if memo is not None else 0
        try:
            files_out = delta.render_touched(state.curriculum, state.plans, good.theme, state.schedule,
                                             patched.index, patched.touched)
        except jinja2.TemplateError as exc:
            return self._failed(state, changes, (template_problem(exc),), converted, 0, started, timings, full=False)
        rendered = memo.renders - before if memo is not None else len(files_out)
        paths = self.site_paths()
        more = [q for owner in patched.touched.owners for q in check_owner_site_refs(owner, paths)]
        if has_errors(more):  # a link to a page the site does not have: as in a build, nothing changes
            return self._failed(state, changes, tuple(more), converted, rendered, started, timings, full=False)
        pages = {f.path: f.content for f in files_out}
        if not self.defer_books:
            books_out, more = render_all(self.source, state.curriculum, state.plans, good.theme, None,
                                         schedule=state.schedule, pages=False)
            if more:
                return self._failed(state, changes, tuple(more), converted, rendered, started, timings, full=False)
            pages.update((f.path, f.content) for f in books_out)
            rendered = memo.renders - before if memo is not None else rendered + len(books_out)
        else:
            self.books_due = True
        timings["render"] = round(time.perf_counter() - render_started, 4)
        written = {p: c for p, c in pages.items() if self.pages.get(p) != c}
        if not all(p in self.pages for p in pages):
            self._paths = None
        self.pages.update(pages)
        removed: list[str] = []
        if changes.theme_static:
            written.update(self._refresh_static(state, removed))
        self._succeeded(state)
        timings["total"] = round(time.perf_counter() - started, 4)
        return Outcome(True, state.problems, written, tuple(removed), converted, rendered,
                       time.perf_counter() - started, timings, full=False)

    def site_paths(self) -> frozenset[str]:
        """Every path of the last good site (what links written as site paths may name)."""
        if self._paths is None:
            self._paths = frozenset(self.pages) | frozenset(self.static)
        return self._paths

    def _plan(self, module: Module, program: Program) -> tuple[SessionPlan | None, list[Problem]]:
        known = self._plans.get(module.id)
        if known is not None and known[0] is module and known[1] is program:
            return known[2]
        result = plan_module(module, program)
        self._plans[module.id] = (module, program, result)
        return result

    def _assemble(self, sources: Sources, config: tuple[Program, list[Problem]], parsed: list[Parsed],
                  theme: Theme | None) -> _State:
        done = assemble_parts(self.source, sources, parsed, plan=self._plan, config=config)
        cur = done.curriculum
        schedule, shared = build_schedule(cur.program, cur.modules)
        if not has_errors([*done.problems, *shared]) and theme is None:
            theme, more = theme_for(self.source, cur)
            shared += more
            theme = replace(theme, memo=RenderMemo()) if theme else None
        done = replace(done, shared=(*done.shared, *shared))
        problems = sort_problems(done.problems)
        ok = not has_errors(problems) and theme is not None
        return _State(sources, config, parsed, done, schedule, theme, ok, problems)

    def update_books(self) -> Outcome | None:
        """Render the collections an update left for later (None: nothing to do)."""
        job = self.collections_job()
        return self.apply_collections(*job) if job else None

    def collections_job(self) -> tuple[object, list[OutputFile]] | None:
        """The collections an update left for later, rendered from the current state (which is
        never changed in place, so this may run in another thread), with a token for
        `apply_collections`. None when there is nothing to do, or when an update or build began
        meanwhile: that stops this work at once, so that it does not slow the update down."""
        state = self.state
        if not self.books_due or state is None or not state.ok or state.theme is None:
            return None
        generation = self.generation
        memo = state.theme.memo

        def wanted() -> bool:
            return self.generation == generation

        def keep(f: OutputFile) -> None:
            files.append(f)
            if not wanted():
                raise Interrupted

        files: list[OutputFile] = []
        if memo is not None:
            memo.watch(wanted)
        try:
            _, more = render_all(self.source, state.curriculum, state.plans, state.theme, None,
                                 schedule=state.schedule, pages=False, emit=keep)
        except Interrupted:
            return None
        finally:
            if memo is not None:
                memo.watch(None)
        return (state, [] if more else files)

    def apply_collections(self, token: object, files: list[OutputFile]) -> Outcome | None:
        """Take the collections rendered by `collections_job`, unless the project has moved on."""
        if token is not self.state or not files:
            return None
        started = time.perf_counter()
        self.books_due = False
        made = {f.path: f.content for f in files}
        written = {p: c for p, c in made.items() if self.pages.get(p) != c}
        removed = tuple(sorted(self.book_paths - set(made)))
        for path in removed:
            self.pages.pop(path, None)
        if removed or not set(made) <= set(self.pages):
            self._paths = None
        self.pages.update(made)
        self.book_paths = set(made)
        seconds = time.perf_counter() - started
        return Outcome(True, (), written, removed, 0, len(files), seconds, {"books": round(seconds, 4)}, full=False)

    def _finish(self, state: _State, changes: Changes, *, statics: bool, converted: int, started: float,
                books: bool) -> Outcome:
        """Render every page of an assembled state (pages whose view did not change come from the
        render memo) and take it as the site if it is good."""
        timings = {"read+convert+check": round(time.perf_counter() - started, 4)}
        if not state.ok or state.theme is None:
            return self._failed(state, changes, (), converted, 0, started, timings, full=True)
        render_started = time.perf_counter()
        memo = state.theme.memo
        if memo is not None:
            memo.rotate()
        before = memo.renders if memo is not None else 0
        files, more = render_all(self.source, state.curriculum, state.plans, state.theme, None,
                                 schedule=state.schedule, books=books)
        timings["render"] = round(time.perf_counter() - render_started, 4)
        rendered = memo.renders - before if memo is not None else len(files)
        if more:
            return self._failed(state, changes, tuple(more), converted, rendered, started, timings, full=True)
        pages = {f.path: f.content for f in files}
        kept_books = set() if books else {p for p in self.pages if p in self.book_paths}
        more = check_site_refs(state.curriculum.modules, state.curriculum.pages,
                               set(pages) | kept_books | set(self.static))
        if has_errors(more):  # a link to a page the site no longer has: as in a build, nothing changes
            return self._failed(state, changes, tuple(more), converted, rendered, started, timings, full=True)
        if more:
            state.problems = sort_problems((*state.problems, *more))
        written = {p: c for p, c in pages.items() if self.pages.get(p) != c}
        removed: list[str] = []
        if books:
            self.book_paths = {p for p in pages if p in self.book_paths or _is_book(p)}
        else:
            self.books_due = True
        kept = {} if books else {p: c for p, c in self.pages.items() if p in self.book_paths}
        removed += sorted(set(self.pages) - set(pages) - set(kept))
        self.pages = {**kept, **pages}
        self._paths = None
        if statics:
            written.update(self._refresh_static(state, removed))
        state.index = delta.index_of(state.parsed, state.done, state.schedule)
        self._succeeded(state)
        timings["total"] = round(time.perf_counter() - started, 4)
        return Outcome(True, state.problems, written, tuple(removed), converted, rendered,
                       time.perf_counter() - started, timings, full=True)

    def _refresh_static(self, state: _State, removed: list[str]) -> dict[str, bytes]:
        """Read the theme's static files and the assets again: those that changed (and add to
        `removed` those that are gone)."""
        static = {f.path: f.content for f in _static(self.source, state)}
        written = {p: c for p, c in static.items() if self.static.get(p) != c}
        removed += sorted(set(self.static) - set(static) - set(self.pages))
        self.static = static
        self._paths = None
        return written

    def _succeeded(self, state: _State) -> None:
        self.state = self.good = state
        self.pending = frozenset()

    def _failed(self, state: _State, changes: Changes, more: tuple[Problem, ...], converted: int, rendered: int,
                started: float, timings: dict[str, float], *, full: bool) -> Outcome:
        """A state with errors: the last good site stays. Saves of module and page files are
        remembered, to be patched onto that site once they build."""
        state.ok = False
        if more:
            state.problems = sort_problems((*state.problems, *more))
        self.state = state
        if changes.full or changes.templates or self.good is None:
            self.good, self.pending = None, frozenset()
        else:
            self.pending |= changes.files
        return Outcome(False, state.problems, {}, (), converted, rendered, time.perf_counter() - started,
                       timings, full=full)

    def _copy_static(self, state: _State, started: float) -> Outcome:
        """Read the theme's static files and the assets again; render nothing."""
        if not state.ok:
            return self.build()
        removed: list[str] = []
        written = self._refresh_static(state, removed)
        seconds = time.perf_counter() - started
        return Outcome(True, (), written, tuple(removed), 0, 0, seconds, {"total": round(seconds, 4)}, full=False)

    def _forget_unused(self, keys: Iterable[str]) -> None:
        keep = set(keys)
        for key in [k for k in self.memo if k not in keep]:
            del self.memo[key]


def _is_book(path: str) -> bool:
    return path in (books.PACKET, books.MANUAL, INDEX_PATH)


def _static(source: Path, state: _State) -> list[OutputFile]:
    """The theme's static files (looked for again: there may be new ones) and the assets."""
    theme = theme_for(source, state.curriculum)[0] or state.theme
    return theme_files(theme) + asset_files(source, state.sources) if theme else []
