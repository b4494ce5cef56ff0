"""The map of iopcurr: a curriculum folder → a checked site, as a straight line of stages.

    build   = run, then write (the new site swapped in whole, and only when there are no errors)
    run     = read → convert → site_of → PDFs (with --pdf)      in memory: `iopcurr check`, the preview
    site_of = assemble and check → plan and schedule → render pages, calendar, collections, search

| stage | here | where the work is done |
| --- | --- | --- |
| read | `read` | `source/loader.py` (files), `config.py` (program.yml), `sites.py`, `library.py` |
| convert | `convert.parse_all` | `source/markup.py` and `blocks.py` (Markdown), `output/cache.py` |
| assemble and check | `assemble` | `plan/checks.py`, `links.py`, `branding.py`, `source/translations.py` |
| plan and schedule | `assemble`, `site_of` | `plan/thirds.py` (rule of thirds), `plan/schedule.py`, `render/runsheet.py` |
| render | `render` | `render/pages.py` and the other modules of `render/` |
| PDFs | `with_pdfs` | `render/pdf.py` (WeasyPrint, an optional extra) |
| write | `write` | `output/write.py` (the atomic swap) |

Only `read`, `load_theme`, the static and asset reads, the parse cache and the stage touch the
disk; every other stage is a function from values to values. The preview (`preview/serve.py`)
runs the stages of `run` on every save: `site_of` with `Settings.only` first (the pages its
browsers show, `render_only`), then the whole `site_of`; it writes the files whose bytes changed.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import jinja2

from iopcurr.errors import IopError, Problem, has_errors, sort_problems
from iopcurr.model import (
    Asset,
    Commit,
    Curriculum,
    Module,
    OutputFile,
    Page,
    Program,
    Schedule,
    SessionPlan,
    Translation,
)
from iopcurr.output.cache import CACHE_DIR, CompiledTemplates, ParseCache
from iopcurr.output.write import Stage, pending_cache_folder
from iopcurr.plan.branding import check_branding
from iopcurr.plan.checks import (
    check_completeness,
    check_handouts,
    check_ids,
    check_references,
    order_modules,
)
from iopcurr.plan.links import Anchors, anchor_table, check_owner_refs, check_site_refs
from iopcurr.plan.schedule import build_schedule
from iopcurr.plan.thirds import plan_module
from iopcurr.render.books import check_reserved, long_handouts, page_count_jobs, pdf_jobs
from iopcurr.render.changes import render_changes
from iopcurr.render.pages import Theme, load_theme, page_list, render_pages, render_site, site_context
from iopcurr.render.render_books import render_books
from iopcurr.render.render_lang import edition, render_languages
from iopcurr.render.runsheet import RunSheets, night_paths, run_sheets
from iopcurr.render.search import search_file
from iopcurr.render.sessionpages import Calendar, render_calendar, render_session
from iopcurr.render.tonight import bundle_jobs
from iopcurr.source.config import parse_program
from iopcurr.source.convert import ParseStats, Progress, parse_all
from iopcurr.source.library import with_libraries
from iopcurr.source.loader import SourceFile, Sources, assets_of, git_history, read_sources
from iopcurr.source.parsed import Parsed
from iopcurr.source.sites import site_program, with_site
from iopcurr.source.translations import check_translated_handouts, check_translations

GUIDE_ID = "authoring-guide"
GUIDE_IMAGES = "assets/iopcurr-guide"


@dataclass(frozen=True)
class Settings:
    """What a build is asked for besides its sources."""

    strict: bool = False  # warnings are errors
    today: date | None = None  # the home page shows the sessions after this day
    pdf: bool = False  # the pages link to their PDFs (and the PDFs are made)
    site: str | None = None  # sites/<site>.yml is merged over program.yml
    # Only these site paths, where they can be rendered alone (`render_only`): the preview renders
    # the pages its browsers show first. Nothing else is made or checked.
    only: frozenset[str] | None = None


@dataclass(frozen=True)
class Planned:
    """The checked curriculum with its session plans, calendar and run sheets: what rendering reads."""

    curriculum: Curriculum
    plans: dict[str, SessionPlan | None]
    schedule: Schedule
    sheets: RunSheets


@dataclass(frozen=True)
class BuildResult:
    curriculum: Curriculum
    plans: dict[str, SessionPlan | None]
    files: tuple[OutputFile, ...]
    problems: tuple[Problem, ...]
    schedule: Schedule
    stats: ParseStats  # what was converted and what came from the cache
    timings: dict[str, float] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")


def build(source: Path, out: Path, settings: Settings = Settings(), *, memo: dict[str, Parsed] | None = None,
          on_convert: Progress | None = None, progress: Callable[[str], None] | None = None) -> BuildResult:
    """`run`, then, when there are no errors, the new site swapped in for the old one.

    Converted files are cached in `out/.iopcurr-cache` (kept across builds, safe to delete);
    `memo` keeps them in memory for the next site. `on_convert` hears how far the conversion
    got, `progress` what the PDFs are doing. With `pdf`, WeasyPrint must be installed (checked first).
    """
    if settings.pdf:
        from iopcurr.render.pdf import require_weasyprint

        require_weasyprint()
    cache = ParseCache(out / CACHE_DIR, pending=pending_cache_folder(out))
    stage = Stage(out, source)  # checks the output folder before anything is built
    try:
        result = run(source, settings, cache=cache, memo=memo, on_convert=on_convert, progress=progress)
        return write(result, stage, cache) if result.ok else result
    finally:
        stage.discard()
        cache.discard()


def run(source: Path, settings: Settings = Settings(), *, cache: ParseCache | None = None,
        memo: dict[str, Parsed] | None = None, on_convert: Progress | None = None,
        progress: Callable[[str], None] | None = None) -> BuildResult:
    """Read, convert, check, plan and render the whole site in memory, writing nothing (but the
    parse cache). Files found in `memo` or `cache` are not converted again; the others are
    converted in parallel when there are many (one process per core, or IOPCURR_JOBS)."""
    timer = Timer()
    sources = read(source, settings.site)
    timer.lap("read")
    parsed, stats = parse_all(sources.files, cache=cache, memo=memo, progress=on_convert)
    timer.lap("convert")
    result = site_of(source, sources, parsed, stats, settings, timer)
    if not settings.pdf:
        return result
    return with_pdfs(result, strict=settings.strict, cache=cache.folder if cache else None, progress=progress)


def site_of(source: Path, sources: Sources, parsed: Sequence[Parsed], stats: ParseStats, settings: Settings,
            timer: Timer) -> BuildResult:
    """The files read and converted → the checked curriculum, its schedule and every page (pure
    but for reading the theme and the assets)."""
    cur, plans, problems = assemble(source, sources, parsed)
    timer.lap("check")
    schedule, more = build_schedule(cur.program, cur.modules)
    planned = Planned(cur, plans, schedule, run_sheets(cur, plans, schedule))
    problems += more + list(planned.sheets.problems)
    timer.lap("schedule")
    if settings.strict:
        problems = [p.as_error() for p in problems]
    files: list[OutputFile] = []
    if not has_errors(problems):
        files, more = render(source, sources, planned, settings)
        problems += more
        timer.lap("render")
    return BuildResult(cur, plans, tuple(sorted(files, key=lambda f: f.path)), sort_problems(problems), schedule, stats,
                       timer.timings)


def write(result: BuildResult, stage: Stage, cache: ParseCache) -> BuildResult:
    """The site's files swapped in for the old site, and the parse cache kept for the next build."""
    started = time.perf_counter()
    for f in result.files:
        stage.add(f)
    stage.commit()
    cache.commit()
    cache.prune(result.stats.keys)
    return replace(result, timings=dict(result.timings, write=round(time.perf_counter() - started, 4)), written=True)


def read(source: Path, site: str | None = None) -> Sources:
    """The curriculum folder's files (an IopError if there is no such folder), with the site file
    of `site`, the modules, pages and assets of the program's libraries and the guide's images."""
    if not source.is_dir():
        raise IopError(f"no curriculum folder at {source}. Create one with `iopcurr new {source}`.", path=str(source))
    sources = replace(read_sources(source), history=git_history(source))
    if site is not None:
        sources = with_site(source, sources, site)
    program, problems = program_of(sources)
    if program.library:
        sources = with_libraries(source, sources, program.library, program)
    return replace(with_builtin_guide(sources), program=(program, tuple(problems)))


def authoring_guide_source() -> SourceFile:
    """The built-in authoring guide (its reference tables are kept fresh by `iopcurr.guide`)."""
    text = (importlib.resources.files("iopcurr") / "docs" / "authoring-guide.md").read_text("utf-8")
    return SourceFile("page", GUIDE_ID, "iopcurr:docs/authoring-guide.md", text)


def with_builtin_guide(sources: Sources) -> Sources:
    """Unless a page of the curriculum replaces it: the built-in authoring guide, and the
    screenshots it shows (iopcurr/docs/img, made by tests/screenshots.py) as assets in
    assets/iopcurr-guide/ (a file of the curriculum's own at such a path wins)."""
    if any(f.kind == "page" and f.id == GUIDE_ID for f in sources.files):
        return sources
    folder = importlib.resources.files("iopcurr") / "docs" / "img"
    images = tuple(Asset(f"{GUIDE_IMAGES}/{p.name}", f"iopcurr:docs/img/{p.name}", p.read_bytes())
                   for p in sorted(folder.iterdir(), key=lambda p: p.name)
                   if p.name.endswith(".png") and f"{GUIDE_IMAGES}/{p.name}" not in sources.assets)
    return replace(sources, files=(*sources.files, authoring_guide_source()),
                   assets=sources.assets + tuple(a.rel for a in images), library_assets=sources.library_assets + images)


def program_of(sources: Sources) -> tuple[Program, list[Problem]]:
    """The program: program.yml, or a site file merged over it (sites.py); read once (`read`)."""
    if sources.program is not None:
        return sources.program[0], list(sources.program[1])
    if sources.site_path is not None and sources.site_text is not None:
        return site_program(sources.program_text or "", sources.program_path, sources.site_text, sources.site_path)
    return parse_program(sources.program_text or "", sources.program_path)


def assemble(source: Path, sources: Sources,
             parsed: Sequence[Parsed]) -> tuple[Curriculum, dict[str, SessionPlan | None], list[Problem]]:
    """Sources and their files read (`convert.parse_all`) → a checked, ordered Curriculum and
    its session plans (pure)."""
    program, problems = program_of(sources)
    modules = [p.module for p in parsed if p.module is not None]
    pages = [p.page for p in parsed if p.page is not None]
    translations = [p.translation for p in parsed if p.translation is not None]
    ordered, more = order_modules(program, modules)
    problems = [*sources.problems, *problems, *more, *program_problems(source, sources, program, modules, pages)]
    plans: dict[str, SessionPlan | None] = {}
    for m in ordered:
        plans[m.id], more = plan_module(m, program)
        problems += more
    anchors = anchor_table([*modules, *pages])
    for p in parsed:
        problems += file_problems(program, p, anchors, frozenset(sources.assets))
    problems += check_translations(program, modules, translations,
                                   {f.id: f.text for f in sources.files if f.kind == "module"},
                                   {f.path: f.text for f in sources.files})
    problems += check_translated_handouts(program, translations)
    cur = Curriculum(str(source), program, ordered, page_list(pages), in_order(program, ordered, translations))
    return cur, plans, problems


def program_problems(source: Path, sources: Sources, program: Program, modules: list[Module],
                     pages: list[Page]) -> list[Problem]:
    """The checks across files: ids, references between modules, branding, and no modules at all."""
    problems = [*check_ids(modules, pages), *check_reserved(modules), *check_references(program, modules),
                *check_branding(program, assets_of(source, sources))]
    if not modules and not has_errors(sources.problems):  # else a file that could not be read says why
        problems.append(Problem(str(source / "modules"), None, "there are no modules.", "IOP017",
                                hint="Add Markdown files to the modules/ folder (see `iopcurr new`)."))
    return problems


def in_order(program: Program, ordered: Sequence[Module], translations: list[Translation]) -> tuple[Translation, ...]:
    """The translations the site shows: those of its other languages, in program order, then language."""
    order = {m.id: i for i, m in enumerate(ordered)}
    used = (t for t in translations if t.language in program.langs[1:] and t.module_id in order)
    return tuple(sorted(used, key=lambda t: (order[t.module_id], program.langs.index(t.language))))


def file_problems(program: Program, parsed: Parsed, anchors: Anchors, assets: frozenset[str]) -> list[Problem]:
    """The problems of one module or page file that need nothing else of the program but its
    anchors and assets: reading it, its handouts' grades, its completeness (unless its front
    matter did not parse) and its links."""
    found = list(parsed.problems)
    owner = parsed.module or parsed.page
    if parsed.module is not None:
        found += check_handouts(program, [parsed.module])
        if not parsed.broken:
            found += check_completeness([parsed.module])
    if owner is not None:
        found += check_owner_refs(owner, anchors, assets)
    return found


def render(source: Path, sources: Sources, planned: Planned,
           settings: Settings) -> tuple[list[OutputFile], list[Problem]]:
    """Every file of the site (with the theme's static files and the assets), or none and the
    problems: a broken template, a link to a path the site does not have."""
    cur = planned.curriculum
    theme, problems = theme_for(source, cur)
    if theme is None:
        return [], problems
    if settings.only is not None:
        return render_only(planned, theme, settings)
    files, problems = render_all(planned, theme, settings, sources.history)
    if problems:
        return [], problems
    files += theme_files(theme) + asset_files(source, sources)
    # Links written as paths of the site (../handouts/x.html) must find their file.
    site = {f.path for f in files} | ({p for _, p in pdf_jobs(cur)} if settings.pdf else set())
    problems = check_site_refs(cur.modules, cur.pages, site)
    return ([] if has_errors(problems) else files), problems


def theme_for(source: Path, cur: Curriculum) -> tuple[Theme | None, list[Problem]]:
    """The theme with the curriculum's override folder, if it names one that exists (its
    templates compiled by an earlier build, when their source has not changed)."""
    override = source / cur.program.theme.override if cur.program.theme.override else None
    if override is not None and not override.is_dir():
        return None, [Problem(cur.program.path_of("theme.override"), cur.program.line_of("theme.override"),
                              f"the theme override folder {override} does not exist.", "IOP025")]
    if override is not None and not override.resolve().is_relative_to(source.resolve()):
        return None, [Problem(cur.program.path_of("theme.override"), cur.program.line_of("theme.override"),
                              f"the theme override folder {override} leads outside the curriculum folder.", "IOP029",
                              hint="Copy the templates into the curriculum instead.")]
    theme = load_theme(override)
    with contextlib.suppress(RuntimeError):  # (no home folder: no templates kept)
        theme.env.bytecode_cache = CompiledTemplates(sandboxed=override is not None)
    return theme, []


def render_all(planned: Planned, theme: Theme, settings: Settings,
               history: tuple[Commit, ...] | None = None) -> tuple[list[OutputFile], list[Problem]]:
    """Every page: the site's own, the changes page (with `history`, the commits read by `read`),
    the calendar, the collections (the packets and the manual bind the main content of the pages,
    as `render_site` returns it) and the search index. A broken template in a theme override becomes a problem, never a traceback."""
    cur, plans, schedule, today, pdf = planned.curriculum, planned.plans, planned.schedule, settings.today, settings.pdf
    try:
        ctx = site_context(cur, plans, theme, schedule, today, pdf=pdf)
        files, mains = render_site(ctx)
        files.append(render_changes(ctx, history))
        files += render_calendar(Calendar(ctx, schedule, planned.sheets))
        files += render_books(ctx, mains)
        files.append(search_file(cur))
        files += render_languages(ctx, mains)
    except jinja2.TemplateError as exc:
        return [], [template_problem(exc)]
    return files, []


def render_only(planned: Planned, theme: Theme, settings: Settings) -> tuple[list[OutputFile], list[Problem]]:
    """Of the home page, the facilitator, handout and page files in every language and the files
    of each session (its page, run sheet, bundle and paperwork), those `settings.only` names,
    with the same bytes as `render_all` makes them."""
    cur, schedule, only = planned.curriculum, planned.schedule, settings.only or frozenset()
    try:
        ctx = site_context(cur, planned.plans, theme, schedule, settings.today, pdf=settings.pdf)
        files = [r.file for ed in (ctx, *(edition(ctx, lang) for lang in cur.program.langs[1:])) for r in render_pages(ed, only)]
        cal = Calendar(ctx, schedule, planned.sheets)
        sessions = [i for i, s in enumerate(schedule.sessions) if {f"sessions/{s.number}.html", *night_paths(s.number)} & only]
        return files + [f for i in sessions for f in render_session(cal, i) if f.path in only], []
    except jinja2.TemplateError as exc:
        return [], [template_problem(exc)]


def template_problem(exc: jinja2.TemplateError) -> Problem:
    """A broken template in a theme override: a problem, never a traceback."""
    where = getattr(exc, "filename", None) or "template"
    return Problem(str(where), getattr(exc, "lineno", None), f"template error: {exc}", "IOP032")


def theme_files(theme: Theme) -> list[OutputFile]:
    """The theme's static files (CSS, scripts), read from disk."""
    return [OutputFile(f"static/{rel}", path.read_bytes()) for rel, path in theme.static]


def asset_files(source: Path, sources: Sources) -> list[OutputFile]:
    """The assets of the curriculum and of its libraries, read from disk (or a library's archive)."""
    out = []
    for asset in assets_of(source, sources):
        try:
            out.append(OutputFile(asset.rel, asset.read()))
        except OSError as exc:
            raise IopError(f"cannot read {asset.rel}: {exc.strerror or exc}.", path=asset.path, code=1) from exc
    return out


def with_pdfs(result: BuildResult, *, strict: bool = False, cache: Path | None = None,
              progress: Callable[[str], None] | None = None) -> BuildResult:
    """`result` with the PDFs of its pages (none if it failed): those whose page did not change
    come from `cache` (the parse cache's folder); handouts that print on too many pages are warnings."""
    if not result.ok:
        return result
    from iopcurr.render.pdf import CACHE_SUBDIR, render_pdfs

    started = time.perf_counter()
    jobs = (*pdf_jobs(result.curriculum), *bundle_jobs(result.curriculum, result.schedule))
    made = render_pdfs(result.files, jobs, progress=progress,
                       cache=cache / CACHE_SUBDIR if cache is not None else None)
    long = long_handouts(result.curriculum, made.pages)
    files = tuple(sorted((*result.files, *made.files), key=lambda f: f.path))
    return replace(result, files=files, problems=sort_problems((*result.problems, *(p.as_error() if strict else p for p in long))),
                   timings=dict(result.timings, pdf=round(time.perf_counter() - started, 4)))


class Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._last, 4)
        self._last = now


def long_handout_problems(source: Path, cache: Path | None, *, site: str | None = None,
                          memo: dict[str, Parsed] | None = None) -> list[Problem]:
    """IOP030 for each handout, in every language, that prints on more than 2 pages (the check of
    `with_pdfs` without the other PDFs), measured with WeasyPrint on the pages a `--pdf` build
    makes: the PDFs of that build's cache (`cache`) are reused, and the new ones are added to it."""
    from iopcurr.render.pdf import render_pdfs

    sources = read(source, site)
    parsed, stats = parse_all(sources.files, memo=memo)
    result = site_of(source, sources, parsed, stats, Settings(pdf=True, site=site), Timer())
    if not result.ok:
        return []
    made = render_pdfs(result.files, page_count_jobs(result.curriculum), cache=cache, prune=False)
    return long_handouts(result.curriculum, made.pages)
