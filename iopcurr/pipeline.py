"""build(): the straight line from a curriculum folder to a written site, timed per stage.

    read sources → program → modules and pages (convert Markdown) → checks → plans → render → write

Only `read_sources`, `load_theme`, the static/asset reads and the stage (`write.Stage`) touch the disk.
"""

from __future__ import annotations

import importlib.resources
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import jinja2

from iopcurr.books import check_reserved, pdf_jobs
from iopcurr.branding import check_branding
from iopcurr.cache import ParseCache, build_fingerprint, record_site, site_unchanged, text_key
from iopcurr.checks import (
    check_completeness,
    check_handouts,
    check_ids,
    check_references,
    forget_dictionary,
    order_modules,
    reading_grade,
)
from iopcurr.config import options_markdown_table, parse_program
from iopcurr.convert import ParseStats, Progress, parse_all
from iopcurr.errors import IopError, Problem, codes_markdown_table, has_errors, sort_problems
from iopcurr.links import Anchors, anchor_table, check_owner_refs, check_site_refs
from iopcurr.loader import SourceFile, Sources, read_sources
from iopcurr.markup import Converter
from iopcurr.model import Curriculum, Module, OutputFile, Page, Program, Schedule, SessionPlan
from iopcurr.parsed import Parsed, package_version
from iopcurr.plan import plan_module
from iopcurr.render import Theme, load_theme, page_list, render_site
from iopcurr.render_books import render_books
from iopcurr.runsheet import check_run_sheets
from iopcurr.schedule import build_schedule
from iopcurr.search import INDEX_PATH, start_search_file
from iopcurr.sessionpages import render_calendar
from iopcurr.wording import terms_markdown_table
from iopcurr.write import (
    CACHE_DIR,
    Stage,
    pending_cache_folder,
    read_manifest,
)

GUIDE_ID = "authoring-guide"


@dataclass(frozen=True)
class BuildResult:
    curriculum: Curriculum | None
    plans: dict[str, SessionPlan | None]
    files: tuple[OutputFile, ...]
    problems: tuple[Problem, ...]
    timings: dict[str, float] = field(default_factory=dict)
    written: bool = False
    schedule: Schedule | None = None
    stats: ParseStats | None = None  # what was converted and what came from the cache
    unchanged: bool = False  # the output already held exactly this build: nothing was rendered

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")


def authoring_guide_source() -> SourceFile:
    """The built-in authoring guide, with its reference tables generated from the code."""
    text = (importlib.resources.files("iopcurr") / "docs" / "authoring-guide.md").read_text("utf-8")
    text = (
        text.replace("<!-- OPTIONS -->", options_markdown_table())
        .replace("<!-- CODES -->", codes_markdown_table())
        .replace("<!-- TERMS -->", terms_markdown_table())
    )
    return SourceFile("page", GUIDE_ID, "iopcurr:docs/authoring-guide.md", text)


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._last, 4)
        self._last = now


def source_files(sources: Sources) -> list[SourceFile]:
    """The module and page files to read, with the built-in authoring guide unless replaced."""
    files = list(sources.files)
    if GUIDE_ID not in {f.id for f in files if f.kind == "page"}:
        files.append(authoring_guide_source())
    return files


PlanFunction = Callable[[Module, Program], tuple[SessionPlan | None, list[Problem]]]
# Whether the output already holds exactly this build, before rendering: its files if so.
SkipRender = Callable[[Sources, ParseStats, Theme], "set[str] | None"]


def program_of(sources: Sources) -> tuple[Program, list[Problem]]:
    return parse_program(sources.program_text or "", sources.program_path)


def assemble(
    source: Path, sources: Sources, converter: Converter | None = None, *,
    parsed: Sequence[Parsed] | None = None, plan: PlanFunction = plan_module,
    config: tuple[Program, list[Problem]] | None = None,
) -> tuple[Curriculum, dict[str, SessionPlan | None], list[Problem]]:
    """Sources → a checked, ordered Curriculum and its session plans (pure).

    `parsed` are the files already read (`convert.parse_all`) and `config` the parsed
    program.yml; what is not given is worked out here.
    """
    if parsed is None:
        parsed, _ = parse_all(source_files(sources), converter=converter, jobs=1)
    done = assemble_parts(source, sources, parsed, plan=plan, config=config)
    return done.curriculum, done.plans, done.problems


@dataclass(frozen=True)
class Assembled:
    """A checked curriculum, its plans and its problems, kept apart by where they come from: what
    needs the whole program, and what each file alone shows (given the tables of the rest). The
    live preview redoes only the part of the files that were saved (see `delta.py`)."""

    curriculum: Curriculum
    plans: dict[str, SessionPlan | None]
    shared: tuple[Problem, ...]  # program.yml, the checks across files, the folder itself
    local: dict[str, tuple[Problem, ...]]  # source path → what `file_problems` found in it
    anchors: Anchors  # what links into the curriculum can find

    @property
    def problems(self) -> list[Problem]:
        return [*self.shared, *(p for found in self.local.values() for p in found)]


def file_problems(program: Program, parsed: Parsed, anchors: Anchors, assets: frozenset[str], *,
                  complete: bool = True, planned: Sequence[Problem] = ()) -> tuple[Problem, ...]:
    """The problems of one module or page file that need nothing else of the program but its
    anchors and assets: reading it, its handouts' grades, its completeness (unless `complete` is
    off: its front matter did not parse), its links, and its session plan (`planned`)."""
    found = list(parsed.problems)
    owner = parsed.module or parsed.page
    if parsed.module is not None:
        found += check_handouts(program, [parsed.module])
        if complete:
            found += check_completeness([parsed.module])
    if owner is not None:
        found += check_owner_refs(owner, anchors, assets)
    return (*found, *planned)


def assemble_parts(
    source: Path, sources: Sources, parsed: Sequence[Parsed], *, plan: PlanFunction = plan_module,
    config: tuple[Program, list[Problem]] | None = None,
) -> Assembled:
    """`assemble`, with the problems kept apart (see `Assembled`)."""
    shared: list[Problem] = list(sources.problems)
    program, more = config or program_of(sources)
    shared += more
    modules: list[Module] = [p.module for p in parsed if p.module is not None]
    pages: list[Page] = [p.page for p in parsed if p.page is not None]
    broken = {p.id for p in parsed if p.module is not None and p.broken}  # no completeness noise
    ordered, more = order_modules(program, modules)
    shared += more
    shared += check_ids(modules, pages)
    shared += check_reserved(modules)
    shared += check_references(program, modules)
    shared += check_branding(program, sources.assets)
    if not modules and not has_errors(sources.problems):  # else a file that could not be read says why
        shared.append(Problem(str(source / "modules"), None, "there are no modules.", "IOP017",
                              hint="Add Markdown files to the modules/ folder (see `iopcurr new`)."))
    plans: dict[str, SessionPlan | None] = {}
    planned: dict[str, list[Problem]] = {}
    for m in ordered:
        plans[m.id], planned[m.path] = plan(m, program)
    anchors = anchor_table([*modules, *pages])
    assets = frozenset(sources.assets)
    local = {
        p.path: file_problems(program, p, anchors, assets, complete=p.id not in broken, planned=planned.get(p.path, ()))
        for p in parsed
    }
    cur = Curriculum(str(source), program, ordered, page_list(pages))
    return Assembled(cur, plans, tuple(shared), local, anchors)


def theme_files(theme: Theme) -> list[OutputFile]:
    """The theme's static files (CSS, scripts), read from disk."""
    return [OutputFile(f"static/{rel}", path.read_bytes()) for rel, path in theme.static]


def asset_files(source: Path, sources: Sources) -> list[OutputFile]:
    """The curriculum's assets, read from disk."""
    out = []
    for rel in sources.assets:
        try:
            out.append(OutputFile(rel, (source / rel).read_bytes()))
        except OSError as exc:
            raise IopError(f"cannot read {rel}: {exc.strerror or exc}.", path=str(source / rel), code=1) from exc
    return out


def run(source: Path, *, strict: bool = False, converter: Converter | None = None,
        progress: Callable[[str], None] | None = None, today: date | None = None,
        pdf: bool = False, cache: ParseCache | None = None, jobs: int | None = None,
        on_convert: Progress | None = None, skip_render: SkipRender | None = None,
        emit: Callable[[OutputFile], None] | None = None) -> BuildResult:
    """Read, check, plan and render; write nothing. `today` picks the home page's next sessions.
    With `pdf`, also make the PDFs.

    Files found in `cache` are not converted again; the others are converted in parallel when
    there are many (`jobs` processes, default one per core; `on_convert` hears how far it got) and
    added to it. A `converter` given here converts everything in this process (unless `jobs` says
    otherwise). `skip_render` may say, before rendering, that the output would be what is already
    there (`build` asks whether the last build came from the same inputs). With `emit`, each file
    goes there as soon as it is rendered instead of into the result (a large site need not be
    held in memory); the caller keeps or drops them by whether the result is `ok`.
    """
    if not source.is_dir():
        raise IopError(f"no curriculum folder at {source}. Create one with `iopcurr new {source}`.", path=str(source))
    timer = _Timer()
    sources = read_sources(source)
    timer.lap("read")
    if converter is not None and jobs is None:
        jobs = 1
    parsed, stats = parse_all(source_files(sources), cache=cache, converter=converter, jobs=jobs,
                              progress=on_convert)
    sources = replace(sources, files=())  # their text is read; let it go (19 MB at 1,000 modules)
    if stats.converted >= 200:  # a large build: its grades are known, free textstat's 70 MB for rendering
        forget_dictionary()
    timer.lap("convert")
    cur, plans, problems = assemble(source, sources, parsed=parsed)
    timer.lap("check")
    schedule, more = build_schedule(cur.program, cur.modules)
    problems += more + check_run_sheets(cur, plans, schedule)
    timer.lap("schedule")
    if strict:
        problems = [p.as_error() for p in problems]
    files: list[OutputFile] = []
    if not has_errors(problems):
        theme, more = theme_for(source, cur)
        problems += more
        unchanged = skip_render(sources, stats, theme) if theme is not None and skip_render is not None else None
        if unchanged is not None:  # the output holds this very build: check its links, render nothing
            problems += check_site_refs(cur.modules, cur.pages, unchanged)
            timer.lap("unchanged")
            if not has_errors(problems):
                return BuildResult(cur, plans, (), sort_problems(problems), timer.timings, schedule=schedule,
                                   stats=stats, unchanged=True)
        elif theme is not None:
            emitted: list[str] = []

            def put(f: OutputFile) -> None:
                assert emit is not None
                emitted.append(f.path)
                emit(f)

            files, more = render_all(source, cur, plans, theme, sources, schedule=schedule, today=today, pdf=pdf,
                                     emit=put if emit is not None and not pdf else None)
            problems += more
            timer.lap("render")
            paths = {f.path for f in files} | set(emitted)
            if paths:  # links written as paths of the site (../handouts/x.html) find their file
                site = paths | ({p for _, p in pdf_jobs(cur)} if pdf else set())
                problems += check_site_refs(cur.modules, cur.pages, site)
                files = files if not has_errors(problems) else []
        if pdf and files:
            from iopcurr.pdf import render_pdfs

            files += render_pdfs(files, pdf_jobs(cur), progress=progress)
            timer.lap("pdf")
    return BuildResult(cur, plans, tuple(sorted(files, key=lambda f: f.path)), sort_problems(problems),
                       timer.timings, schedule=schedule, stats=stats)


def _fingerprint(source: Path, sources: Sources, stats: ParseStats, theme: Theme, *, strict: bool,
                 today: date | None, pdf: bool) -> str:
    """Everything a build is made from (see `cache.build_fingerprint`)."""
    versions = [f"{name}={package_version(name)}" for name in ("jinja2", "markupsafe", "markdown", "nh3", "textstat", "pyyaml")]
    theme_files = sorted(p for folder in theme.folders for sub in ("templates", "static")
                         for p in (folder / sub).rglob("*") if p.is_file())
    parts = [sys.version, *versions, f"strict={strict}", f"today={today}", f"pdf={pdf}", str(source),
             sources.program_path, sources.program_text or "", *stats.keys, *sources.assets]
    return build_fingerprint(parts, [*theme_files, *(source / rel for rel in sources.assets)])


def theme_for(source: Path, cur: Curriculum) -> tuple[Theme | None, list[Problem]]:
    """The theme with the curriculum's override folder, if it names one that exists."""
    override = source / cur.program.theme.override if cur.program.theme.override else None
    if override is not None and not override.is_dir():
        return None, [Problem(cur.program.path, cur.program.line_of("theme.override"),
                              f"the theme override folder {override} does not exist.", "IOP025")]
    if override is not None and not override.resolve().is_relative_to(source.resolve()):
        return None, [Problem(cur.program.path, cur.program.line_of("theme.override"),
                              f"the theme override folder {override} leads outside the curriculum folder.", "IOP029",
                              hint="Copy the templates into the curriculum instead.")]
    return load_theme(override), []


def render_all(source: Path, cur: Curriculum, plans: dict[str, SessionPlan | None], theme: Theme,
               sources: Sources | None, want: Callable[[str], bool] | None = None, *,
               schedule: Schedule | None = None, today: date | None = None, pdf: bool = False,
               pages: bool = True, books: bool = True,
               emit: Callable[[OutputFile], None] | None = None) -> tuple[list[OutputFile], list[Problem]]:
    """Every output file (only the pages `want` accepts, and no static files without `sources`).
    Without `pages`, only the collections (the packet, the manual, the search index); without
    `books`, all but those. With `emit`, each file goes there as it is made, not into the list.

    A broken template in a theme override becomes a problem, never a traceback.
    """
    files: list[OutputFile] = []
    put = emit or files.append
    try:
        # The search index first, in a process of its own for a large program while the pages
        # are rendered here; it is collected last.
        search = start_search_file(cur) if books and (want is None or want(INDEX_PATH)) else None
        mains: dict[str, str] | None = {} if pages and books else None  # pages' main content, for the books
        if pages:
            for f in render_site(cur, plans, theme, schedule, today, pdf=pdf, want=want, mains=mains):
                put(f)
        more: list[OutputFile] = []
        if schedule is not None and pages:
            more += render_calendar(cur, plans, schedule, theme, today)
        if books:  # the collections: every page bound into one
            _put_wanted(render_books(cur, plans, theme, schedule, pdf=pdf, mains=mains), want, put)
            mains = None
        for f in more:
            if want is None or want(f.path):
                put(f)
        if search is not None:
            put(search())
        if sources is not None:
            for f in theme_files(theme) + asset_files(source, sources):
                put(f)
    except jinja2.TemplateError as exc:
        return [], [template_problem(exc)]
    return files, []


def _put_wanted(files: Iterable[OutputFile], want: Callable[[str], bool] | None,
                put: Callable[[OutputFile], None]) -> None:
    """`put` each file that `want` accepts (in a function of its own: no loop variable keeps the
    last one, a 30 MB manual at 1,000 modules, alive after it is written)."""
    for f in files:
        if want is None or want(f.path):
            put(f)


def template_problem(exc: jinja2.TemplateError) -> Problem:
    """A broken template in a theme override: a problem, never a traceback."""
    where = getattr(exc, "filename", None) or "template"
    return Problem(str(where), getattr(exc, "lineno", None), f"template error: {exc}", "IOP032")


def build(source: Path, out: Path, *, strict: bool = False, converter: Converter | None = None,
          today: date | None = None, pdf: bool = False,
          progress: Callable[[str], None] | None = None, jobs: int | None = None,
          on_convert: Progress | None = None) -> BuildResult:
    """Run the pipeline and, when there are no errors, swap the new site in.

    With `pdf`, the PDFs (site/pdf/) are made too; WeasyPrint must be installed (checked first).
    `progress` hears what a long build is doing. Converted Markdown is cached in
    `out/.iopcurr-cache` (kept across builds, safe to delete).
    """
    if pdf:
        from iopcurr.pdf import require_weasyprint

        require_weasyprint()
    cache = ParseCache(out / CACHE_DIR, pending=pending_cache_folder(out))
    # Each file goes to disk as soon as it is rendered (with PDFs, which need the pages, at the
    # end), into a stage that is swapped in only if the build succeeds. Making the stage checks
    # the output folder, before anything is built.
    stage = Stage(out, source)
    fingerprint = ""

    def unchanged(sources: Sources, stats: ParseStats, theme: Theme) -> set[str] | None:
        nonlocal fingerprint
        fingerprint = _fingerprint(source, sources, stats, theme, strict=strict, today=today, pdf=pdf)
        listed = read_manifest(out)
        return listed if not pdf and site_unchanged(out, fingerprint, listed) else None

    try:
        result = run(source, strict=strict, converter=converter, today=today, pdf=pdf, progress=progress,
                     cache=cache, jobs=jobs, on_convert=on_convert, skip_render=unchanged,
                     emit=stage.add)
        if not result.ok:
            return result
        start = time.perf_counter()
        if not result.unchanged:
            # An old site.json carried over is harmless: the files it lists changed on disk.
            for f in result.files:  # (only with PDFs: the other files went to the stage already)
                stage.add(f)
            written = stage.commit(keep=(CACHE_DIR,))
            if fingerprint:
                record_site(out, fingerprint, written)
        if result.curriculum is not None:
            cache.save_grades({text_key(h.text): reading_grade(h.text)
                               for m in result.curriculum.modules for h in m.handouts})
        cache.commit()
        if result.stats is not None:
            cache.prune(result.stats.keys)
    finally:
        stage.discard()
        cache.discard()
    timings = dict(result.timings, write=round(time.perf_counter() - start, 4))
    return replace(result, timings=timings, written=not result.unchanged)
