"""Build speed, cache and memory at scale (issue #9).

    python benchmarks/bench_build.py                 # N = 100, 1000, 2000 (about 10 minutes)
    python benchmarks/bench_build.py --sizes 1000    # just one size

For each N it copies the bundled modules under new names into a curriculum of N modules and
measures, in one run:

- the yardstick: Python-Markdown alone (the same extensions) converting the same module files
  one after another in one process;
- a cold `iopcurr build` (no cache), as a fresh process: wall time and peak memory of the
  process and its workers;
- a no-change `iopcurr build` (everything from the cache);
- an `iopcurr build` after editing one module;
- the rebuild that `iopcurr serve` runs after a module is saved (the same build, in memory, in
  this process): its time, wall and CPU.

It prints every figure, its ratio to the yardstick and whether the targets of issue #9 are met.
Timings on a shared machine vary: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import markdown

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Run, iopcurr, load
from scale import make_curriculum

from iopcurr.output.write import CACHE_DIR
from iopcurr.preview.serve import Preview
from iopcurr.source.markup import EXTENSIONS

EDIT_MARK = "\n## "


@dataclass(frozen=True)
class Figures:
    n: int
    yardstick: float
    yardstick_cpu: float
    cold: Run
    nochange: Run
    onemodule: Run
    preview: float  # seconds, median of three edits
    preview_cpu: float  # CPU seconds of that edit
    identical: bool


def yardstick(modules: list[Path]) -> tuple[float, float]:
    """Python-Markdown alone converting the module files in one process: (wall, CPU) seconds."""
    texts = [p.read_text("utf-8") for p in modules]
    md = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        md.reset()
        md.convert(text)
    return time.perf_counter() - started, time.process_time() - cpu


def edit(path: Path, k: int) -> str:
    """Add a sentence before the module's second segment; returns the old text."""
    text = path.read_text("utf-8")
    first = text.index(EDIT_MARK)
    second = text.index(EDIT_MARK, first + 1)
    path.write_text(text[:second] + f"\n\nA sentence added by the benchmark ({k}).\n" + text[second:], "utf-8")
    return text


def site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and CACHE_DIR not in p.parts}


def measure(n: int, work: Path) -> Figures:
    cur = make_curriculum(n, work / f"cur{n}")
    out = work / f"site{n}"
    modules = sorted((cur / "modules").glob("*.md"))
    print(f"\nN = {n}: {len(modules)} modules in {cur}; {load()}", flush=True)
    ys, ys_cpu = yardstick(modules)
    print(f"  yardstick (Python-Markdown alone) {ys:8.2f} s  (CPU {ys_cpu:.2f} s)", flush=True)
    cold = iopcurr("build", str(cur), "--out", str(out))
    print(f"  cold build                        {cold.seconds:8.2f} s  {cold.peak_pss_mb:6.0f} MB  "
          f"(RSS {cold.peak_mb:.0f} MB; CPU {cold.cpu:.2f} s in all processes)", flush=True)
    first = site_files(out)
    nochange = iopcurr("build", str(cur), "--out", str(out))
    identical = site_files(out) == first
    print(f"  no-change rebuild                 {nochange.seconds:8.2f} s  {nochange.peak_pss_mb:6.0f} MB"
          f"  (output {'byte-identical' if identical else 'DIFFERENT'})", flush=True)
    target = modules[len(modules) // 2]
    original = edit(target, 0)
    try:
        onemodule = iopcurr("build", str(cur), "--out", str(out))
        print(f"  one-module rebuild (iopcurr build){onemodule.seconds:8.2f} s", flush=True)
        site = work / f"preview{n}"
        site.mkdir()
        preview = Preview(cur, site, say=lambda text: None)
        preview.rebuild("start")
        runs = []
        for k in (1, 2, 3):
            edit(target, k)
            started, cpu = time.perf_counter(), time.process_time()
            preview.rebuild(target.name)
            runs.append((time.perf_counter() - started, time.process_time() - cpu))
            assert preview.status.ok and preview.status.last["converted"] == 1, preview.status.lines()[:3]
        seconds, cpu = sorted(runs)[1]  # the median of three edits
        print(f"  one-module rebuild (iopcurr serve) {seconds * 1000:7.1f} ms (CPU {cpu * 1000:.1f} ms)", flush=True)
    finally:
        target.write_text(original, "utf-8")
    return Figures(n, ys, ys_cpu, cold, nochange, onemodule, seconds, cpu, identical)


def report(figures: list[Figures]) -> bool:
    print("\nResults (ratios are to the yardstick of the same N)")
    print(f"{'N':>6} {'yardstick':>10} {'cold':>8} {'ratio':>6} {'no-change':>10} {'ratio':>6} "
          f"{'one-module':>11} {'ratio':>6} {'preview':>10} {'peak MB':>8}")
    for f in figures:
        print(f"{f.n:>6} {f.yardstick:>9.2f}s {f.cold.seconds:>7.2f}s {f.cold.seconds / f.yardstick:>6.2f} "
              f"{f.nochange.seconds:>9.2f}s {f.nochange.seconds / f.yardstick:>6.3f} "
              f"{f.onemodule.seconds:>10.2f}s {f.onemodule.seconds / f.yardstick:>6.3f} "
              f"{f.preview * 1000:>8.1f}ms {max(f.cold.peak_pss_mb, f.nochange.peak_pss_mb):>8.0f}")
    by_n = {f.n: f for f in figures}
    checks: list[tuple[str, bool]] = []
    if 1000 in by_n:
        f = by_n[1000]
        checks += [
            (f"cold build {f.cold.seconds:.2f} s <= 1.0 x yardstick {f.yardstick:.2f} s", f.cold.seconds <= f.yardstick),
            (f"peak memory {max(f.cold.peak_pss_mb, f.nochange.peak_pss_mb):.0f} MB (PSS; RSS summed: "
             f"{max(f.cold.peak_mb, f.nochange.peak_mb):.0f} MB) <= 400 MB",
             max(f.cold.peak_pss_mb, f.nochange.peak_pss_mb) <= 400),
        ]
    if 1000 in by_n and 2000 in by_n:
        ratio = by_n[2000].cold.seconds / by_n[1000].cold.seconds
        base = by_n[2000].yardstick / by_n[1000].yardstick
        checks.append((f"cold build N=2000 / N=1000 = {ratio:.2f} <= 2.1 (yardstick's own ratio {base:.2f})", ratio <= 2.1))
    checks += [(f"N={f.n}: a cached build is byte-identical to the cold one", f.identical) for f in figures]
    print("\nTargets (issue #9)")
    for text, ok in checks:
        print(f"  [{'met' if ok else 'NOT MET'}] {text}")
    print(f"\n{load()}")
    for f in figures:
        share = (f.cold.cpu / f.cold.seconds) if f.cold.seconds else 0
        print(f"N={f.n}: the cold build used {share:.2f} cores on average (CPU {f.cold.cpu:.1f} s, "
              f"{f.cold.cpu / f.yardstick_cpu:.2f} x the yardstick's CPU {f.yardstick_cpu:.1f} s); "
              "on a busy machine the wall-clock ratios say more about the other load than about iopcurr.")
    return all(ok for _, ok in checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,2000", help="comma-separated numbers of modules")
    parser.add_argument("--work", type=Path, help="folder for the curricula and sites (default: a temporary one)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="iopcurr-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        figures = [measure(n, work) for n in sizes]
        ok = report(figures)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
