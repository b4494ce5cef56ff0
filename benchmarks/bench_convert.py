"""What converting one module file costs, against Python-Markdown alone (issue #9).

    python benchmarks/bench_convert.py            # the bundled modules copied to 100
    python benchmarks/bench_convert.py --n 1000

A worker process of a cold build does `parse_source` + `codec.dumps` per file; the yardstick is
`markdown.Markdown(extensions=EXTENSIONS).convert(text)` of the same file. Prints the CPU ms per
module of each (best of 3, measured in turn in this one process, so that the load of a shared
machine falls on both alike) and their ratio. Target: a ratio of 1 or less.

Then where our CPU per module goes, step by step (each step timed where `parse_source` calls it;
what is left is the splitting into pieces, the blocks' HTML and the values made of the results).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import best_time, load  # noqa: E402
from scale import make_curriculum  # noqa: E402

from iopcurr.source import codec, loader, markup, parsed  # noqa: E402
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


STEPS = {  # (module, name): what the step is
    (markup, "outline"): "blocks: the outline of the body",
    (markup, "sanitize"): "nh3: sanitizing the HTML",
    (markup, "segment_points"): "the run sheet's points",
    (loader, "load_yaml"): "front matter (YAML)",
    (parsed, "module_documents"): "search documents",
    (parsed, "check_wording"): "wording check",
}


def steps_ms(files: list[SourceFile]) -> dict[str, float]:
    """CPU ms per module of each step of `parse_source`, Python-Markdown's own `convert` calls
    among them (the steps are wrapped where parse_source's modules call them)."""
    spent: dict[str, float] = {}

    def timed(fn: Callable[..., object], label: str) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - start
        return call

    originals = {(mod, name): getattr(mod, name) for mod, name in STEPS}
    converter = Converter()
    md_convert = converter.md.convert
    try:
        for (mod, name), label in STEPS.items():
            setattr(mod, name, timed(originals[mod, name], label))
        converter.md.convert = timed(md_convert, "Python-Markdown (every piece)")  # type: ignore[method-assign,assignment]
        for f in files:  # warm up, then measure once
            parse_source(f, converter)
        spent.clear()
        start = time.process_time()
        for f in files:
            parse_source(f, converter)
        total = time.process_time() - start
    finally:
        for (mod, name), fn in originals.items():
            setattr(mod, name, fn)
    rows = {label: ms * 1000 / len(files) for label, ms in sorted(spent.items(), key=lambda kv: -kv[1])}
    return {**rows, "the rest": total * 1000 / len(files) - sum(rows.values()), "parse_source": total * 1000 / len(files)}


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
    print("where parse_source's CPU goes, ms per module:")
    for label, ms in steps_ms(files).items():
        print(f"  {label:33s}{ms:6.2f}")


if __name__ == "__main__":
    main()
