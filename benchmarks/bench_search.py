"""What offline search costs: building the lunr index at build time, and the size of the script
the browser loads on first use, for the bundled curriculum and for one four times its size.

    python benchmarks/bench_search.py

Prints CPU seconds (best of 3; the machine is shared, so CPU time is steadier than wall time) of
the search stage beside the whole in-memory build. Target: the index grows linearly with the
text (4x the modules cost about 4x), and the stage stays under half of the rest of the build.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import best_time  # noqa: E402

from iopcurr.pipeline import run  # noqa: E402
from iopcurr.render.search import _analyzer, index_script, search_documents  # noqa: E402


def measure(source: Path, label: str) -> None:
    whole = best_time(lambda: run(source), repeat=1)
    result = run(source)
    assert result.ok and result.curriculum is not None, [p.format() for p in result.problems]
    docs = search_documents(result.curriculum)
    seconds = best_time(lambda: index_script(docs))
    size = len(index_script(docs).encode("utf-8"))
    text = sum(len(d.text.encode("utf-8")) for d in docs)
    print(f"{label}: {len(docs)} documents, {text / 1024:.0f} KiB of text | index {seconds:.2f} s CPU, "
          f"search-index.js {size / 1024:.0f} KiB | whole build in memory {whole:.2f} s CPU")


def main() -> None:
    _analyzer()  # lunr imported once, outside the measurements
    measure(ROOT / "curriculum", "bundled (24 modules)")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "cur"
        shutil.copytree(ROOT / "curriculum", big)
        # Four copies of every module, with fresh ids (handout ids too), outside the tracks.
        for path in sorted((ROOT / "curriculum" / "modules").glob("*.md")):
            text = path.read_text("utf-8")
            for n in (2, 3, 4):
                copy = text.replace("{#", f"{{#c{n}-").replace("handouts: [", f"handouts: [c{n}-")
                (big / "modules" / f"c{n}-{path.name}").write_text(copy, "utf-8")
        measure(big, "4x the modules (96)")


if __name__ == "__main__":
    main()
