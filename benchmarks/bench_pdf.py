"""How long `iopcurr build --pdf` takes on the bundled curriculum, and where the time goes.

    python benchmarks/bench_pdf.py [--workers N]

Builds curriculum/ with --pdf into a temporary folder (once: a PDF build is slow, and the
figure that matters is the one a user waits for), then prints the seconds of each stage and the
number of PDFs and pages. The build makes the PDFs in as many processes as there are CPUs (at
most 4); `--workers N` also times the PDF stage alone with N processes (1: the serial cost).

Target: the bundled curriculum's PDFs in under two minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", type=int, default=None, help="PDF worker processes")
    args = parser.parse_args()
    pdf.require_weasyprint()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = build(ROOT / "curriculum", Path(tmp) / "site", pdf=True)
        total = time.perf_counter() - start
        assert result.ok and result.curriculum is not None, [p.format() for p in result.problems]
        pdfs = {f.path: f.content for f in result.files if f.path.startswith("pdf/")}
        assert len(pdfs) == len(pdf_jobs(result.curriculum))
        pages = {path: page_count(data) for path, data in pdfs.items()}

    print(f"iopcurr build --pdf, bundled curriculum ({len(result.curriculum.modules)} modules)")
    for stage, seconds in result.timings.items():
        print(f"  {stage:<14} {seconds:7.2f} s")
    print(f"  {'total':<14} {total:7.2f} s")
    print(f"{len(pdfs)} PDFs, {sum(pages.values())} pages, {sum(map(len, pdfs.values())) / 1e6:.1f} MB")
    for path in ("pdf/manual.pdf", "pdf/packet.pdf"):
        print(f"  {path}: {pages[path]} pages")
    handouts = [p for p in pages if p.startswith("pdf/handouts/")]
    print(f"  {len(handouts)} handout PDFs: {sum(pages[p] for p in handouts)} pages")
    if args.workers is not None:
        site = [f for f in result.files if not f.path.startswith("pdf/")]
        start = time.perf_counter()
        pdf.render_pdfs(site, pdf_jobs(result.curriculum), workers=args.workers)
        print(f"PDF stage alone with {args.workers} worker(s): {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
