"""The command line: parse options, call the pipeline, print, and exit 0 / 1 / 2.

Exit codes: 0 all good, 1 problems in the content or configuration, 2 usage errors
(bad options, a refused output folder, a missing curriculum folder).
"""

from __future__ import annotations

import importlib.resources
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from iopcurr import __version__
from iopcurr.ci import FORMATS, github_annotations, gitlab_report
from iopcurr.errors import IopError, Problem, has_errors, problems_json, sort_problems
from iopcurr.plan.checks import check_reviews, handout_grades

if TYPE_CHECKING:
    from iopcurr.model import Curriculum
    from iopcurr.pipeline import BuildResult
    from iopcurr.source.parsed import Parsed

SOURCE = click.argument("source", required=False, default=None, type=click.Path(path_type=Path, file_okay=False))
STRICT = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
QUIET = click.option("-q", "--quiet", is_flag=True, help="Print only problems: nothing at all when all is well.")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Also print where the program was found and how long each stage took.")

PROGRAM_FILE = "program.yml"
DEFAULT_FOLDER = Path("curriculum")


def find_program(source: Path | None) -> tuple[Path, Path]:
    """The curriculum folder to read and the default output folder, found as MkDocs finds its config.

    SOURCE when given (the site goes to ./site); else the working folder when it holds a
    program.yml (the site goes beside it, to ../site: never inside the curriculum, which the
    output check refuses); else ./curriculum (the site goes to ./site).
    """
    if source is not None:
        return source, Path("site")
    if (Path.cwd() / PROGRAM_FILE).is_file():
        return Path("."), Path("..") / "site"
    if DEFAULT_FOLDER.is_dir():
        return DEFAULT_FOLDER, Path("site")
    raise IopError(
        f"no program here: this folder has no {PROGRAM_FILE} and no {DEFAULT_FOLDER}/ folder. "
        f"Run iopcurr in your program's folder, name the folder (iopcurr build my-program), "
        f"or create one with `iopcurr new {DEFAULT_FOLDER}`."
    )


def _report(problems: tuple[Problem, ...]) -> None:
    for p in problems:
        click.echo(p.format(), err=True)


def _timings(timings: dict[str, float]) -> None:
    click.echo("Stages: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="iopcurr")
def cli() -> None:
    """iopcurr turns a folder of Markdown modules into a facilitator guide, client handouts and
    session plans for a group program."""


class _Bar(Protocol):
    """What is used of the bar `click.progressbar` returns (its class is not public)."""

    def update(self, n_steps: int) -> None: ...
    def render_progress(self) -> None: ...
    def render_finish(self) -> None: ...


class _ProgressBar:
    """A progress bar on stderr for a long build: only on a terminal, and only once the build has
    taken longer than `delay` seconds (a quick build prints nothing but its summary)."""

    def __init__(self, label: str, delay: float = 1.0) -> None:
        self.label = label
        self.started = time.perf_counter()
        self.delay = delay
        self.bar: _Bar | None = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if done >= total or time.perf_counter() - self.started < self.delay or not sys.stderr.isatty():
                return
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.render_progress()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


@dataclass(frozen=True)
class Options:
    """The options of `build` and `check`, once parsed (click hands them over one by one)."""

    strict: bool = False
    today: date | None = None
    quiet: bool = False
    verbose: bool = False
    pdf: bool = False  # build
    zip_site: bool = False  # build
    fmt: str = "text"  # check
    pages: bool = False  # check


def _today(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The --today option, parsed to a date."""
    return click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help=help_text,
                        callback=lambda _ctx, _param, value: value.date() if value else None)


@cli.command()
@SOURCE
@click.option("-o", "--out", "out", default=None, type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the site to (default: ./site; ../site when run inside the program "
                   "folder). It must be new, empty, or an earlier iopcurr build.")
@STRICT
@_today("Date (YYYY-MM-DD) the home page counts from to show the next sessions.")
@click.option("--pdf", is_flag=True,
              help="Also write PDFs of the handouts, the client packet and the facilitator "
                   "manual to DIR/pdf/ (needs WeasyPrint: pip install -e '.[pdf]' in a checkout).")
@click.option("--site", "site", default=None, metavar="NAME",
              help="Build the site of one clinic: sites/NAME.yml merged over program.yml, into "
                   "<site>/NAME (or --out).")
@click.option("--all-sites", is_flag=True,
              help="Build every site of sites/*.yml, each into <site>/NAME (--out: the folder that holds them); "
                   "each module is converted once for all of them.")
@click.option("--zip", "zip_site", is_flag=True,
              help="Also write the site as one zip file beside its folder (site.zip next to site/), "
                   "the same bytes for the same site.")
@QUIET
@VERBOSE
def build(source: Path | None, out: Path | None, site: str | None, all_sites: bool, **options: Any) -> None:
    """Build the site from SOURCE into --out.

    SOURCE is the folder holding program.yml: by default the working folder when it holds one
    (the site then goes beside it, to ../site), else ./curriculum (the site goes to ./site).
    The new site replaces the old one only when the build succeeds."""
    source, default_out = find_program(source)
    if site is not None and all_sites:
        raise click.UsageError("use either --site NAME or --all-sites, not both.")
    memo: dict[str, Parsed] = {}  # shared by the sites: each module is converted once
    built = [_build_one(source, target, name, memo, Options(**options))
             for name, target in _targets(source, site, all_sites, out, default_out)]
    sys.exit(0 if all(built) else 1)


def _targets(source: Path, site: str | None, all_sites: bool, out: Path | None,
             default_out: Path) -> list[tuple[str | None, Path]]:
    """The sites to build and the folder of each: --out is the site's own folder for --site, the
    folder of all of them for --all-sites."""
    from iopcurr.source.sites import site_file, site_names

    if site is not None:
        site_file(source, site)  # a site that does not exist stops here, before any folder is made
        return [(site, out or default_out / site)]
    if not all_sites:
        return [(None, out or default_out)]
    names = site_names(source)
    if not names:
        raise IopError(f"--all-sites: {source / 'sites'} holds no site files (sites/NAME.yml).",
                       path=str(source / "sites"))
    return [(name, (out or default_out) / name) for name in names]


def _build_one(source: Path, out: Path, site: str | None, memo: dict[str, Parsed], opts: Options) -> bool:
    """Build one site into `out` and print its summary; whether it succeeded."""
    from iopcurr.output.zipsite import write_zip

    started = time.perf_counter()
    label = f"site {site}: " if site else ""
    if opts.verbose:
        click.echo(f"Program: {source / PROGRAM_FILE}{f' with sites/{site}.yml' if site else ''}; site: {out}", err=True)
    result = _run_build(source, out, site, memo, opts)
    _report(result.problems)
    if not result.ok:
        errors = len(result.problems) - result.warnings
        click.echo(f"{label}Build failed: {errors} error(s), {result.warnings} warning(s). {out} was not changed.",
                   err=True)
        return False
    packed = f" and {write_zip(result.files, out)}" if opts.zip_site else ""
    seconds = time.perf_counter() - started
    if opts.verbose:
        _timings(result.timings)
    if not opts.quiet:
        click.echo(f"{label}{_built(result, opts.pdf)} in {seconds:.2f} s → {out}{packed}")
    return True


def _run_build(source: Path, out: Path, site: str | None, memo: dict[str, Parsed], opts: Options) -> BuildResult:
    """`pipeline.build`, with a progress bar on a terminal (and a line of what the PDFs are doing)."""
    from iopcurr.pipeline import Settings
    from iopcurr.pipeline import build as run_build

    def progress_line(message: str) -> None:  # what the PDFs are doing, on one line of the terminal
        click.echo(f"\r{message} ", nl=False, err=True)

    progress = progress_line if opts.pdf and not opts.quiet and sys.stderr.isatty() else None
    bar = _ProgressBar("Converting Markdown", delay=float("inf") if opts.quiet else 1.0)
    try:
        result = run_build(source, out, Settings(opts.strict, opts.today, opts.pdf, site),
                           memo=memo, on_convert=bar, progress=progress)
    finally:
        bar.close()
    if progress:
        click.echo(err=True)
    return result


def _built(result: BuildResult, pdf: bool) -> str:
    """What a build made: `Built 35 modules, 6 pages, 0 warnings` (and the PDFs, with --pdf)."""
    cur = result.curriculum
    made = f", {sum(1 for f in result.files if f.path.startswith('pdf/'))} PDFs" if pdf else ""
    return f"Built {len(cur.modules)} modules, {len(cur.pages)} pages{made}, {result.warnings} warnings"


@cli.command()
@SOURCE
@STRICT
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report as lines of text, as JSON (for a program's own CI), as GitHub Actions "
                   "annotations (github) or as a GitLab Code Quality report (gitlab).")
@_today("Date (YYYY-MM-DD) module reviews are due against (default: the day it runs).")
@click.option("--site", "site", default=None, metavar="NAME",
              help="Check only the site of sites/NAME.yml (by default program.yml and every site are checked).")
@click.option("--pages", is_flag=True,
              help="Also count the printed pages of every handout with WeasyPrint and warn about one longer "
                   "than 2 pages (seconds per handout the first time; the PDFs are then kept in the site's cache).")
@QUIET
@VERBOSE
def check(source: Path | None, site: str | None, **options: Any) -> None:
    """Check SOURCE for problems without writing anything (but, with --pages, the PDF cache).

    SOURCE is found as for `build`: the working folder when it holds program.yml, else ./curriculum.
    With site files (sites/NAME.yml), every site is checked too: a problem in a key a site file
    sets is reported at the site file's line. With --pages, it also counts the printed pages of
    every handout (the PDFs are kept in the site's cache, as by `build --pdf`)."""
    opts = Options(**options)
    source, default_out = find_program(source)
    memo: dict[str, Parsed] = {}  # each file is converted once for all the runs
    cur, found, timings = _check_runs(source, site, opts.strict, memo)
    if opts.pages and not has_errors(found):
        found += _page_check(source, default_out / site if site else default_out, site, opts.strict, memo)
    # Only `check` looks at the date: a build gives the same site whatever day it runs.
    late = check_reviews(cur.modules, opts.today or date.today())
    problems = sort_problems((*found, *(p.as_error() if opts.strict else p for p in late)))
    if opts.fmt == "text":
        _print_check(source, cur, problems, timings, opts)
    else:
        click.echo(_ci_report(opts.fmt, problems, cur), nl=opts.fmt != "github")
    sys.exit(1 if has_errors(problems) else 0)


def _ci_report(fmt: str, problems: tuple[Problem, ...], cur: Curriculum) -> str:
    """The problems as GitHub annotations, a GitLab report, or JSON with the handouts' grades."""
    if fmt == "github":
        return github_annotations(problems)
    if fmt == "gitlab":
        return gitlab_report(problems)
    handouts = [{"id": i, "path": p, "line": n, "grade": g} for i, p, n, g in handout_grades(cur.modules)]
    return problems_json(problems, handouts=handouts)


def _print_check(source: Path, cur: Curriculum, problems: tuple[Problem, ...],
                 timings: dict[str, float], opts: Options) -> None:
    """`check`'s text report: the problems, the handouts' reading grades and a summary."""
    if opts.verbose:
        click.echo(f"Program: {source / PROGRAM_FILE}", err=True)
    _report(problems)
    grades = handout_grades(cur.modules)
    if grades and not opts.quiet:
        limit = cur.program.handouts.max_grade
        click.echo(f"Handout reading grades (Flesch-Kincaid, limit {limit:g}):")
        for ident, _path, _line, grade in grades:
            click.echo(f"  {grade:4.1f}  {ident}{'  (over the limit)' if grade > limit else ''}")
    if opts.verbose:
        _timings(timings)
    warnings = sum(1 for p in problems if p.severity == "warning")
    if not opts.quiet or has_errors(problems):
        click.echo(f"Checked {len(cur.modules)} modules, {len(cur.pages)} pages: "
                   f"{len(problems) - warnings} error(s), {warnings} warning(s).")


def _check_runs(source: Path, site: str | None, strict: bool,
                memo: dict[str, Parsed]) -> tuple[Curriculum, list[Problem], dict[str, float]]:
    """The problems of program.yml and of every site (or of the one `site`): one that only a site's
    run finds, outside its site file, says which site (`in site `eastside`: ...`)."""
    from iopcurr.pipeline import Settings, run
    from iopcurr.source.sites import site_file, site_names

    problems: set[Problem] = set()
    cur: Curriculum | None = None
    timings: dict[str, float] = {}
    for name in [site] if site is not None else [None, *site_names(source)]:
        own = str(site_file(source, name)) if name else ""  # (a usage error if there is no such site)
        result = run(source, Settings(strict=strict, site=name), memo=memo)
        cur = cur or result.curriculum
        timings = timings or dict(result.timings)
        for p in result.problems:
            if p not in problems:
                elsewhere = site is None and name is not None and p.path != own  # found by this site alone
                problems.add(replace(p, message=f"in site `{name}`: {p.message}") if elsewhere else p)
    assert cur is not None  # (a run always reads a curriculum, or raises)
    return cur, list(problems), timings


def _page_check(source: Path, out: Path, site: str | None, strict: bool, memo: dict[str, Parsed]) -> list[Problem]:
    """IOP030 for each handout that prints on more than 2 pages, measured with WeasyPrint; the
    PDFs come from and go to the PDF cache of the site in `out` (unless `out` is not iopcurr's).
    Without WeasyPrint, a note says how to get the check."""
    from iopcurr.output.cache import CACHE_DIR
    from iopcurr.output.write import check_output_folder
    from iopcurr.pipeline import long_handout_problems
    from iopcurr.render.pdf import CACHE_SUBDIR, weasyprint_missing

    if weasyprint_missing() is not None:
        click.echo('Note: the page check was skipped: counting printed pages needs WeasyPrint '
                   '(pip install "iopcurr[pdf]").', err=True)
        return []
    try:
        check_output_folder(out, source)
        cache: Path | None = out / CACHE_DIR / CACHE_SUBDIR
    except IopError:
        cache = None
    return [p.as_error() if strict else p for p in long_handout_problems(source, cache, site=site, memo=memo)]


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def new(folder: Path) -> None:
    """Create a working curriculum in FOLDER: program.yml, two modules and one page."""
    try:
        if folder.exists() and any(folder.iterdir()):
            raise IopError(f"{folder} is not empty; choose a new folder.")
        scaffold = importlib.resources.files("iopcurr") / "scaffold"
        with importlib.resources.as_file(scaffold) as src:
            shutil.copytree(src, folder, dirs_exist_ok=True)
    except OSError as exc:  # (shutil.Error too, with no strerror: the files it could not copy)
        why = exc.strerror or "some files could not be copied"
        raise IopError(f"cannot create {folder}: {why}. Choose a folder you can write to.") from exc
    click.echo(f"Created {folder}. Next: cd {folder} && iopcurr serve   (or: iopcurr build {folder})")


_ROUTINE = ("Serving ", "Rebuilt in ", "Stopped.")  # what --quiet leaves out of the preview's messages


@cli.command()
@SOURCE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@click.option("--site", "site", default=None, metavar="NAME",
              help="Start with the site of one clinic: sites/NAME.yml merged over program.yml "
                   "(a list above every page switches to another).")
@QUIET
@VERBOSE
def serve(source: Path | None, site: str | None, quiet: bool, verbose: bool, **listen: Any) -> None:
    """Preview SOURCE with live reload: rebuilds and refreshes the browser when you save.

    SOURCE is found as for `build`: the working folder when it holds program.yml, else ./curriculum."""
    from iopcurr.preview.serve import serve as run_serve

    def say(text: str) -> None:
        if not (quiet and text.startswith(_ROUTINE)):
            click.echo(text, err=True)

    source, _ = find_program(source)
    if verbose:
        say(f"Program: {source / PROGRAM_FILE}")
    if site is not None:
        from iopcurr.source.sites import site_file

        site_file(source, site)  # a usage error (exit 2) if there is no such site
    run_serve(source, say=say, site=site, **listen)  # host, port, open_browser


def main() -> None:
    cli(prog_name="iopcurr")
