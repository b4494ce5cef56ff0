"""Printing without PDFs: print stylesheet, large print, the client packet and the facilitator
manual as HTML, and the pieces that bind pages into one document."""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import PROGRAM, MakeCurriculum, module_text, need_tool

from iopcurr.pipeline import build
from iopcurr.render.htmlfrag import Document, bind_tags, resolve, scan, unique_ids

PAGE = """\
---
title: Running a Session
summary: How a session goes.
order: 1
---

## Before the group

Read the [plan](../facilitator/alpha.html#alpha-check-in-current-concerns) and the
[Sheet for Beta](../handouts/beta-sheet.html).

### Room set-up

Chairs in a circle. See <https://example.org/guide>.
"""


class _Doc(HTMLParser):
    """Ids, links, headings and stylesheet links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.headings: list[int] = []
        self.sheets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "link" and a.get("rel") == "stylesheet":
            self.sheets.append((str(a.get("href")), str(a.get("media") or "all")))


def parse(path: Path) -> _Doc:
    doc = _Doc()
    doc.feed(path.read_text("utf-8"))
    return doc


@pytest.fixture
def site(make_curriculum: MakeCurriculum, tmp_path: Path) -> Path:
    """Three modules (alpha uses beta's handout too), one page, A4 paper."""
    alpha = module_text("alpha").replace(
        "materials: [Pens]", "materials: [Pens]\nhandouts: [beta-sheet]"
    )
    src = make_curriculum(
        modules={"alpha": alpha, "beta": module_text("beta"), "gamma": module_text("gamma")},
        pages={"running": PAGE},
        program=PROGRAM + "handouts:\n  paper: a4\n",
    )
    out = tmp_path / "site"
    result = build(src, out)
    assert result.ok, [p.format() for p in result.problems]
    return out


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text("utf-8")))


# ---------------------------------------------------------------- binding pages together


def bound(html: str, by: int = 0, title_class: str = "", ids: dict[str, dict[str, str]] | None = None,
          anchors: dict[str, str] | None = None) -> str:
    """`html` of facilitator/m.html bound into the manual."""
    doc = Document("facilitator/manual.html", ids or {}, anchors or {})
    return bind_tags(html, scan(html), by, title_class, "facilitator/m.html", doc)


def test_binding_moves_headings_down_and_stops_at_h6() -> None:
    html = '<h1 id="t">T</h1><h2>A</h2><h5>E</h5><p>h1 in text</p>'
    assert bound(html, 2) == '<h3 id="t">T</h3><h4>A</h4><h6>E</h6><p>h1 in text</p>'


def test_binding_marks_the_former_title() -> None:
    assert (
        bound('<h1 class="x">T</h1><h2>A</h2>', 1, "book-title")
        == '<h2 class="x book-title">T</h2><h3>A</h3>'
    )


def test_unique_ids_prefix_and_never_repeat() -> None:
    taken = {"module-a-x"}
    mapping = unique_ids(["x", "a-y", "x"], "module-a", "a", taken)
    assert mapping == {"x": "module-a-x-2", "a-y": "module-a-y"}
    assert {"module-a-x-2", "module-a-y"} <= taken


def test_resolve_relative_links_against_the_page() -> None:
    assert resolve("pages/p.html", "../facilitator/m.html#s") == ("facilitator/m.html", "s")
    assert resolve("facilitator/m.html", "#s") == ("facilitator/m.html", "s")
    assert resolve("index.html", "https://example.org/") is None
    assert resolve("index.html", "../outside.html") is None


def test_binding_points_links_inside_the_document_and_rebases_the_rest() -> None:
    html = (
        '<h2 id="s">S</h2><a href="#s">here</a> <a href="../handouts/h.html">h</a> '
        '<a href="../pages/other.html#x">o</a> <img src="../assets/i.png" alt="i"> '
        '<section aria-labelledby="s"></section>'
    )
    ids = {"facilitator/m.html": {"s": "module-m-s"}, "handouts/h.html": {}}
    anchors = {"facilitator/m.html": "module-m", "handouts/h.html": "handout-h"}
    out = bound(html, ids=ids, anchors=anchors)
    assert '<h2 id="module-m-s">' in out
    assert '<a href="#module-m-s">here</a>' in out
    assert '<a href="#handout-h">h</a>' in out
    assert '<a href="../pages/other.html#x">o</a>' in out
    assert 'src="../assets/i.png"' in out
    assert 'aria-labelledby="module-m-s"' in out


# ---------------------------------------------------------------- print stylesheet and paper


def test_every_page_links_the_print_stylesheet_for_print_only(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 8
    for page in pages:
        sheets = parse(page).sheets
        assert any(
            href.endswith("static/print.css") and media == "print" for href, media in sheets
        ), page
        for href, _media in sheets:
            assert (page.parent / href).resolve().is_file(), (page, href)


def test_paper_size_and_running_texts_come_from_program_yml(site: Path) -> None:
    css = (site / "static" / "theme.css").read_text("utf-8")
    assert "size: A4;" in css
    assert '@top-left { content: "Test Program"; }' in css
    # The default crisis contacts, at the foot of every handout page (regular and large print).
    for page in ("handout", "handout-large"):
        rule = re.search(r"@page " + page + r" \{ @bottom-left \{ content: \"([^\"]*)\"", css)
        # (a phone number's hyphens are non-breaking ones, U+2011: it is never cut in two)
        assert rule and "988" in rule.group(1) and "1\u2011800\u2011662\u20114357" in rule.group(1)


def test_program_text_is_escaped_in_css(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    src = make_curriculum(program="title: 'Say \"hi\" \\ then }'\nlanguage: en\n")
    build(src, tmp_path / "site")
    css = (tmp_path / "site" / "static" / "theme.css").read_text("utf-8")
    assert 'content: "Say \\22 hi\\22  \\5c  then }";' in css


def test_print_css_hides_navigation_and_keeps_worksheets_whole() -> None:
    css = (Path(__file__).parent.parent / "themes" / "default" / "static" / "print.css").read_text(
        "utf-8"
    )
    hidden = re.search(r"([^{}]*)\{\s*display: none !important;", css)
    assert hidden and all(
        c in hidden.group(1) for c in (".sidebar", ".site-header", ".no-print", ".button")
    )
    avoid = re.search(r"([^{}]*)\{\s*break-inside: avoid;", css)
    assert avoid and all(c in avoid.group(1) for c in (".ws,", " tr,", ".crisis"))
    assert re.search(r"h1, h2, h3, h4, h5, h6 \{ break-after: avoid;", css)
    assert re.search(r"\.ws-line \{ height: 0\.375in;", css)  # 3/8 inch: room for handwriting


# ---------------------------------------------------------------- large print


def test_large_print_variant_of_every_handout(site: Path) -> None:
    for hid in ("alpha-sheet", "beta-sheet", "gamma-sheet"):
        large = site / "handouts" / "large" / f"{hid}.html"
        html = large.read_text("utf-8")
        assert 'class="handout handout-large"' in html
        assert "Write one step." in html and "Need help right now?" in html
        assert "SECRET" not in html
        for href in parse(large).hrefs:
            if not href.startswith(("#", "http", "tel:", "sms:")):
                assert (large.parent / href.split("#")[0]).resolve().is_file(), href


def links_from(page: Path) -> set[Path]:
    return {
        (page.parent / h.split("#")[0]).resolve()
        for h in parse(page).hrefs
        if not h.startswith(("#", "http", "tel:", "sms:"))
    }


def test_large_print_is_linked_from_the_handout_and_the_facilitator_page(site: Path) -> None:
    large = site.resolve() / "handouts" / "large"
    assert large / "beta-sheet.html" in links_from(site / "handouts" / "beta-sheet.html")
    assert site.resolve() / "handouts" / "beta-sheet.html" in links_from(large / "beta-sheet.html")
    assert {large / "alpha-sheet.html", large / "beta-sheet.html"} <= links_from(
        site / "facilitator" / "alpha.html"
    )


def test_no_large_print_when_program_turns_it_off(
    make_curriculum: MakeCurriculum, tmp_path: Path
) -> None:
    src = make_curriculum(program=PROGRAM + "handouts:\n  large_print: false\n")
    build(src, tmp_path / "site")
    assert not (tmp_path / "site" / "handouts" / "large").exists()
    assert "large/" not in (tmp_path / "site" / "handouts" / "alpha-sheet.html").read_text("utf-8")


def test_without_pdf_no_page_links_to_a_pdf(site: Path) -> None:
    for page in site.rglob("*.html"):
        assert not [h for h in parse(page).hrefs if h.endswith(".pdf")], page
    assert not (site / "pdf").exists()


# ---------------------------------------------------------------- the packet


def test_packet_has_every_handout_in_program_order_and_nothing_for_facilitators(site: Path) -> None:
    packet = site / "handouts" / "packet.html"
    text = text_of(packet)
    # alpha's session uses its own sheet, then beta's; beta's sheet is not repeated later.
    titles = ["Sheet for Alpha", "Sheet for Beta", "Sheet for Gamma"]
    starts = [text.index(f" {t} ", text.index("Contents")) for t in titles]
    assert starts == sorted(starts)
    body = text[text.index("Contents") :]
    assert [body.count(t) for t in titles] == [2, 2, 2]  # in the contents and as its heading
    assert "Client workbook" in text and "Test Program" in text
    assert "SECRET" not in text and "reading grade" not in text
    assert text.count("Need help right now?") == 4  # the cover and each handout


def test_packet_contents_link_to_each_handout_section(site: Path) -> None:
    doc = parse(site / "handouts" / "packet.html")
    for hid in ("alpha-sheet", "beta-sheet", "gamma-sheet"):
        assert f"#handout-{hid}" in doc.hrefs and f"handout-{hid}" in doc.ids


# ---------------------------------------------------------------- the manual


def test_manual_has_home_pages_modules_then_handouts(site: Path) -> None:
    html = (site / "facilitator" / "manual.html").read_text("utf-8")
    sections = [
        'id="contents"',
        'id="home"',
        'id="part-pages"',
        'id="page-running"',
        'id="part-modules"',
        'id="module-alpha"',
        "SECRET facilitator note for alpha",
        'id="module-beta"',
        'id="module-gamma"',
        "SECRET facilitator note for gamma",
        'id="part-handouts"',
        'id="handout-alpha-sheet"',
        "You can do this.",
        'id="handout-beta-sheet"',
        'id="handout-gamma-sheet"',
    ]
    positions = [html.find(s) for s in sections]
    assert -1 not in positions and positions == sorted(positions), dict(
        zip(sections, positions, strict=True)
    )
    assert "How to use this site" in html[positions[1] : positions[2]]
    # The authoring guide is about writing the curriculum, not running groups.
    assert 'id="page-authoring-guide"' not in html


def test_manual_ids_are_unique_and_every_anchor_link_lands(site: Path) -> None:
    doc = parse(site / "facilitator" / "manual.html")
    assert len(doc.ids) == len(set(doc.ids)), [i for i in doc.ids if doc.ids.count(i) > 1]
    missing = [h for h in doc.hrefs if h.startswith("#") and h[1:] not in doc.ids]
    assert not missing
    # A page's link to a module segment and to a handout now stays inside the manual.
    assert "#module-alpha-check-in-current-concerns" in doc.hrefs
    assert "#handout-beta-sheet" in doc.hrefs
    for href in doc.hrefs:
        if not href.startswith(("#", "http", "tel:", "sms:")):
            assert (site / "facilitator" / href.split("#")[0]).resolve().is_file(), href


def test_manual_headings_never_skip_a_level(site: Path) -> None:
    levels = parse(site / "facilitator" / "manual.html").headings
    assert levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels
    assert max(levels) >= 4  # the page's ### moved down to h5 (page part h2, page title h3)


def test_manual_starts_every_module_in_its_own_section(site: Path) -> None:
    html = (site / "facilitator" / "manual.html").read_text("utf-8")
    for mid in ("alpha", "beta", "gamma"):
        assert f'<section class="book-item book-module" id="module-{mid}"' in html


def test_home_links_the_packet_and_the_manual(site: Path) -> None:
    hrefs = parse(site / "index.html").hrefs
    assert "handouts/packet.html" in hrefs and "facilitator/manual.html" in hrefs


def test_reserved_ids_are_refused(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    text = module_text("manual").replace("#manual-sheet", "#packet")
    result = build(make_curriculum(modules={"manual": text}), tmp_path / "site")
    messages = [p.format() for p in result.problems if p.code == "IOP006"]
    assert any("`manual` is reserved" in m for m in messages)
    assert any("`packet` is reserved" in m for m in messages)
    assert not (tmp_path / "site").exists()


# ---------------------------------------------------------------- --pdf without WeasyPrint


def test_pdf_without_weasyprint_stops_at_once_with_the_install_command(
    make_curriculum: MakeCurriculum,
    tmp_path: Path,
    run_cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now fails
    out = tmp_path / "out"
    result = run_cli("build", str(make_curriculum()), "--out", str(out), "--pdf")
    assert result.exit_code == 2
    assert "pip install -e '.[pdf]'" in result.output
    assert not out.exists()


# ---------------------------------------------------------------- printing from the browser


def test_browser_print_of_a_handout_is_clean(site: Path, tmp_path: Path) -> None:
    """Chromium's own print: the paper size, crisis contacts on every page, no navigation."""
    need_tool("/usr/bin/chromium")
    pdftotext = need_tool("pdftotext")
    import subprocess

    from playwright.sync_api import sync_playwright

    target = tmp_path / "printed.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.goto((site / "handouts" / "large" / "alpha-sheet.html").as_uri())
        page.pdf(path=str(target), prefer_css_page_size=True)
        browser.close()
    from pypdf import PdfReader

    reader = PdfReader(target)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    for n in range(1, len(reader.pages) + 1):
        page_text = subprocess.run(
            [pdftotext, "-f", str(n), "-l", str(n), "-layout", str(target), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Need help right now?" in page_text and "988" in page_text
        assert "Program home" not in page_text and "Skip to main content" not in page_text


def test_every_bundled_handout_prints_on_at_most_two_pages_in_chromium(browser: Any, bundled_site: Path) -> None:
    """Chromium's print of each bundled handout page, English and Spanish, in regular print on
    Letter paper: at most 2 pages, as in WeasyPrint's PDFs (tests/test_pdf.py)."""
    from io import BytesIO

    from pypdf import PdfReader

    handouts = [p for folder in ("handouts", "handouts/es") for p in sorted((bundled_site / folder).glob("*.html"))
                if p.stem not in ("packet", "bilingual")]
    page = browser.new_page()
    pages = {}
    for path in handouts:
        page.goto(path.as_uri())
        pages[path.relative_to(bundled_site).as_posix()] = PdfReader(BytesIO(page.pdf(prefer_css_page_size=True))).pages
    assert len(pages) > 60 and {round(float(p[0].mediabox.height)) for p in pages.values()} == {792}  # Letter
    assert {name: len(p) for name, p in pages.items() if len(p) > 2} == {}
