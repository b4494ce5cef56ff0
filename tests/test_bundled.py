"""End to end: build the bundled curriculum once and read the pages as a browser would parse them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import BUNDLED

from iopcurr.pipeline import Settings, build
from iopcurr.source.blocks import Block, Text, outline
from iopcurr.source.loader import body_of

GUIDE_BLOCKS = ("block-script", "block-discussion", "block-roleplay", "block-facilitator", "block-homework")


class Page(HTMLParser):
    """Collects links, ids, the plan table's minutes and the text of guide-only blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.minutes: list[int] = []
        self.guide_texts: list[str] = []
        self.text: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._in_plan = False
        self._cell = 0
        self._guide_depth = 0
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if key in a:
                self.links.append(a[key])
        classes = a.get("class", "").split()
        if tag == "table" and "plan-table" in classes:
            self._in_plan = True
        if self._in_plan and tag == "tr":
            self._cell = 0
        if self._in_plan and tag == "td":
            self._cell += 1
        is_guide = tag == "div" and any(c in classes for c in GUIDE_BLOCKS)
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self._stack.append((tag, is_guide))
        if is_guide:
            self._guide_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_plan = False
        while self._stack:
            name, guide = self._stack.pop()
            if guide:
                self._guide_depth -= 1
                if self._guide_depth == 0:
                    self.guide_texts.append(" ".join("".join(self._buffer).split()))
                    self._buffer = []
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_plan and self._cell == 2 and data.strip().isdigit():
            self.minutes.append(int(data.strip()))
        if self._guide_depth:
            self._buffer.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundled") / "site"
    result = build(BUNDLED, out, Settings(strict=True))
    assert result.ok, "\n".join(p.format() for p in result.problems)
    assert result.warnings == 0
    return out


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text("utf-8"))
    return page


def test_bundled_curriculum_has_the_required_modules(site: Path) -> None:
    modules = {p.stem for p in (site / "facilitator").glob("*.html")}
    assert {"running-a-session"} <= {p.stem for p in (site / "pages").glob("*.html")}
    assert {"relapse-warning-signs", "refusal-skills"} <= modules
    assert len(modules - {"manual"}) >= 23


def test_every_plan_adds_up_to_the_session(site: Path) -> None:
    for path in sorted((site / "facilitator").glob("*.html")):
        if path.stem == "manual":
            continue
        page = parse(path)
        assert sum(page.minutes) == 90, path.name
        assert len(page.minutes) >= 5, path.name  # opening, >= 3 segments, closing


def test_no_guide_text_on_any_handout(site: Path) -> None:
    guide: set[str] = set()
    for path in (site / "facilitator").glob("*.html"):
        guide.update(t for t in parse(path).guide_texts if len(t) > 40)
    assert len(guide) > 100
    for path in sorted((site / "handouts").glob("*.html")):
        page = parse(path)
        text = " ".join("".join(page.text).split())
        assert not page.guide_texts, path.name
        leaked = [g[:60] for g in guide if g in text]
        assert not leaked, (path.name, leaked)


def test_every_handout_carries_crisis_contacts(site: Path) -> None:
    for path in sorted((site / "handouts").glob("*.html")):
        text = path.read_text("utf-8")
        assert "988" in text and "1-800-662-4357" in text and "911" in text, path.name


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    pages = {p: parse(p) for p in site.rglob("*.html")}
    checked = 0
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.exists(), f"{path.relative_to(site)} → {link}"
            assert site.resolve() in target.parents or target == site.resolve()
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in pages[target].ids, f"{path.relative_to(site)} → {link}"
            checked += 1
    assert checked > 1000


def test_module_page_links_its_handouts(site: Path) -> None:
    page = parse(site / "facilitator" / "relapse-warning-signs.html")
    assert "../handouts/my-warning-signs.html" in page.links


def test_reading_grade_shown_to_facilitators_in_words_not_to_clients(site: Path) -> None:
    guide = (site / "facilitator" / "refusal-skills.html").read_text()
    assert re.search(r"(very easy|easy|fairly easy) to read by Flesch-Kincaid|to read \(Flesch-Kincaid and SMOG\)", guide)
    assert not re.search(r"grade \d", guide)
    for path in (site / "handouts").glob("*.html"):
        text = path.read_text("utf-8").lower()
        assert "reading grade" not in text and "flesch" not in text and "smog" not in text


def test_disclaimer_once_on_home_page(site: Path) -> None:
    assert (site / "index.html").read_text("utf-8").count("not medical advice") == 1


def test_every_handout_holds_its_own_text_and_no_other_handouts(site: Path) -> None:
    """Each handout page holds the text written inside its fences: checked against the source, so
    that a block left open (which once emptied "Urge Surfing Steps" into "My Craving Log") fails."""
    written: dict[str, str] = {}
    for source in sorted((BUNDLED / "modules").glob("*.md")):
        if "." in source.stem:
            continue  # a translation: its handouts are on handouts/<lang>/ pages (test_i18n.py)
        body, first = body_of(source.read_text("utf-8"))
        shape = outline(body, str(source), first)
        for block in shape.blocks:
            if block.kind == "handout":
                written[block.attr("id")] = " ".join(_words(block))
    assert len(written) >= 25
    for hid, words in written.items():
        main = re.search(r"<main\b.*?</main>", (site / "handouts" / f"{hid}.html").read_text("utf-8"), re.S)
        assert main, hid
        text = " ".join(re.sub(r"<[^>]+>", " ", main.group(0)).split())
        assert len(words.split()) >= 30, (hid, "is almost empty in its source")
        firsts = [w for w in re.findall(r"[A-Za-z]{6,}", words)][:8]
        assert all(w in text for w in firsts), (hid, firsts)
        others = [o for o, ws in written.items() if o != hid and ws[:80] and ws[:80] in words]
        assert not others, (hid, others)


def _words(block: Block) -> list[str]:
    out: list[str] = []
    for child in block.children:
        out += " ".join(child.lines).split() if isinstance(child, Text) else _words(child)
    return out
