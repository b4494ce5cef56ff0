"""Print the version stamp of an English module's handouts; with --write, put it in the translation.

    python curriculum/translations/source_hash.py cravings            # print the stamp
    python curriculum/translations/source_hash.py --write cravings    # update modules/cravings.es.md

The stamp is iopcurr's own (`iopcurr.translations.source_stamp`): the first 12 hex characters of
the SHA-256 of the module's handouts as iopcurr reads them (each handout's id, title, worksheet
blocks and every line of its text). It goes in the `source:` field of a translation's front
matter; `iopcurr check` warns when the English handouts no longer match it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = HERE.parent / "modules"
sys.path.insert(0, str(HERE.parent.parent))

from iopcurr.translations import source_stamp  # noqa: E402


def stamp(module: str) -> str:
    path = MODULES / f"{module}.md"
    return source_stamp(path.read_text("utf-8"), str(path))


if __name__ == "__main__":
    write = "--write" in sys.argv
    for module in [a for a in sys.argv[1:] if a != "--write"]:
        value = stamp(module)
        if write:
            path = MODULES / f"{module}.es.md"
            path.write_text(re.sub(r"(?m)^source: .*$", f"source: {value}", path.read_text("utf-8"), count=1), "utf-8")
        print(f"{module}: {value}")
