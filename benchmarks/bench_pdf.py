"""How long `iopcurr build --pdf` takes on the bundled curriculum, and where the time goes.

    python benchmarks/bench_pdf.py [--workers N]

Builds curriculum/ with --pdf into a temporary folder (once: a PDF build is slow, and the
figure that matters is the one a user waits for), then prints the seconds of each stage and the
number of PDFs and pages. The build makes the PDFs in as many processes as there are CPUs (at
most 4); `--workers N` also times the PDF stage alone with N processes (1: the serial cost).

Wall-clock seconds depend on what else the machine runs; the CPU seconds (this process and
its workers) do much less, so both are printed.

Target: the bundled curriculum's PDFs in under two minutes on an otherwise idle 2-core
machine. Measured (Nov 2026, 2 shared cores at load 7): 188 s wall, 80 s CPU for 52 PDFs and
630 pages; the 379-page manual alone is about half the CPU and bounds the wall time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iopcurr import pdf  # noqa: E402
from iopcurr.books import pdf_jobs  # noqa: E402
from iopcurr.pipeline import build  # noqa: E402


def page_count(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the PDF workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", type=int, default=None, help="PDF worker processes")
    args = parser.parse_args()
    pdf.require_weasyprint()
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), cpu_seconds()
        result = build(ROOT / "curriculum", Path(tmp) / "site", pdf=True)
        total, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        assert result.ok and result.curriculum is not None, [p.format() for p in result.problems]
        pdfs = {f.path: f.content for f in result.files if f.path.startswith("pdf/")}
        assert len(pdfs) == len(pdf_jobs(result.curriculum))
        pages = {path: page_count(data) for path, data in pdfs.items()}

    print(f"iopcurr build --pdf, bundled curriculum ({len(result.curriculum.modules)} modules)")
    for stage, seconds in result.timings.items():
        print(f"  {stage:<14} {seconds:7.2f} s")
    print(f"  {'total':<14} {total:7.2f} s wall, {cpu:.2f} s CPU")
    print(f"{len(pdfs)} PDFs, {sum(pages.values())} pages, {sum(map(len, pdfs.values())) / 1e6:.1f} MB")
    for path in ("pdf/manual.pdf", "pdf/packet.pdf"):
        print(f"  {path}: {pages[path]} pages")
    handouts = [p for p in pages if p.startswith("pdf/handouts/")]
    print(f"  {len(handouts)} handout PDFs: {sum(pages[p] for p in handouts)} pages")
    if args.workers is not None:
        site = [f for f in result.files if not f.path.startswith("pdf/")]
        start, cpu = time.perf_counter(), cpu_seconds()
        pdf.render_pdfs(site, pdf_jobs(result.curriculum), workers=args.workers)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        print(f"PDF stage alone, {args.workers} worker(s): {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
