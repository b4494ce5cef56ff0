"""Print the version stamps of an English module's handouts and facilitator parts; with --write,
put them in the translation (the facilitator one only where it has a `guide_source:` line).

    python curriculum/translations/source_hash.py cravings            # print the stamp
    python curriculum/translations/source_hash.py --write cravings    # update modules/cravings.es.md

The stamp is iopcurr's own (`iopcurr.source.translations.source_stamp`): the first 12 hex characters of
the SHA-256 of the module's handouts as iopcurr reads them (each handout's id, title, worksheet
blocks and every line of its text). It goes in the `source:` field of a translation's front
matter; `iopcurr check` warns when the English handouts no longer match it. The second stamp
(`guide_stamp`, of the overview and the `##` segments) goes in `guide_source:` of a translation
that has the facilitator parts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = HERE.parent / "modules"
sys.path.insert(0, str(HERE.parent.parent))

from iopcurr.source.translations import guide_stamp, source_stamp  # noqa: E402


def stamp(module: str) -> str:
    path = MODULES / f"{module}.md"
    return source_stamp(path.read_text("utf-8"), str(path))


def guide(module: str) -> str:
    path = MODULES / f"{module}.md"
    return guide_stamp(path.read_text("utf-8"), str(path))


if __name__ == "__main__":
    write = "--write" in sys.argv
    for module in [a for a in sys.argv[1:] if a != "--write"]:
        value, facilitator = stamp(module), guide(module)
        if write:
            path = MODULES / f"{module}.es.md"
            text = re.sub(r"(?m)^source: .*$", f"source: {value}", path.read_text("utf-8"), count=1)
            path.write_text(re.sub(r"(?m)^guide_source: \S+", f"guide_source: {facilitator}", text, count=1), "utf-8")
        print(f"{module}: {value} (facilitator parts: {facilitator})")
