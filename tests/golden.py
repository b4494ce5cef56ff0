"""Golden outputs: the main content of every bundled facilitator page and handout, as built.

    python tests/golden.py          # after an intended change: build the bundled curriculum
                                    # and write tests/golden/ anew (then review `git diff`)

tests/test_golden.py compares each build with these files and prints a readable diff.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
KINDS = ("facilitator", "facilitator/es", "handouts")  # facilitator/<module>.html, facilitator/es/<module>.html, handouts/<id>.html
BOOKS = {"manual.html", "packet.html"}


def main_content(page: Path) -> str:
    """The page's `<main>` element, one line per line of HTML, ending with a newline."""
    m = re.search(r"<main\b.*?</main>", page.read_text("utf-8"), re.S)
    return (m.group(0) if m else "") + "\n"


def pages(site: Path) -> dict[str, Path]:
    """golden name → built page, for every facilitator page and handout of a site."""
    return {f"{kind}/{p.name}": p for kind in KINDS for p in sorted((site / kind).glob("*.html"))
            if p.name not in BOOKS}


def update(site: Path) -> int:
    for old in GOLDEN.rglob("*.html"):
        old.unlink()
    found = pages(site)
    for name, page in found.items():
        target = GOLDEN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(main_content(page), "utf-8")
    return len(found)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    from iopcurr.pipeline import build

    with tempfile.TemporaryDirectory() as tmp:
        result = build(HERE.parent / "curriculum", Path(tmp) / "site")
        if not result.ok:
            sys.exit("\n".join(p.format() for p in result.problems))
        print(f"wrote {update(Path(tmp) / 'site')} golden files to {GOLDEN}")
