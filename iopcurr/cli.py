"""The command line: parse options, call the pipeline, print, and exit 0 / 1 / 2.

Exit codes: 0 all good, 1 problems in the content or configuration, 2 usage errors
(bad options, a refused output folder, a missing curriculum folder).
"""

from __future__ import annotations

import importlib.resources
import json
import shutil
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import click

from iopcurr import __version__
from iopcurr.checks import check_reviews, handout_grades
from iopcurr.ci import FORMATS, github_annotations, gitlab_report
from iopcurr.errors import IopError, Problem, has_errors, problems_json, sort_problems

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


def _progress_line(message: str) -> None:
    """Show what a long build is doing on one line of the terminal (only on a terminal)."""
    click.echo(f"\r{message} ", nl=False, err=True)


@cli.command()
@SOURCE
@click.option("-o", "--out", "out", default=None, type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the site to (default: ./site; ../site when run inside the program "
                   "folder). It must be new, empty, or an earlier iopcurr build.")
@STRICT
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date (YYYY-MM-DD) the home page counts from to show the next sessions.")
@click.option("--pdf", is_flag=True,
              help="Also write PDFs of the handouts, the client packet and the facilitator "
                   "manual to DIR/pdf/ (needs WeasyPrint: pip install -e '.[pdf]' in a checkout).")
@QUIET
@VERBOSE
def build(source: Path | None, out: Path | None, strict: bool, today: datetime | None, pdf: bool,
          quiet: bool, verbose: bool) -> None:
    """Build the site from SOURCE into --out.

    SOURCE is the folder holding program.yml: by default the working folder when it holds one
    (the site then goes beside it, to ../site), else ./curriculum (the site goes to ./site).
    The new site replaces the old one only when the build succeeds."""
    from iopcurr.pipeline import build as run_build

    started = time.perf_counter()
    source, default_out = find_program(source)
    out = out if out is not None else default_out
    if verbose:
        click.echo(f"Program: {source / PROGRAM_FILE}; site: {out}", err=True)
    progress = _progress_line if pdf and not quiet and sys.stderr.isatty() else None
    bar = _ProgressBar("Converting Markdown", delay=float("inf") if quiet else 1.0)
    try:
        result = run_build(source, out, strict=strict, today=today.date() if today else None,
                           pdf=pdf, progress=progress, on_convert=bar)
    finally:
        bar.close()
    if progress:
        click.echo(err=True)
    _report(result.problems)
    cur = result.curriculum
    modules = len(cur.modules) if cur else 0
    pages = len(cur.pages) if cur else 0
    seconds = time.perf_counter() - started
    warnings = result.warnings
    if not result.ok:
        errors = len(result.problems) - result.warnings
        click.echo(f"Build failed: {errors} error(s), {warnings} warning(s). {out} was not changed.", err=True)
        sys.exit(1)
    if verbose:
        _timings(result.timings)
    if quiet:
        return
    pdfs = sum(1 for f in result.files if f.path.startswith("pdf/")) if pdf else 0
    made = f", {pdfs} PDFs" if pdf else ""
    same = " (nothing changed)" if result.unchanged else ""
    click.echo(f"Built {modules} modules, {pages} pages{made}, {warnings} warnings "
               f"in {seconds:.2f} s → {out}{same}")


@cli.command()
@SOURCE
@STRICT
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report as lines of text, as JSON (for a program's own CI), as GitHub Actions "
                   "annotations (github) or as a GitLab Code Quality report (gitlab).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date (YYYY-MM-DD) module reviews are due against (default: the day it runs).")
@QUIET
@VERBOSE
def check(source: Path | None, strict: bool, fmt: str, today: datetime | None, quiet: bool, verbose: bool) -> None:
    """Check SOURCE for problems without writing anything.

    SOURCE is found as for `build`: the working folder when it holds program.yml, else ./curriculum."""
    from iopcurr.pipeline import run

    source, _ = find_program(source)
    result = run(source, strict=strict)
    cur = result.curriculum
    # Only `check` looks at the date: a build gives the same site whatever day it runs.
    late = [p.as_error() if strict else p for p in check_reviews(cur.modules, today.date() if today else date.today())
            ] if cur else []
    problems = sort_problems((*result.problems, *late))
    warnings = sum(1 for p in problems if p.severity == "warning")
    ok = not has_errors(problems)
    grades = handout_grades(cur.modules) if cur else []
    if fmt in ("github", "gitlab"):
        click.echo(github_annotations(problems) if fmt == "github" else gitlab_report(problems), nl=fmt == "gitlab")
        sys.exit(0 if ok else 1)
    if fmt == "json":
        data = json.loads(problems_json(problems))
        data["handouts"] = [{"id": i, "path": p, "line": n, "grade": g} for i, p, n, g in grades]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
        sys.exit(0 if ok else 1)
    if verbose:
        click.echo(f"Program: {source / PROGRAM_FILE}", err=True)
    _report(problems)
    if grades and not quiet:
        limit = cur.program.handouts.max_grade if cur else 0
        click.echo(f"Handout reading grades (Flesch-Kincaid, limit {limit:g}):")
        for ident, _path, _line, grade in grades:
            click.echo(f"  {grade:4.1f}  {ident}{'  (over the limit)' if grade > limit else ''}")
    if verbose:
        _timings(result.timings)
    errors = len(problems) - warnings
    if not quiet or not ok:
        count = f"{len(cur.modules)} modules, {len(cur.pages)} pages" if cur else "nothing"
        click.echo(f"Checked {count}: {errors} error(s), {warnings} warning(s).")
    sys.exit(0 if ok else 1)


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
    except (OSError, shutil.Error) as exc:
        raise IopError(f"cannot create {folder}: {_why(exc)}. Choose a folder you can write to.") from exc
    click.echo(f"Created {folder}. Next: cd {folder} && iopcurr serve   (or: iopcurr build {folder})")


def _why(exc: OSError | shutil.Error) -> str:
    """The reason of an OSError in words, without the Python wrapping ([Errno 13] ...)."""
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else "some files could not be copied"


_ROUTINE = ("Serving ", "Rebuilt in ", "Stopped.")  # what --quiet leaves out of the preview's messages


@cli.command()
@SOURCE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@QUIET
@VERBOSE
def serve(source: Path | None, host: str, port: int, open_browser: bool, quiet: bool, verbose: bool) -> None:
    """Preview SOURCE with live reload: rebuilds and refreshes the browser when you save.

    SOURCE is found as for `build`: the working folder when it holds program.yml, else ./curriculum."""
    from iopcurr.serve import serve as run_serve

    def say(text: str) -> None:
        if not (quiet and text.startswith(_ROUTINE)):
            click.echo(text, err=True)

    source, _ = find_program(source)
    if verbose:
        say(f"Program: {source / PROGRAM_FILE}")
    run_serve(source, host=host, port=port, open_browser=open_browser, say=say)


def main() -> None:
    cli(prog_name="iopcurr")
