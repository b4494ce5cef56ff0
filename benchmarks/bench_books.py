"""The collections at scale (issue #9): the client packet and the facilitator manual.

    python benchmarks/bench_books.py                  # N = 100, 1000, 2000
    python benchmarks/bench_books.py --sizes 1000

For each N it makes a curriculum of N modules (`scale.make_curriculum`), reads it through a
conversion cache kept in a temporary folder, renders the site's pages as a build does (keeping
each page's main content) and then measures, in this one process:

- `render_books` as `iopcurr build` runs it, with the main content the pages kept: CPU seconds,
  best of three (the machine is shared: CPU time is steadier than wall time);
- the memory `render_books` takes above what the pages already hold (tracemalloc's peak);
- the sizes of the two files.

Target: at N = 1,000, at most 1.5 s of CPU, growing linearly with N.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import best_time
from scale import make_curriculum

from iopcurr.model import OutputFile
from iopcurr.output.cache import ParseCache
from iopcurr.pipeline import assemble, source_files, theme_for
from iopcurr.plan.schedule import build_schedule
from iopcurr.render.pages import render_site, site_context
from iopcurr.render.render_books import render_books
from iopcurr.source.convert import parse_all
from iopcurr.source.loader import read_sources


def measure(n: int, work: Path) -> None:
    source = make_curriculum(n, work / f"cur-{n}")
    cache = ParseCache(work / f"cache-{n}")
    sources = read_sources(source)
    parsed, _ = parse_all(source_files(sources), cache=cache)
    cur, plans, problems = assemble(source, sources, parsed)
    schedule, _ = build_schedule(cur.program, cur.modules)
    theme, _ = theme_for(source, cur)
    assert theme is not None, [p.format() for p in problems]
    start = time.process_time()
    site_files, mains = render_site(site_context(cur, plans, theme, schedule))
    site = time.process_time() - start

    def books() -> list[OutputFile]:
        return list(render_books(site_context(cur, plans, theme, schedule), mains))

    built = best_time(books)
    tracemalloc.start()
    files = books()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    sizes = ", ".join(f"{f.path} {len(f.content) / 1e6:.1f} MB" for f in files)
    print(f"N = {n}: render_books {built:.2f} s CPU ({built / n * 1000:.2f} ms per module), "
          f"{peak / 1e6:.0f} MB above the pages | the site's {len(site_files)} pages {site:.2f} s | {sizes}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 2000])
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            measure(n, Path(tmp))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
