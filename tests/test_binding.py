"""Binding pages into the packet and the manual quickly: `htmlfrag.scan` + `bind_tags` rewrite
exactly what the same rewrites applied to every tag (`shift_headings`, `ids_of`, `rebind` below) rewrite, the books
and take each page's main content from its own render."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from conftest import BUNDLED, MakeCurriculum, module_text
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from iopcurr.model import Curriculum, Schedule, SessionPlan
from iopcurr.pipeline import run, theme_for
from iopcurr.render import books, htmlfrag
from iopcurr.render.htmlfrag import Attrs, Document, bind_tags, map_tags, scan, unique_ids
from iopcurr.render.pages import MAIN_MARKS, Theme, render_site, site_context
from iopcurr.render.render_books import TEMPLATE_IDS, render_books

PAGE = "facilitator/m.html"
INTO = "facilitator/manual.html"
ANCHORS = {PAGE: "module-m", "handouts/h.html": "handout-h", "pages/p.html": "page-p"}


def ids_of(html: str) -> list[str]:
    """Every id attribute in the fragment, in document order, found tag by tag."""
    found: list[str] = []

    def collect(name: str, closing: bool, attrs: Attrs) -> tuple[str, Attrs]:
        found.extend(v for k, v in attrs if k.lower() == "id" and v)
        return name, attrs

    map_tags(html, collect)
    return found


def shift_headings(html: str, by: int, title_class: str = "") -> str:
    """The heading rewrite of `bind_tags`, applied to every tag (the oracle the scan must equal)."""
    return map_tags(html, htmlfrag._shift(by, title_class))


def rebind(html: str, page: str, into: str, ids: dict[str, dict[str, str]], anchors: dict[str, str]) -> str:
    """The id and link rewrite of `bind_tags`, applied to every tag."""
    return map_tags(html, htmlfrag._rebind(page, Document(into, ids, anchors)))


def bind(parts: Sequence[books.Bound], into: str, reserved: Sequence[str] = ()) -> tuple[Markup, ...]:
    """The content of every part, rewritten by `books.bind` to live in the document at `into`."""
    return tuple(books.bind(parts, into, reserved))


def tag_by_tag(html: str, by: int, title_class: str, page: str, ids: dict[str, dict[str, str]]) -> str:
    """What binding did before `scan`: a pass over every tag for the headings, then for the rest."""
    return rebind(shift_headings(html, by, title_class), page, INTO, ids, ANCHORS)


def tables(html: str) -> dict[str, dict[str, str]]:
    taken = {"module-m-s"}  # an id another part already took: the prefixed ones must step aside
    return {
        PAGE: unique_ids(ids_of(html), "module-m", "m", taken),
        "handouts/h.html": unique_ids(["x", "s"], "handout-h", "h", taken),
    }


def fast(html: str, by: int = 2, title_class: str = "book-title") -> str:
    return bind_tags(html, scan(html), by, title_class, PAGE, Document(INTO, tables(html), ANCHORS))


def slow(html: str, by: int = 2, title_class: str = "book-title") -> str:
    return tag_by_tag(html, by, title_class, PAGE, tables(html))


# ---------------------------------------------------------------- the same bytes as tag by tag

TRICKY = [
    # what iopcurr writes
    '<h2 id="s">S</h2>', '<h1 class="x">T</h1>', "<h1>T</h1>", '<a href="#s">here</a>',
    '<a href="../handouts/h.html#x">h</a>', '<a href="../handouts/h.html">h</a>',
    '<a href="../pages/p.html">p</a>', '<a href="../sessions/3.html">s</a>', '<a href="m.html#s">self</a>',
    '<a href="https://example.org/?a=b&amp;c=d">out</a>', '<img src="../assets/i.png" alt="i">',
    '<section aria-labelledby="s x">', '<label for="s">', '<td headers="s x">', '<div class="ws">',
    '<span class="ws-fill" aria-hidden="true"></span>', '<details open>', "<br>", "<hr />", "</section>",
    '<p class="lead">', "</p>", "<li>", "</li>",
    # an id twice, and one that carries the module's own prefix
    '<h3 id="s">again</h3>', '<h2 id="m-check-in">C</h2>',
    # what sanitized Markdown may hold in attribute values and text
    '<img alt="a > b" src="../assets/i.png">', '<a title="<h2 id=&quot;y&quot;>" href="#s">t</a>',
    '<img alt="<h2 id="z">">', "text with id=\"s\" in it", "a &lt;h2&gt; b", "x > y", 'said "hi" =\'',
    # what a theme override may write
    "<!-- <h2 id=\"c\"> -->", "<H2 ID='s'>Up</H2>", "<A HREF=../handouts/h.html>H</A>", "<h2 id='q\"uote'>Q</h2>",
    '<h1 class="a" class="b">two classes</h1>', "<h2 />", "</p id=\"closing\">", "<h1\u00a0id=\"nb\">N</h1>",
    '<a\thref="#s">tab</a>', '<a id = "s">spaced</a>', '<td colspan=2 id=t>', '<custom-el id="s">',
    "<h1x>not a heading</h1x>", "<h7>nor this</h7>", '<p data-id="s" hidden>', "<a href>bare</a>",
    '<a href="">empty</a>', "<", "a < b", ">", "<>", "</>", "<!---->", "<!-- open", "<h2 id=\"unclosed",
]


@pytest.mark.parametrize("piece", TRICKY)
def test_each_tricky_piece_binds_as_tag_by_tag(piece: str) -> None:
    html = f"<p>before</p>{piece}<p>after</p>"
    assert list(scan(html).ids) == ids_of(html)
    assert fast(html) == slow(html)


def test_tricky_pieces_together_bind_as_tag_by_tag() -> None:
    html = "\n".join(TRICKY)
    assert list(scan(html).ids) == ids_of(html)
    for by in (0, 1, 2, 5):
        for title_class in ("", "book-title"):
            assert fast(html, by, title_class) == slow(html, by, title_class), (by, title_class)


def test_a_quote_in_a_moved_heading_is_read_as_written() -> None:
    # Moving the heading writes the tag anew (`"` → `&quot;`): the id is then not in the table.
    html = "<h2 id='q\"uote'>Q</h2><a href=\"#q&quot;uote\">to it</a>"
    assert fast(html) == slow(html)
    assert '<h4 id="q&quot;uote">' in fast(html)


PIECES = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet='<>/="\' ahidrefsc1234-!\t', max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=12), st.integers(0, 5), st.sampled_from(["", "book-title"]))
def test_any_mix_binds_as_tag_by_tag(pieces: list[str], by: int, title_class: str) -> None:
    html = "".join(pieces)
    assert list(scan(html).ids) == ids_of(html)
    assert fast(html, by, title_class) == slow(html, by, title_class)


def test_scan_skips_the_tags_nothing_changes() -> None:
    html = '<p class="lead">A <strong>b</strong></p><h2 id="s">S</h2><ul><li>x</li></ul><a href="#s">s</a>'
    assert [html[start : html.index(">", start) + 1] for start in scan(html).starts] == [
        '<h2 id="s">', "</h2>", '<a href="#s">']


# ---------------------------------------------------------------- whole books, as bound before


def bind_tag_by_tag(parts: Sequence[books.Bound], into: str) -> tuple[str, ...]:
    """`bind` as it was: ids of every part, then each part shifted and rebound, tag by tag."""
    taken = set(TEMPLATE_IDS) | {p.anchor for p in parts}
    ids = {p.page: unique_ids(ids_of(p.html), p.anchor, p.owner, taken) for p in parts}
    anchors = {p.page: p.anchor for p in parts}
    return tuple(rebind(shift_headings(p.html, p.shift, books.TITLE_CLASS), p.page, into, ids, anchors) for p in parts)


Built = tuple[Curriculum, dict[str, SessionPlan | None], Theme, Schedule | None]


@pytest.fixture(scope="module")
def bundled() -> Built:
    result = run(BUNDLED)
    assert result.ok and result.curriculum is not None, [p.format() for p in result.problems]
    theme, _ = theme_for(BUNDLED, result.curriculum)
    assert theme is not None
    return result.curriculum, result.plans, theme, result.schedule


def kept_mains(built: Built) -> dict[str, str]:
    cur, plans, theme, schedule = built
    return render_site(site_context(cur, plans, theme, schedule))[1]


def test_every_bundled_page_binds_as_tag_by_tag(bundled: Built) -> None:
    mains = kept_mains(bundled)
    handouts = [p for p in mains if p.startswith("handouts/") and not p.startswith("handouts/large/")]
    others = [p for p in mains if not p.startswith("handouts/")]
    assert len(handouts) > 10 and any(p.startswith("facilitator/") for p in others)
    for into, pages, shift in ((books.PACKET, handouts, 1), (books.MANUAL, others + handouts, 2)):
        parts = [books.Bound(p, f"part-{i}", p.rsplit("/", 1)[-1][:-5], mains[p], shift) for i, p in enumerate(pages)]
        assert bind(parts, into, TEMPLATE_IDS) == bind_tag_by_tag(parts, into), into


def test_links_between_bound_pages_and_colliding_ids_bind_as_before() -> None:
    parts = [
        books.Bound("facilitator/a.html", "module-a", "a",
                    '<h1>A</h1><h2 id="a-x">X</h2><h2 id="x">also x</h2><a href="b.html#notes">B\'s notes</a>', 2),
        books.Bound("facilitator/b.html", "module-b", "b",
                    '<h1>B</h1><h2 id="notes">N</h2><h2 id="notes">again</h2><a href="a.html#x">A</a>'
                    '<a href="../handouts/h.html">the sheet</a>', 2),
        books.Bound("handouts/h.html", "handout-h", "h",
                    '<h1>H</h1><div class="ws"><h2 id="module-a-notes">Worksheet</h2>'
                    '<p class="ws-line"></p></div>', 2),
    ]
    out = bind(parts, books.MANUAL, TEMPLATE_IDS)
    assert out == bind_tag_by_tag(parts, books.MANUAL)
    assert 'id="module-a-x"' in out[0] and 'id="module-a-x-2"' in out[0]  # `a-x` and `x` of module a
    assert '<a href="#module-b-notes">' in out[0] and '<a href="#module-a-x-2">' in out[1]
    assert '<a href="#handout-h">' in out[1]
    assert '<h4 id="handout-h-module-a-notes">Worksheet</h4>' in out[2]


# ---------------------------------------------------------------- main content kept from the page


def test_every_page_comes_with_its_main_content_as_the_page_shows_it(bundled: Built) -> None:
    cur, plans, theme, schedule = bundled
    files, mains = render_site(site_context(cur, plans, theme, schedule))
    pages = {f.path: f.content.decode("utf-8") for f in files}
    assert set(mains) == {p for p in pages if p != "static/theme.css"}
    for path, main in mains.items():
        assert main.strip() and main in pages[path], path
        assert "<main" not in main and not any(mark in pages[path] for mark in MAIN_MARKS), path


def test_a_template_showing_its_main_block_twice_keeps_what_main_shows(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum({"alpha": module_text("alpha")},
                           program="title: Test Program\nlanguage: en\ntheme:\n  override: theme\n")
    (root / "theme" / "templates").mkdir(parents=True)
    (root / "theme" / "templates" / "handout.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ view.title }}</h1>{{ view.html }}{% endblock %}'
        "{% block head %}<meta name=\"x\" content=\"{{ self.main()|striptags|truncate(20) }}\">{% endblock %}",
        "utf-8",
    )
    result = run(root)
    assert result.ok, [p.format() for p in result.problems]
    cur, theme = result.curriculum, theme_for(root, result.curriculum)[0] if result.curriculum else None
    assert cur is not None and theme is not None
    mains = render_site(site_context(cur, result.plans, theme, result.schedule))[1]
    assert mains["handouts/alpha-sheet.html"].startswith("<h1>Sheet for Alpha</h1>") and "facilitator/alpha.html" in mains
    manual = next(f.content for f in result.files if f.path == books.MANUAL).decode("utf-8")
    assert 'id="handout-alpha-sheet"' in manual and "Write one step." in manual
    again = {f.path: f.content for f in render_books(site_context(cur, result.plans, theme, result.schedule), mains)}
    assert again[books.MANUAL] == manual.encode("utf-8")
