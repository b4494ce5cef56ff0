"""How long `iopcurr build --pdf` takes on the bundled curriculum: cold, unchanged, one edit.

    python benchmarks/bench_pdf.py [--workers N]

Copies curriculum/ into a temporary folder and builds it with --pdf three times into one
output folder: cold (no PDF cache), again with nothing changed (every PDF from the cache in
`site/.iopcurr-cache/pdf/`), and after editing the text of one handout (only that handout's
PDFs — regular, large print, fillable — and the workbook and the manual are made again). For
each it prints the wall and CPU seconds, the seconds of the PDF stage, and how many PDFs were
made (new cache entries) rather than copied. `--workers N` then also times the PDF stage alone,
without the cache, with N processes (1: the serial cost).

Wall-clock seconds depend on what else the machine runs; the CPU seconds (this process and its
workers) much less, so both are printed.

Targets: the unchanged build at most 10% of the cold one; after one edit, 5 PDFs made.

Measured (5 Dec 2026, WeasyPrint 70, 2 shared cores at load 6-8 with other builds running;
95 PDFs, 796 pages, tagged PDF/UA-1, 31 of them fillable):

    build                  wall s    CPU s  PDF stage s  PDFs made
    cold                   146.77    68.57       143.44         95
    unchanged                1.22     0.50         0.37          0
    one handout edited      36.00    37.06        35.43          5

The unchanged build is 0.8% of the cold one (target 10%). After one edit the time is the
manual's (about 380 pages): it holds every handout, so it is made again with the packet.
From the command line (a new process, which also renders the HTML) an unchanged
`iopcurr build curriculum --out /tmp/h-site --pdf` took 3.95 s wall against 112-152 s cold.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iopcurr.pipeline import BuildResult, Settings, build  # noqa: E402
from iopcurr.render import pdf  # noqa: E402
from iopcurr.render.books import pdf_jobs  # noqa: E402

EDIT = ("modules/relapse-warning-signs.md", "It means stop and check.", "It means stop and look.")


def page_count(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the PDF workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(source: Path, out: Path) -> tuple[BuildResult, float, float, int]:
    """One --pdf build: its result, wall and CPU seconds, and how many PDFs it made."""
    cache = out / ".iopcurr-cache" / pdf.CACHE_SUBDIR
    before = {p.name for p in cache.glob("*.pdf")} if cache.is_dir() else set()
    start, cpu = time.perf_counter(), cpu_seconds()
    result = build(source, out, Settings(pdf=True))
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    assert result.ok and result.curriculum is not None, [p.format() for p in result.problems]
    made = len({p.name for p in cache.glob("*.pdf")} - before)
    return result, wall, cpu, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", type=int, default=None, help="PDF worker processes")
    args = parser.parse_args()
    pdf.require_weasyprint()
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "curriculum", Path(tmp) / "site"
        shutil.copytree(ROOT / "curriculum", source)
        runs = {"cold": timed(source, out), "unchanged": timed(source, out)}
        path, old, new = EDIT
        text = (source / path).read_text("utf-8")
        assert old in text, f"{path} no longer holds {old!r}: pick another sentence to edit"
        (source / path).write_text(text.replace(old, new), "utf-8")
        runs["one handout edited"] = timed(source, out)
        result = runs["cold"][0]
        assert result.curriculum is not None
        pdfs = {f.path: f.content for f in result.files if f.path.startswith("pdf/")}
        assert len(pdfs) == len(pdf_jobs(result.curriculum))
        pages = {p: page_count(data) for p, data in pdfs.items()}

        print(f"iopcurr build --pdf, bundled curriculum ({len(result.curriculum.modules)} modules), "
              f"{len(pdfs)} PDFs, {sum(pages.values())} pages")
        print(f"  {'build':<20} {'wall s':>8} {'CPU s':>8} {'PDF stage s':>12} {'PDFs made':>10}")
        for name, (res, wall, cpu, made) in runs.items():
            print(f"  {name:<20} {wall:8.2f} {cpu:8.2f} {res.timings.get('pdf', 0.0):12.2f} {made:10d}")
        cold, same = runs["cold"][1], runs["unchanged"][1]
        print(f"unchanged / cold: {same / cold:.1%} (target at most 10%): {'met' if same <= 0.1 * cold else 'NOT met'}")
        print(f"after one edit: {runs['one handout edited'][3]} PDFs made (target 5: the handout's 3, packet, manual)")
        long = sorted(p for p, n in pages.items() if p.startswith("pdf/handouts/") and "/large/" not in p and n > 2)
        print(f"handouts on more than 2 pages of {result.curriculum.program.handouts.paper}: {len(long)}")
        if args.workers is not None:
            site = [f for f in result.files if not f.path.startswith("pdf/")]
            start, cpu = time.perf_counter(), cpu_seconds()
            pdf.render_pdfs(site, pdf_jobs(result.curriculum), workers=args.workers)
            wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
            print(f"PDF stage alone, no cache, {args.workers} worker(s): {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
