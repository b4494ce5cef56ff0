"""Audience separation, as properties over generated modules (see tests/separation.py).

- every word written inside a handout appears in that handout and in no other;
- no word written for facilitators appears in any client output;
- nothing is dropped: every word appears in some output;
- the output does not depend on line endings.

At the conversion level on 500 generated modules; through whole builds on 25 curricula of 20
generated modules each (500 modules: handout pages, large print, the packet and the search
documents of handouts); and through `--pdf` on a few. More: `HYPOTHESIS_PROFILE=thorough`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import CI, PROGRAM, need_weasyprint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from separation import FRONT, Written, module_bodies, tokens, with_line_ends

from iopcurr.pipeline import Settings, build
from iopcurr.source.markup import Converter

MORE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1
SETTINGS = dict(deadline=None, derandomize=CI, suppress_health_check=list(HealthCheck))


def convert(text: str, converter: Converter | None = None):  # type: ignore[no-untyped-def]
    return (converter or Converter()).convert(text, "modules/m.md", 1, "m")


@settings(max_examples=500 * MORE, **SETTINGS)  # type: ignore[arg-type]
@given(module_bodies())
def test_each_handout_holds_exactly_its_own_words(doc: Written) -> None:
    converter = Converter()
    result = convert(doc.text, converter)
    assert not [p for p in result.problems if p.severity == "error"], [p.format() for p in result.problems]
    assert {h.id for h in result.handouts} == set(doc.handouts)
    for h in result.handouts:
        assert tokens(h.html) == doc.handouts[h.id], h.id
    guide = result.overview_html + "".join(s.title_html + s.html for s in result.segments)
    assert tokens(guide) == doc.guide  # nothing dropped, no handout text left in the guide
    for end in ("\r\n", "\r"):
        assert convert(with_line_ends(doc.text, end), converter) == result


def main_of(page: Path) -> str:
    m = re.search(r"<main\b.*?</main>", page.read_text("utf-8"), re.S)
    assert m, page
    return m.group(0)


def search_docs(site: Path) -> list[dict[str, str]]:
    text = (site / "static" / "search-index.js").read_text("utf-8")
    return list(json.loads(text[text.index("{") : text.rindex("}") + 1])["docs"])


def write_curriculum(root: Path, docs: list[Written], *, line_end: str = "\n") -> None:
    (root / "modules").mkdir(parents=True)
    (root / "program.yml").write_text(PROGRAM + "handouts: {max_grade: 20}\n", "utf-8")
    for n, doc in enumerate(docs):
        text = FRONT.format(n=n) + doc.text
        (root / "modules" / f"m{n}.md").write_bytes(with_line_ends(text, line_end).encode())


def curricula(size: int) -> st.SearchStrategy[list[Written]]:
    return st.tuples(*(module_bodies(prefix=f"m{n}") for n in range(size))).map(list)


@settings(max_examples=25 * MORE, **SETTINGS)  # type: ignore[arg-type]
@given(curricula(20), st.sampled_from(["\n", "\r\n", "\r"]))
def test_no_facilitator_word_reaches_a_client_file(tmp_path_factory: pytest.TempPathFactory,
                                                     docs: list[Written], line_end: str) -> None:
    root = tmp_path_factory.mktemp("cur")
    write_curriculum(root / "cur", docs, line_end=line_end)
    site = root / "site"
    result = build(root / "cur", site)
    assert result.ok, [p.format() for p in result.problems if p.severity == "error"]
    guide = set().union(*(d.guide for d in docs))
    handouts = {hid: words for d in docs for hid, words in d.handouts.items()}
    for hid, words in handouts.items():
        for page in (site / "handouts" / f"{hid}.html", site / "handouts" / "large" / f"{hid}.html"):
            assert tokens(main_of(page)) == words, page
    client_files = [p for p in (site / "handouts").rglob("*.html")]
    for page in client_files:
        assert not tokens(page.read_text("utf-8")) & guide, page
    assert tokens(main_of(site / "handouts" / "packet.html")) == set().union(*handouts.values())
    for doc in search_docs(site):
        if doc["kind"] == "handout":
            assert not tokens(doc["text"] + doc["summary"]) & guide, doc["url"]
    for n, d in enumerate(docs):
        assert d.guide <= tokens(main_of(site / "facilitator" / f"m{n}.html")), n


@settings(max_examples=2 * MORE, **SETTINGS)  # type: ignore[arg-type]
@given(curricula(3))
def test_client_pdfs_hold_their_handouts_and_no_facilitator_word(tmp_path_factory: pytest.TempPathFactory,
                                                                   docs: list[Written]) -> None:
    need_weasyprint()
    from pypdf import PdfReader

    root = tmp_path_factory.mktemp("cur")
    write_curriculum(root / "cur", docs)
    site = root / "site"
    result = build(root / "cur", site, Settings(pdf=True))
    assert result.ok, [p.format() for p in result.problems if p.severity == "error"]
    guide = set().union(*(d.guide for d in docs))

    def text(pdf: Path) -> set[str]:
        return tokens(" ".join(page.extract_text() for page in PdfReader(pdf).pages))

    for d in docs:
        for hid, words in d.handouts.items():
            for pdf in (site / "pdf" / "handouts" / f"{hid}.pdf", site / "pdf" / "handouts" / "large" / f"{hid}.pdf"):
                assert text(pdf) == words, pdf
    packet = text(site / "pdf" / "packet.pdf")
    assert not packet & guide
    assert set().union(*(d.client for d in docs)) <= packet
