"""Print the version stamp of an English module's handouts; with --write, put it in the translation.

    python curriculum/translations/source_hash.py cravings            # print the stamp
    python curriculum/translations/source_hash.py --write cravings    # update es/cravings.es.md

The stamp is the first 12 hex characters of the SHA-256 of the module's handouts as iopcurr reads
them (iopcurr.blocks: each handout's id, title, worksheet blocks and every line of its text). It
goes in the `source:` field of a translation's front matter, so a check can tell when the
English handouts changed after the translation was made.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from iopcurr.blocks import Block, Text, blocks_in, outline  # noqa: E402
from iopcurr.loader import body_of  # noqa: E402


def _lines(block: Block) -> list[str]:
    out = [f"::: {block.kind} {dict(block.attrs)}"]
    for child in block.children:
        out += [line.rstrip() for line in child.lines] if isinstance(child, Text) else _lines(child)
    return out


def stamp(module: str) -> str:
    body, first = body_of((HERE.parent / "modules" / f"{module}.md").read_text("utf-8"))
    shape = outline(body, module, first)
    handouts = [b for b in blocks_in(shape.overview) + [b for s in shape.sections for b in blocks_in(s.children)]
                if b.kind == "handout"]
    return hashlib.sha256("\n".join(line for b in handouts for line in _lines(b)).encode()).hexdigest()[:12]


if __name__ == "__main__":
    write = "--write" in sys.argv
    for module in [a for a in sys.argv[1:] if a != "--write"]:
        value = stamp(module)
        if write:
            path = HERE / "es" / f"{module}.es.md"
            path.write_text(re.sub(r"(?m)^source: .*$", f"source: {value}", path.read_text("utf-8"), count=1), "utf-8")
        print(f"{module}: {value}")
