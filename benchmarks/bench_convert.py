"""What converting one module file costs, against Python-Markdown alone (issue #9).

    python benchmarks/bench_convert.py            # the bundled modules copied to 100
    python benchmarks/bench_convert.py --n 1000

A worker process of a cold build does `parse_source` + `codec.dumps` per file; the yardstick is
`markdown.Markdown(extensions=EXTENSIONS).convert(text)` of the same file. Prints the CPU ms per
module of each (best of 3, measured in turn in this one process, so that the load of a shared
machine falls on both alike) and their ratio. Target: a ratio of 1 or less.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import best_time, load  # noqa: E402
from scale import make_curriculum  # noqa: E402

from iopcurr.source import codec  # noqa: E402
from iopcurr.source.loader import SourceFile, read_sources  # noqa: E402
from iopcurr.source.markup import EXTENSIONS, Converter  # noqa: E402
from iopcurr.source.parsed import parse_source  # noqa: E402


def per_module_ms(files: list[SourceFile]) -> tuple[float, float]:
    """(yardstick, ours): CPU ms per module, best of 3 each."""
    yardstick = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    converter = Converter()

    def yard() -> None:
        for f in files:
            yardstick.reset()
            yardstick.convert(f.text)

    def ours() -> None:
        for f in files:
            codec.dumps(parse_source(f, converter))

    yard()  # warm both up: imports, compiled patterns, the first-use costs of each library
    ours()
    yard_s: list[float] = []
    ours_s: list[float] = []
    for _ in range(3):  # alternated, so that a burst of load elsewhere falls on both
        yard_s.append(best_time(yard, repeat=1))
        ours_s.append(best_time(ours, repeat=1))
    return min(yard_s) * 1000 / len(files), min(ours_s) * 1000 / len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100, help="modules (the bundled ones copied)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = make_curriculum(args.n, Path(tmp) / "cur")
        files = [f for f in read_sources(source).files if f.kind == "module"]
    yard, ours = per_module_ms(files)
    print(f"{len(files)} modules; {load()}")
    print(f"yardstick (Python-Markdown alone)  {yard:6.2f} ms CPU per module")
    print(f"parse_source + codec.dumps         {ours:6.2f} ms CPU per module")
    print(f"ratio                              {ours / yard:6.2f}")


if __name__ == "__main__":
    main()
