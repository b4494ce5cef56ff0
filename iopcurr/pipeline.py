"""build(): the straight line from a curriculum folder to a written site, timed per stage.

    read sources → program → modules and pages (convert Markdown) → checks → plans → render → write

Only `read_sources`, `load_theme`, the static/asset reads and `write_site` touch the disk.
"""

from __future__ import annotations

import importlib.resources
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from iopcurr.books import check_reserved, pdf_jobs
from iopcurr.branding import check_branding
from iopcurr.checks import (
    check_completeness,
    check_handouts,
    check_ids,
    check_references,
    check_wording,
    order_modules,
)
from iopcurr.config import options_markdown_table, parse_program
from iopcurr.errors import IopError, Problem, codes_markdown_table, has_errors, sort_problems
from iopcurr.links import check_refs, check_site_refs
from iopcurr.loader import SourceFile, Sources, parse_module, parse_page, read_sources
from iopcurr.markup import Converter
from iopcurr.model import Curriculum, Module, OutputFile, Page, Schedule, SessionPlan
from iopcurr.plan import plan_module
from iopcurr.render import load_theme, page_list, render_site
from iopcurr.render_books import render_books
from iopcurr.schedule import build_schedule
from iopcurr.search import search_file
from iopcurr.sessionpages import render_calendar
from iopcurr.wording import terms_markdown_table
from iopcurr.write import CACHE_DIR, check_output_folder, recover_interrupted, write_site

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


def assemble(
    source: Path, sources: Sources, converter: Converter
) -> tuple[Curriculum, dict[str, SessionPlan | None], list[Problem]]:
    """Sources → a checked, ordered Curriculum and its session plans (pure but for nothing)."""
    problems: list[Problem] = list(sources.problems)
    if sources.program_text is None:
        program, more = parse_program("", sources.program_path)
    else:
        program, more = parse_program(sources.program_text, sources.program_path)
    problems += more
    modules: list[Module] = []
    pages: list[Page] = []
    page_sources = [f for f in sources.files if f.kind == "page"]
    if GUIDE_ID not in {f.id for f in page_sources}:
        page_sources.append(authoring_guide_source())
    broken: set[str] = set()  # modules whose front matter did not parse: no completeness noise
    for src in sources.files:
        if src.kind == "module":
            module, more = parse_module(src, converter)
            modules.append(module)
            problems += more
            if any(p.code == "IOP001" for p in more):
                broken.add(module.id)
            problems += check_wording(src.path, src.text)
    for src in page_sources:
        page, more = parse_page(src, converter)
        pages.append(page)
        problems += more
        if src.id != GUIDE_ID:
            problems += check_wording(src.path, src.text)
    ordered, more = order_modules(program, modules)
    problems += more
    problems += check_ids(modules, pages)
    problems += check_reserved(modules)
    problems += check_references(program, modules)
    problems += check_handouts(program, modules)
    problems += check_completeness(m for m in modules if m.id not in broken)
    problems += check_branding(program, sources.assets)
    problems += check_refs(modules, pages, sources.assets)
    if not modules and not has_errors(sources.problems):  # else a file that could not be read says why
        problems.append(Problem(str(source / "modules"), None, "there are no modules.", "IOP017",
                                hint="Add Markdown files to the modules/ folder (see `iopcurr new`)."))
    plans: dict[str, SessionPlan | None] = {}
    for m in ordered:
        plan, more = plan_module(m, program)
        plans[m.id] = plan
        problems += more
    cur = Curriculum(str(source), program, ordered, page_list(pages))
    return cur, plans, problems


def static_files(source: Path, cur: Curriculum, sources: Sources) -> list[OutputFile]:
    """Theme static files and curriculum assets, read from disk."""
    override = source / cur.program.theme.override if cur.program.theme.override else None
    theme = load_theme(override)
    out = [OutputFile(f"static/{rel}", path.read_bytes()) for rel, path in theme.static]
    for rel in sources.assets:
        try:
            out.append(OutputFile(rel, (source / rel).read_bytes()))
        except OSError as exc:
            raise IopError(f"cannot read {rel}: {exc.strerror or exc}.", path=str(source / rel), code=1) from exc
    return out


def run(source: Path, *, strict: bool = False, converter: Converter | None = None,
        progress: Callable[[str], None] | None = None, today: date | None = None,
        pdf: bool = False) -> BuildResult:
    """Read, check, plan and render; write nothing. `today` picks the home page's next sessions.
    With `pdf`, also make the PDFs."""
    if not source.is_dir():
        raise IopError(f"no curriculum folder at {source}. Create one with `iopcurr new {source}`.", path=str(source))
    timer = _Timer()
    sources = read_sources(source)
    timer.lap("read")
    converter = converter or Converter()
    cur, plans, problems = assemble(source, sources, converter)
    timer.lap("convert+check")
    schedule, more = build_schedule(cur.program, cur.modules)
    problems += more
    timer.lap("schedule")
    if strict:
        problems = [p.as_error() for p in problems]
    files: list[OutputFile] = []
    if not has_errors(problems):
        override = source / cur.program.theme.override if cur.program.theme.override else None
        if override is not None and not override.is_dir():
            problems.append(Problem(cur.program.path, cur.program.line_of("theme.override"),
                                    f"the theme override folder {override} does not exist.", "IOP025"))
        elif override is not None and not override.resolve().is_relative_to(source.resolve()):
            problems.append(Problem(cur.program.path, cur.program.line_of("theme.override"),
                                    f"the theme override folder {override} leads outside the curriculum folder.", "IOP029",
                                    hint="Copy the templates into the curriculum instead."))
        else:
            try:
                theme = load_theme(override)
                files = list(render_site(cur, plans, theme, schedule, today, pdf=pdf))
                files += render_calendar(cur, plans, schedule, theme, today)
                files += render_books(cur, plans, theme, schedule, pdf=pdf)
                files += static_files(source, cur, sources)
            except Exception as exc:  # a broken override template must not become a traceback
                import jinja2

                if not isinstance(exc, jinja2.TemplateError):
                    raise
                where = getattr(exc, "filename", None) or "template"
                problems.append(Problem(str(where), getattr(exc, "lineno", None), f"template error: {exc}", "IOP032"))
                files = []
        timer.lap("render")
        if files:
            files.append(search_file(cur))
            timer.lap("search")
        if files:  # links written as paths of the site (../handouts/x.html) find their file
            site = {f.path for f in files} | ({p for _, p in pdf_jobs(cur)} if pdf else set())
            problems += check_site_refs(cur.modules, cur.pages, site)
            files = files if not has_errors(problems) else []
        if pdf and files:
            from iopcurr.pdf import render_pdfs

            files += render_pdfs(files, pdf_jobs(cur), progress=progress)
            timer.lap("pdf")
    return BuildResult(cur, plans, tuple(sorted(files, key=lambda f: f.path)), sort_problems(problems),
                       timer.timings, schedule=schedule)


def build(source: Path, out: Path, *, strict: bool = False, converter: Converter | None = None,
          today: date | None = None, pdf: bool = False,
          progress: Callable[[str], None] | None = None) -> BuildResult:
    """Run the pipeline and, when there are no errors, swap the new site in.

    With `pdf`, the PDFs (site/pdf/) are made too; WeasyPrint must be installed (checked first).
    `progress` hears what a long build is doing.
    """
    if pdf:
        from iopcurr.pdf import require_weasyprint

        require_weasyprint()
    recover_interrupted(out)
    check_output_folder(out, source)
    result = run(source, strict=strict, converter=converter, today=today, pdf=pdf, progress=progress)
    if not result.ok:
        return result
    start = time.perf_counter()
    write_site(out, source, result.files, keep=(CACHE_DIR,))
    timings = dict(result.timings, write=round(time.perf_counter() - start, 4))
    return BuildResult(result.curriculum, result.plans, result.files, result.problems, timings,
                       written=True, schedule=result.schedule)
