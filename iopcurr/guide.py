"""The authoring guide's generated tables, kept in its source so that it reads well anywhere.

`iopcurr/docs/authoring-guide.md` holds the table of `program.yml` settings, of problem codes and
of flagged terms between `<!-- NAME: generated ... -->` and `<!-- /NAME -->` markers. They are
made from the code (config.OPTIONS, errors.CODES, wording.TERMS); a test fails when they are out
of date, and this regenerates them in a checkout:

    python -m iopcurr.guide            # rewrite the tables in the guide's source
    python -m iopcurr.guide --check    # exit 1 if they are out of date
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from iopcurr.errors import codes_markdown_table
from iopcurr.plan.wording import terms_markdown_table
from iopcurr.source.config import options_markdown_table

GUIDE = Path(__file__).resolve().parent / "docs" / "authoring-guide.md"
COMMAND = "python -m iopcurr.guide"
TABLES: Mapping[str, Callable[[], str]] = MappingProxyType({
    "OPTIONS": options_markdown_table,
    "CODES": codes_markdown_table,
    "TERMS": terms_markdown_table,
    "TERMS_ES": lambda: terms_markdown_table("es"),
})


def refresh(text: str) -> str:
    """`text` with every generated table made anew. A missing marker is an error, not a no-op."""
    for name, table in TABLES.items():
        match = re.search(rf"(<!-- {name}: [^\n]*-->\n).*?(<!-- /{name} -->)", text, re.DOTALL)
        if match is None:
            raise ValueError(f"the guide has no `<!-- {name}: ... -->` ... `<!-- /{name} -->` markers")
        text = text[: match.start()] + f"{match.group(1)}\n{table()}\n\n{match.group(2)}" + text[match.end() :]
    return text


def main(argv: Sequence[str] | None = None) -> int:
    text = GUIDE.read_text("utf-8")
    fresh = refresh(text)
    if fresh == text:
        return 0
    if "--check" in (sys.argv[1:] if argv is None else argv):
        print(f"{GUIDE}: the generated tables are out of date; run: {COMMAND}", file=sys.stderr)
        return 1
    GUIDE.write_text(fresh, "utf-8")
    print(f"Updated the tables in {GUIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
