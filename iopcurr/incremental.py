"""A curriculum kept in memory between builds: after a change, redo only what the change touches.

This is the engine of the live preview (and of the benchmark's one-module rebuild):

    changed files → read those again → convert those (the rest comes from memory)
      → assemble (plans kept per module) → the pages the change can touch → render only those

The rebuild policy (`Changes`, `classify`) sorts each changed path: a module or page edit
re-reads that file; a template edit re-renders every page without converting anything; a theme
CSS edit copies the theme's files; program.yml, assets, new or removed files and anything
uncertain rebuild everything (still converting only files whose text changed). A module edit
that keeps its title, track, summary and handouts re-renders its own pages, the pages that use
its handouts and every page that is not some other module's, handout's or page's own (the home
page and the collections); otherwise every page. Tests check that the result is byte-identical
to a full build.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from iopcurr import books
from iopcurr.cache import ParseCache
from iopcurr.convert import parse_all
from iopcurr.errors import IopError, Problem, has_errors, sort_problems
from iopcurr.links import check_site_refs
from iopcurr.loader import Sources, read_source, read_sources
from iopcurr.markup import Converter
from iopcurr.model import Curriculum, Module, OutputFile, Program, Schedule, SessionPlan
from iopcurr.parsed import Cached, Parsed
from iopcurr.pipeline import (
    assemble,
    asset_files,
    program_of,
    render_all,
    source_files,
    theme_files,
    theme_for,
)
from iopcurr.plan import plan_module
from iopcurr.render import RenderMemo, Theme
from iopcurr.schedule import build_schedule
from iopcurr.search import INDEX_PATH

SOURCE_FOLDERS = {"modules": "module", "pages": "page"}


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
    rendered: int  # pages rendered (not counting those whose view had not changed)
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    full: bool = True  # everything was read and rendered


@dataclass
class _State:
    sources: Sources
    config: tuple[Program, list[Problem]]
    parsed: list[Parsed]
    curriculum: Curriculum
    plans: dict[str, SessionPlan | None]
    schedule: Schedule
    theme: Theme | None
    ok: bool


class Project:
    """A curriculum folder and its site, kept in memory. Not thread-safe: one caller at a time."""

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
        self.pages: dict[str, bytes] = {}  # the last good site: rendered pages
        self.static: dict[str, bytes] = {}  # ... and theme files and assets

    @property
    def site(self) -> dict[str, bytes]:
        return {**self.static, **self.pages}

    def theme_folders(self) -> tuple[Path, ...]:
        state = self.state
        return state.theme.folders if state and state.theme else ()

    # -- full build

    def build(self) -> Outcome:
        """Read, check and render everything (converting only files not in memory or cache)."""
        started = time.perf_counter()
        if not self.source.is_dir():
            raise IopError(f"no curriculum folder at {self.source}.", path=str(self.source))
        sources = read_sources(self.source)
        parsed, stats = parse_all(source_files(sources), cache=self.cache, memo=self.memo,
                                  converter=self.converter, jobs=self.jobs)
        self._forget_unused(stats.keys)
        state, problems = self._assemble(sources, program_of(sources), parsed, theme=None)
        return self._finish(state, problems, None, statics=True, converted=stats.converted, started=started,
                            books=True)

    # -- incremental update

    def update(self, changes: Changes) -> Outcome:
        """Apply `changes` to the last build; falls back to `build()` when it must."""
        old = self.state
        if changes.full or old is None or (not old.ok and changes.templates):
            return self.build()
        started = time.perf_counter()
        if not changes.files and not changes.templates:  # only the theme's CSS or scripts
            return self._copy_static(old, started)
        sources, parsed, converted = old.sources, old.parsed, 0
        if changes.files:
            fresh = self._reread(old, changes.files)
            if fresh is None:
                return self.build()
            sources, parsed, converted = fresh
        state, problems = self._assemble(sources, old.config, parsed, None if changes.templates else old.theme)
        want = None
        if old.ok and state.ok and not changes.templates and state.theme is old.theme:
            want = touched_pages(old.curriculum, state.curriculum)
        return self._finish(state, problems, want, statics=changes.theme_static, converted=converted,
                            started=started, books=not self.defer_books)

    def _reread(self, old: _State, files: frozenset[str]) -> tuple[Sources, list[Parsed], int] | None:
        """Sources and parsed files with `files` read again, or None if that needs a full build."""
        index = {f.path: i for i, f in enumerate(old.sources.files)}
        new_files = list(old.sources.files)
        changed = []
        for rel in sorted(files):
            folder, _, _ = rel.partition("/")
            path = self.source / rel
            i = index.get(str(path))
            if i is None or not path.is_file():
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
        by_path = {p.path: p for p in fresh}
        parsed = [by_path.get(p.path, p) for p in old.parsed]
        return sources, parsed, stats.converted

    def _plan(self, module: Module, program: Program) -> tuple[SessionPlan | None, list[Problem]]:
        known = self._plans.get(module.id)
        if known is not None and known[0] is module and known[1] is program:
            return known[2]
        result = plan_module(module, program)
        self._plans[module.id] = (module, program, result)
        return result

    def _assemble(self, sources: Sources, config: tuple[Program, list[Problem]], parsed: list[Parsed],
                  theme: Theme | None) -> tuple[_State, list[Problem]]:
        cur, plans, problems = assemble(self.source, sources, parsed=parsed, plan=self._plan, config=config)
        schedule, more = build_schedule(cur.program, cur.modules)
        problems += more
        if not has_errors(problems) and theme is None:
            theme, more = theme_for(self.source, cur)
            problems += more
            theme = replace(theme, memo=RenderMemo()) if theme else None
        ok = not has_errors(problems) and theme is not None
        return _State(sources, config, parsed, cur, plans, schedule, theme, ok), problems

    def update_books(self) -> Outcome | None:
        """Render the collections an update left for later (None: nothing to do)."""
        job = self.collections_job()
        return self.apply_collections(*job) if job else None

    def collections_job(self) -> tuple[object, list[OutputFile]] | None:
        """The collections an update left for later, rendered from the current state (which is
        never changed in place, so this may run in another thread), with a token for
        `apply_collections`. None when there is nothing to do."""
        state = self.state
        if not self.books_due or state is None or not state.ok or state.theme is None:
            return None
        files, more = render_all(self.source, state.curriculum, state.plans, state.theme, None,
                                 schedule=state.schedule, pages=False)
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
        self.pages.update(made)
        self.book_paths = set(made)
        seconds = time.perf_counter() - started
        return Outcome(True, (), written, removed, 0, len(files), seconds, {"books": round(seconds, 4)}, full=False)

    def _finish(self, state: _State, problems: list[Problem], want: Callable[[str], bool] | None, *,
                statics: bool, converted: int, started: float, books: bool) -> Outcome:
        self.state = state
        timings = {"read+convert+check": round(time.perf_counter() - started, 4)}
        if not state.ok or state.theme is None:
            return Outcome(False, sort_problems(problems), {}, (), converted, 0,
                           time.perf_counter() - started, timings, full=want is None)
        render_started = time.perf_counter()
        memo = state.theme.memo
        if memo is not None:
            memo.rotate()
        hits = memo.hits if memo is not None else 0
        files, more = render_all(self.source, state.curriculum, state.plans, state.theme, None, want,
                                 schedule=state.schedule, books=books)
        timings["render"] = round(time.perf_counter() - render_started, 4)
        rendered = len(files) - (memo.hits - hits if memo is not None else 0)
        if more:
            state.ok = False
            return Outcome(False, sort_problems(problems + more), {}, (), converted, rendered,
                           time.perf_counter() - started, timings, full=want is None)
        pages = {f.path: f.content for f in files}
        kept_books = set() if books else {p for p in self.pages if p in self.book_paths}
        paths = (set(pages) | kept_books) if want is None else (set(self.pages) | set(pages))
        more = check_site_refs(state.curriculum.modules, state.curriculum.pages, paths | set(self.static))
        if has_errors(more):  # a link to a page the site no longer has: as in a build, nothing changes
            state.ok = False
            return Outcome(False, sort_problems(problems + more), {}, (), converted, rendered,
                           time.perf_counter() - started, timings, full=want is None)
        problems = problems + more
        written = {p: c for p, c in pages.items() if self.pages.get(p) != c}
        removed: list[str] = []
        if books:
            self.book_paths = {p for p in pages if p in self.book_paths or _is_book(p)}
        else:
            self.books_due = True
        if want is None:
            kept = {} if books else {p: c for p, c in self.pages.items() if p in self.book_paths}
            removed += sorted(set(self.pages) - set(pages) - set(kept))
            self.pages = {**kept, **pages}
        else:
            self.pages.update(pages)
        if statics:
            static = {f.path: f.content for f in _static(self.source, state)}
            written.update({p: c for p, c in static.items() if self.static.get(p) != c})
            removed += sorted(set(self.static) - set(static) - set(self.pages))
            self.static = static
        timings["total"] = round(time.perf_counter() - started, 4)
        return Outcome(True, sort_problems(problems), written, tuple(removed), converted, rendered,
                       time.perf_counter() - started, timings, full=want is None)

    def _copy_static(self, state: _State, started: float) -> Outcome:
        """Read the theme's static files and the assets again; render nothing."""
        if not state.ok:
            return self.build()
        static = {f.path: f.content for f in _static(self.source, state)}
        written = {p: c for p, c in static.items() if self.static.get(p) != c}
        removed = tuple(sorted(set(self.static) - set(static) - set(self.pages)))
        self.static = static
        seconds = time.perf_counter() - started
        return Outcome(True, (), written, removed, 0, 0, seconds, {"total": round(seconds, 4)}, full=False)

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


# ---------------------------------------------------------------- which pages a change touches


def _outline(m: Module) -> tuple[object, ...]:
    """What other pages show of a module: a change here may touch any page."""
    return (m.title, m.track, m.summary, m.handout_refs, tuple((h.id, h.title) for h in m.handouts))


def touched_pages(old: Curriculum, new: Curriculum) -> Callable[[str], bool] | None:
    """The pages a content change can alter (None: every page).

    A page is some module's, handout's or page's own when its folder is `facilitator/`,
    `handouts/` or `pages/` and its file name is that id; every other page (the home page,
    collections, the calendar) is always re-rendered.
    """
    if old.program is not new.program:
        return None
    if [m.id for m in old.modules] != [m.id for m in new.modules] or [p.id for p in old.pages] != [p.id for p in new.pages]:
        return None
    modules = [(o, n) for o, n in zip(old.modules, new.modules, strict=True) if o is not n]
    pages = [(o, n) for o, n in zip(old.pages, new.pages, strict=True) if o is not n]
    if any(_outline(o) != _outline(n) for o, n in modules):
        return None
    if any((o.title, o.summary, o.order) != (n.title, n.summary, n.order) for o, n in pages):
        return None
    handouts = {h.id for o, n in modules for h in (*o.handouts, *n.handouts)}
    own = {("facilitator", n.id) for _, n in modules}
    own |= {("facilitator", m.id) for m in new.modules if handouts.intersection(m.handout_refs)}
    own |= {("handouts", h) for h in handouts}
    own |= {("pages", n.id) for _, n in pages}
    families = {
        "facilitator": {m.id for m in new.modules},
        "handouts": {h.id for m in new.modules for h in m.handouts},
        "pages": {p.id for p in new.pages},
    }

    def want(path: str) -> bool:
        folder, _, rest = path.partition("/")
        ident = rest.rsplit("/", 1)[-1].removesuffix(".html")
        if path.endswith(".html") and ident in families.get(folder, ()):
            return (folder, ident) in own
        return True

    return want
