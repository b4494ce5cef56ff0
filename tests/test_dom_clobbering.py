"""Elements of a page whose ids name the search's globals (`lunr`, `IOPCURR_SEARCH`, and the
names lunr's loader looks at) do not break search on that page (DOM clobbering)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import build

CLOBBERS = {
    "index": '<div id="IOPCURR_SEARCH">x</div>',
    "library": '<div id="lunr">x</div>',
    "both, twice": '<p id="lunr">a</p><p id="lunr">b</p><p id="IOPCURR_SEARCH">c</p><p id="IOPCURR_SEARCH">d</p>',
    "lunr's loader": '<div id="exports">x</div><div id="module">y</div><div id="define">z</div>',
}


@pytest.fixture(scope="module")
def clobbered_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("clobber")
    src = root / "cur"
    (src / "modules").mkdir(parents=True)
    (src / "pages").mkdir()
    (src / "program.yml").write_text("title: T\n", "utf-8")
    for n, html in enumerate(CLOBBERS.values()):
        text = module_text(f"m{n}", f"Module {n}").replace(
            "Overview for the facilitator.", f"Overview about zebrafish.\n\n{html}\n")
        (src / "modules" / f"m{n}.md").write_text(text, "utf-8")
    result = build(src, root / "site")
    assert result.ok, [p.format() for p in result.problems]
    return root / "site"


def _search(page: Any, url: str, words: str) -> str:
    page.goto(url)
    page.fill("#search-input", words)
    status = page.locator("#search-status")
    status.filter(has_text="“").wait_for(timeout=15_000)
    return str(status.inner_text())


@pytest.mark.parametrize("what", list(CLOBBERS))
def test_search_works_on_a_page_whose_ids_name_its_globals(
    what: str, browser: Any, clobbered_site: Path, make_curriculum: MakeCurriculum
) -> None:
    n = list(CLOBBERS).index(what)
    html = (clobbered_site / "facilitator" / f"m{n}.html").read_text("utf-8")
    assert CLOBBERS[what].split(">")[0] in html  # the element is on the page
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    status = _search(page, (clobbered_site / "facilitator" / f"m{n}.html").as_uri(), "zebrafish")
    assert status.startswith("4 results for"), status
    assert page.locator(".search-results li").count() == 4
    assert page.locator(".search-results mark").first.inner_text().lower() == "zebrafish"
    assert errors == []
    page.close()
