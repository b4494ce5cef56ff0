"""The bundled site's facilitator pages and handouts match their golden outputs (tests/golden/).

After an intended change, run `python tests/golden.py` and review the diff of tests/golden/.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from golden import GOLDEN, main_content, pages


def test_every_page_has_a_golden_file_and_no_golden_file_is_left_over(bundled_site: Path) -> None:
    built = set(pages(bundled_site))
    golden = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.html")}
    assert built == golden, "run `python tests/golden.py` after adding or removing a module or handout"


def test_main_content_matches_the_golden_output(bundled_site: Path) -> None:
    diffs = []
    for name, page in pages(bundled_site).items():
        want = GOLDEN / name
        expected = want.read_text("utf-8") if want.is_file() else ""
        actual = main_content(page)
        if actual != expected:
            diffs += difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                          f"golden/{name}", f"built/{name}", n=2)
    assert not diffs, "the built pages differ from tests/golden/ (after an intended change, run " \
                      "`python tests/golden.py`):\n" + "".join(diffs[:400])
