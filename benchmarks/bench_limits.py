"""How long `iopcurr check` takes on hostile input: bounded, never a hang.

    python benchmarks/bench_limits.py [CASE ...]

Each case is a curriculum with the bundled program and one bad module next to a good one; the
script runs the whole pipeline (`pipeline.run`, as `iopcurr check` does) and prints the seconds
and the problem codes it got. Cases: big-text (a 500 kB module of ordinary text, the size limit's
worst honest case), over-limit (a file past the size limit, never read), wording (500 kB of a
flagged word: 80,000 problems), brackets (20,000 `[`, which Python-Markdown takes minutes over:
cut off by the time limit), deep-lists, deep-quotes, deep-blocks, many-segments (5,000 segments
of one title), yaml-bomb (a billion-laughs alias bomb in the front matter).

Target: every case within the per-file time limit (safety.CONVERT_SECONDS, 20 s) plus a few
seconds, on an otherwise idle 2-core machine. Measured (Nov 2026, 2 cores shared with other
builds, load average 6), seconds: big-text 8.7, over-limit 0.1, wording 2.8, brackets 20.6 (the
time limit), deep-lists 0.5, deep-quotes 2.0, deep-blocks 0.8, many-segments 10.8
(Python-Markdown's inline pass is quadratic in the number of top-level elements), yaml-bomb 0.3.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iopcurr.pipeline import run  # noqa: E402
from iopcurr.source.loader import MAX_FILE_BYTES, body_of  # noqa: E402

HEAD = "---\ntitle: Hostile\nobjectives: [One., Two.]\n---\n\n## Check-in\n\nText.\n\n## Topic\n\n"


def big_text() -> str:
    texts = [body_of(p.read_text("utf-8"))[0] for p in sorted((ROOT / "curriculum" / "modules").glob("*.md"))]
    body = "\n\n".join(texts).replace("\n## ", "\n### ")
    while len(body.encode()) < MAX_FILE_BYTES - 20_000:
        body += "\n\n" + body
    return HEAD + body.encode()[: MAX_FILE_BYTES - 1000].decode("utf-8", "ignore")


CASES: dict[str, Callable[[], str]] = {
    "big-text": big_text,
    "over-limit": lambda: HEAD + "x" * MAX_FILE_BYTES,
    "wording": lambda: HEAD + ("clean " * 10 + "\n") * 8_000,
    "brackets": lambda: HEAD + "[" * 20_000 + "\n",
    "deep-lists": lambda: HEAD + "".join("  " * i + "- level\n" for i in range(400)),
    "deep-quotes": lambda: HEAD + "".join(">" * i + " quoted\n" for i in range(1, 600)),
    "deep-blocks": lambda: HEAD + "::: facilitator\n" * 5_000 + "text\n" + ":::\n" * 5_000,
    "many-segments": lambda: HEAD + "## Same {minutes=1}\n\nText.\n\n" * 5_000,
    "yaml-bomb": lambda: "---\n" + "\n".join(
        ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
        + ["title: *a9", "objectives: *a9"]
    ) + "\n---\n\n## One\n\nText.\n",
}


def main(names: list[str]) -> None:
    program = (ROOT / "curriculum" / "program.yml").read_text("utf-8")
    good = (ROOT / "curriculum" / "modules" / "triggers.md").read_text("utf-8")
    for name in names or list(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "cur"
            (src / "modules").mkdir(parents=True)
            (src / "program.yml").write_text(program + "\n", "utf-8")
            (src / "modules" / "triggers.md").write_text(good, "utf-8")
            (src / "modules" / "hostile.md").write_text(CASES[name](), "utf-8")
            started = time.perf_counter()
            result = run(src)
            seconds = time.perf_counter() - started
        codes = Counter(p.code for p in result.problems if "hostile" in p.path)
        shown = ", ".join(f"{code}×{n}" for code, n in sorted(codes.items()))
        print(f"{name:14} {seconds:6.1f} s   {shown}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
