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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iopcurr import __version__
from iopcurr.checks import handout_grades
from iopcurr.errors import IopError, Problem, problems_json

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

SOURCE = click.argument("source", default="curriculum", type=click.Path(path_type=Path, file_okay=False))
STRICT = click.option("--strict", is_flag=True, help="Treat warnings as errors.")


def _report(problems: tuple[Problem, ...]) -> None:
    for p in problems:
        click.echo(p.format(), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="iopcurr")
def cli() -> None:
    """iopcurr turns a folder of Markdown modules into a facilitator guide, client handouts and
    session plans for a group program."""


class _ProgressBar:
    """A progress bar on stderr for a long build: only on a terminal, and only once the build has
    taken longer than `delay` seconds (a quick build prints nothing but its summary)."""

    def __init__(self, label: str, delay: float = 1.0) -> None:
        self.label = label
        self.started = time.perf_counter()
        self.delay = delay
        self.bar: ProgressBar[int] | None = None
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
@click.option("--out", "out", default="site", show_default=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the site to. It must be new, empty, or an earlier iopcurr build.")
@STRICT
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date (YYYY-MM-DD) the home page counts from to show the next sessions.")
@click.option("--pdf", is_flag=True,
              help="Also write PDFs of the handouts, the client packet and the facilitator "
                   "manual to DIR/pdf/ (needs WeasyPrint: pip install 'iopcurr[pdf]').")
def build(source: Path, out: Path, strict: bool, today: datetime | None, pdf: bool) -> None:
    """Build the site from SOURCE (default: ./curriculum) into --out (default: ./site).

    The new site replaces the old one only when the build succeeds."""
    from iopcurr.pipeline import build as run_build

    started = time.perf_counter()
    progress = _progress_line if pdf and sys.stderr.isatty() else None
    bar = _ProgressBar("Converting Markdown")
    try:
        result = run_build(source, out, strict=strict, today=today.date() if today else None,
                           pdf=pdf, progress=progress, on_convert=bar)
        bar.close()
        if progress:
            click.echo(err=True)
    except IopError as exc:
        bar.close()
        click.echo(exc.format(), err=True)
        sys.exit(exc.exit_code)
    _report(result.problems)
    cur = result.curriculum
    modules = len(cur.modules) if cur else 0
    pages = len(cur.pages) if cur else 0
    seconds = time.perf_counter() - started
    if not result.ok:
        errors = len(result.problems) - result.warnings
        click.echo(f"Build failed: {errors} error(s), {result.warnings} warning(s). {out} was not changed.", err=True)
        sys.exit(1)
    pdfs = sum(1 for f in result.files if f.path.startswith("pdf/")) if pdf else 0
    made = f", {pdfs} PDFs" if pdf else ""
    same = " (nothing changed)" if result.unchanged else ""
    click.echo(f"Built {modules} modules, {pages} pages{made}, {result.warnings} warnings "
               f"in {seconds:.2f} s → {out}{same}")


@cli.command()
@SOURCE
@STRICT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report as lines of text or as JSON (for a program's own CI).")
def check(source: Path, strict: bool, fmt: str) -> None:
    """Check SOURCE for problems without writing anything."""
    from iopcurr.pipeline import run

    try:
        result = run(source, strict=strict)
    except IopError as exc:
        click.echo(exc.format(), err=True)
        sys.exit(exc.exit_code)
    cur = result.curriculum
    grades = handout_grades(cur.modules) if cur else []
    if fmt == "json":
        data = json.loads(problems_json(result.problems))
        data["handouts"] = [{"id": i, "path": p, "line": n, "grade": g} for i, p, n, g in grades]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
    else:
        _report(result.problems)
        if grades:
            limit = cur.program.handouts.max_grade if cur else 0
            click.echo(f"Handout reading grades (Flesch-Kincaid, limit {limit:g}):")
            for ident, _path, _line, grade in grades:
                click.echo(f"  {grade:4.1f}  {ident}{'  (over the limit)' if grade > limit else ''}")
        errors = len(result.problems) - result.warnings
        count = f"{len(cur.modules)} modules, {len(cur.pages)} pages" if cur else "nothing"
        click.echo(f"Checked {count}: {errors} error(s), {result.warnings} warning(s).")
    sys.exit(0 if result.ok else 1)


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def new(folder: Path) -> None:
    """Create a working curriculum in FOLDER: program.yml, two modules and one page."""
    if folder.exists() and any(folder.iterdir()):
        click.echo(f"error: {folder} is not empty; choose a new folder.", err=True)
        sys.exit(2)
    scaffold = importlib.resources.files("iopcurr") / "scaffold"
    with importlib.resources.as_file(scaffold) as src:
        shutil.copytree(src, folder, dirs_exist_ok=True)
    click.echo(f"Created {folder}. Next: iopcurr serve {folder}   (or: iopcurr build {folder})")


@cli.command()
@SOURCE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
def serve(source: Path, host: str, port: int, open_browser: bool) -> None:
    """Preview SOURCE with live reload: rebuilds and refreshes the browser when you save."""
    from iopcurr.serve import serve as run_serve

    try:
        run_serve(source, host=host, port=port, open_browser=open_browser)
    except IopError as exc:
        click.echo(exc.format(), err=True)
        sys.exit(exc.exit_code)


def main() -> None:
    cli(prog_name="iopcurr")
