"""A cold `iopcurr build` against MkDocs 1.6.1 and Python-Markdown alone, on the same Markdown.

    python -m venv /tmp/mkvenv && /tmp/mkvenv/bin/pip install mkdocs==1.6.1
    python benchmarks/bench_vs_mkdocs.py --mkdocs /tmp/mkvenv/bin/mkdocs            # 100 modules
    python benchmarks/bench_vs_mkdocs.py --mkdocs /tmp/mkvenv/bin/mkdocs --sizes 100 1000
    git worktree add --detach /tmp/before <commit>      # then, to compare with an earlier iopcurr:
    python benchmarks/bench_vs_mkdocs.py --mkdocs /tmp/mkvenv/bin/mkdocs --before /tmp/before

For each size: the bundled modules copied to that many (benchmarks/scale.py); the same files (front
matter and all) as the docs of a MkDocs project with the same Markdown extensions; both built cold
(no site, no parse cache, no compiled templates: a computer's first build) five times, interleaved,
and the median wall time printed with the ratio MkDocs / iopcurr (above 1: iopcurr is faster). With
`--before CHECKOUT`, that checkout's iopcurr is built in the same rounds too, so that before and
after are measured side by side. Also the CPU time Python-Markdown alone takes to convert the same
files with the same extensions in one process, the yardstick of issue 17.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import markdown

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import REPO, load, run
from scale import make_curriculum

from iopcurr.source.markup import EXTENSIONS

MKDOCS_YML = """site_name: Benchmark
use_directory_urls: false
markdown_extensions: [tables, fenced_code, sane_lists, smarty, def_list, abbr]
"""


def mkdocs_project(cur: Path, target: Path) -> Path:
    docs = target / "docs"
    docs.mkdir(parents=True)
    for md in sorted((cur / "modules").glob("*.md")):
        shutil.copy(md, docs / md.name)
    (docs / "index.md").write_text("# Benchmark\n", "utf-8")
    (target / "mkdocs.yml").write_text(MKDOCS_YML, "utf-8")
    return target


def markdown_alone(cur: Path) -> float:
    """CPU seconds of Python-Markdown converting every module once, in this process."""
    texts = [p.read_text("utf-8") for p in sorted((cur / "modules").glob("*.md"))]
    md = markdown.Markdown(extensions=[*EXTENSIONS, "smarty"])
    start = time.process_time()
    for text in texts:
        md.reset()
        md.convert(text)
    return time.process_time() - start


def measure(size: int, mkdocs: str, repeat: int, work: Path, before: Path | None) -> None:
    cur = make_curriculum(size, work / f"cur{size}")
    project = mkdocs_project(cur, work / f"mk{size}")
    checkouts = {"iopcurr": REPO, **({"before": before} if before else {})}
    times: dict[str, list[float]] = {name: [] for name in [*checkouts, "MkDocs"]}
    for n in range(repeat):
        for name, checkout in checkouts.items():
            out = work / "site"
            shutil.rmtree(out, ignore_errors=True)
            fresh = work / f"xdg-{name}-{size}-{n}"  # no templates compiled by an earlier build either
            r = run([sys.executable, "-m", "iopcurr", "build", str(cur), "--out", str(out)],
                    cwd=work, env={"PYTHONPATH": str(checkout), "XDG_CACHE_HOME": str(fresh)})  # (not in a checkout: `-m` looks there first)
            assert r.returncode == 0, r.output
            times[name].append(r.seconds)
        shutil.rmtree(project / "site", ignore_errors=True)
        m = run([mkdocs, "build", "-q"], cwd=project)
        assert m.returncode == 0, m.output
        times["MkDocs"].append(m.seconds)
    median = {name: statistics.median(t) for name, t in times.items()}
    alone = markdown_alone(cur)
    for name in checkouts:
        print(f"{size:>5} modules: {name} {median[name]:6.2f} s   MkDocs {median['MkDocs']:6.2f} s   "
              f"MkDocs/{name} {median['MkDocs'] / median[name]:4.2f}x   Python-Markdown alone {alone:6.2f} s CPU "
              f"({name}/alone {median[name] / alone:4.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mkdocs", required=True, help="the mkdocs command (MkDocs 1.6.1)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout of iopcurr to build in the same rounds")
    args = parser.parse_args()
    print(load())
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            measure(size, args.mkdocs, args.repeat, Path(tmp), args.before)
    print(load())


if __name__ == "__main__":
    main()
