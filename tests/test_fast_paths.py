"""The shortcuts taken to convert a file faster give exactly what the plain way gives.

Each test compares a fast path with a straightforward reference on generated input: the
preprocessor's plain-line shortcut with its patterns, scan_html's tag-less shortcut with the
HTML parser, the reusable nh3 Cleaner with nh3.clean, codec.encode with the encoder it replaced,
and smarty's pass with the plain one. (The wording needles: test_wording_prefilter.py.)
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
from pathlib import Path
from typing import Any

import nh3
import pytest
from conftest import BUNDLED, CI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iopcurr import codec, markup
from iopcurr.errors import Problem
from iopcurr.loader import read_sources
from iopcurr.markup import Converter
from iopcurr.parsed import parse_source
from iopcurr.safety import Finding, RawUrl, _scan_plain, _Scanner, scan_html

SETTINGS = settings(max_examples=300, deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.too_slow])

# Characters the preprocessor's patterns care about, and some that look like them.
AWKWARD = [" ", "  ", "    ", "\t", ":", ":::", "#", "## ", ">", "> ", "`", "```", "~~~", "*", "**", "* ", "+", "+ ", "-", "- ",
           "1", "1. ", "12) ", "\u0661", "\u00b2", "\u00a0", "\u2003", "\u3000", "\x0b", "\x0c", "\x1c", "\x85",
           "[ ] ", "{", "}", "=", "a", "Z", "é", "“", "<", "<!--iop:", "\n"]
lines = st.lists(st.sampled_from(AWKWARD) | st.text(max_size=4), max_size=8).map("".join)


# ---------------------------------------------------------------- preprocessor


@SETTINGS
@given(lines)
def test_a_plain_line_is_one_no_pattern_of_the_preprocessor_matches(line: str) -> None:
    if "\n" in line or not (line == "" or markup._PLAIN.match(line)):
        return
    for pattern in (markup._CODE, markup._CLOSE, markup._OPEN, markup._LIST_ITEM, markup._HEADING, markup._QUOTES):
        assert not pattern.match(line), (pattern.pattern, line)
    if line:
        assert line.strip() and not line.startswith(" ")
    state = markup._State()
    pre = markup._FencePreprocessor(Converter().md, state)
    assert pre._limit_depth(0, line) == line and not state.problems and not state.too_deep


@pytest.mark.parametrize("line", ["* item", "+ item", "- item", "-\titem", "1. one", "2) two", "## Topic", "#",
                                  "::: script", ":::", "> quote", "```", "~~~", "    code", "\tcode", " ", "\u00a0x"])
def test_lines_the_patterns_must_see_are_not_plain(line: str) -> None:
    assert not markup._PLAIN.match(line)


@pytest.mark.parametrize("line", ["Plain prose.", "**Bold** text", "*em*", "-not a list", "+1", "[a](b.md)", "<b>x</b>",
                                  "| a | b |", "!", "Émile"])
def test_lines_of_prose_are_plain(line: str) -> None:
    assert markup._PLAIN.match(line)


NEVER = re.compile(r"(?!)")

documents = st.lists(st.sampled_from([
    "::: script", "::: handout {#sheet title=\"Sheet\"}", "::: lines {n=2}", ":::", "## Topic {minutes=5}", "## Two",
    "### Sub", "# Top", "- item", "  - nested", "- [ ] task", "1. one", "> quote", "```", "~~~", "    code", "",
    "**Bold** text", "*em* text", "-not a list", "+1 for that", "Plain prose.", "<!--iop:seg:0-->", "\t- tabbed",
    "* star item", "+ plus item", "2) two", "Term", ": definition",
]) | lines, max_size=30).map("\n".join)


@settings(max_examples=150, deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_the_plain_line_shortcut_changes_no_conversion(body: str) -> None:
    fast = Converter().convert(body, "m.md", 1, "m")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(markup, "_PLAIN", NEVER)  # every non-empty line through every pattern
        slow = Converter().convert(body, "m.md", 1, "m")
    assert fast == slow


# ---------------------------------------------------------------- scan_html


def scan_with_parser(fragment: str) -> tuple[list[Finding], list[RawUrl]]:
    """scan_html without its shortcut: every fragment through the HTML parser."""
    scanner = _Scanner()
    try:
        scanner.feed(fragment)
        scanner.close()
    except (AssertionError, ValueError, RecursionError):
        return _scan_plain(fragment), []
    return scanner.findings, scanner.urls


fragments = st.lists(st.sampled_from(["&rsquo;", "&ldquo;", "&#8212;", "&", ";", "onclick=", "javascript:", "img",
                                      "src=x", ">", "\n", '"', "'", "<", "<img src=x>", "<script>"])
                     | st.text(max_size=5), max_size=10).map("".join)


@SETTINGS
@given(fragments)
def test_scan_html_finds_what_the_parser_finds(fragment: str) -> None:
    assert scan_html(fragment) == scan_with_parser(fragment)


# ---------------------------------------------------------------- sanitize

html = st.lists(st.sampled_from(["<p>", "</p>", "<div class=\"block\">", "</div>", "<script>x()</script>",
                                 "<a href=\"javascript:x\">", "<a href=\"../m/x.html\">", "</a>", "<img src=x onerror=y>",
                                 "<!-- c -->", "<b>", "<table><tr><td>", "<svg>", "&amp;", "&rsquo;", "<", ">", "\"",
                                 "<span aria-hidden=\"true\" data-x=1>", "<div tabindex=\"0\" role=\"region\">"])
                | st.text(max_size=6), max_size=20).map("".join)


@SETTINGS
@given(html)
def test_the_reused_cleaner_cleans_as_nh3_clean_does(fragment: str) -> None:
    plain = nh3.clean(fragment, tags=markup._SAFE_TAGS, attributes=markup._SAFE_ATTRS,
                      url_schemes={"http", "https", "mailto", "tel"}, link_rel=None, strip_comments=True)
    assert markup.sanitize(fragment) == plain


def test_sanitize_still_removes_scripts_and_handlers() -> None:
    out = markup.sanitize('<p onclick="x()">a<script>alert(1)</script><a href="javascript:x">b</a></p>')
    assert "script" not in out and "onclick" not in out and "javascript" not in out


# ---------------------------------------------------------------- codec.encode


def encode_plainly(value: object) -> Any:
    """codec.encode as it was: dataclass fields looked up on every call, scalars asked last."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [encode_plainly(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, tuple | list):
        return [encode_plainly(v) for v in value]
    if isinstance(value, types.MappingProxyType | dict):
        return {str(k): encode_plainly(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
problems = st.builds(Problem, st.text(max_size=5), st.none() | st.integers(1, 99), st.text(max_size=5),
                     st.sampled_from(["IOP008", "IOP024"]))
values = st.recursive(scalars | problems, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3)
                      | st.dictionaries(st.text(max_size=3), inner, max_size=3).map(types.MappingProxyType),
                      max_leaves=10)


@SETTINGS
@given(values)
def test_encode_gives_what_the_plain_encoder_gives(value: object) -> None:
    assert json.dumps(codec.encode(value)) == json.dumps(encode_plainly(value))  # as text: True is not 1


def test_encode_of_every_bundled_file_is_unchanged() -> None:
    converter = Converter()
    for src in read_sources(Path(BUNDLED)).files:
        parsed = parse_source(src, converter)
        assert json.dumps(codec.encode(parsed)) == json.dumps(encode_plainly(parsed)), src.path


# ---------------------------------------------------------------- reading grade text


classes = st.lists(st.sampled_from(["ws-line", "visually-hidden", "block-label", "x", "", " ", "\t", "ws-box "]),
                   max_size=4).map(" ".join)


@SETTINGS
@given(st.none() | classes)
def test_skipped_is_the_set_intersection(cls: str | None) -> None:
    el = markup.etree.Element("span", {} if cls is None else {"class": cls})
    assert markup._skipped(el) == bool(set((el.get("class") or "").split()) & markup._SKIP_CLASSES)


# ---------------------------------------------------------------- smarty's pass


def _plain_smarty(converter: Converter) -> Converter:
    """`converter` with smarty's inline pass as Python-Markdown makes it (every pattern on every text)."""
    from markdown.treeprocessors import InlineProcessor

    md = converter.md
    plain = InlineProcessor(md)
    plain.inlinePatterns = md.treeprocessors["smarty"].inlinePatterns
    md.treeprocessors.register(plain, "smarty", 6)
    return converter


def test_the_quicker_smarty_pass_is_used_exactly_when_every_pattern_is_known() -> None:
    import markdown as md_lib

    patterns = [p.pattern for p in md_lib.Markdown(extensions=["smarty"]).treeprocessors["smarty"].inlinePatterns]
    known = all(p in markup.SMARTY_NEEDS for p in patterns)
    assert isinstance(Converter().md.treeprocessors["smarty"], markup._NeedfulInlineProcessor) == known


SMARTY_BITS = ["'", '"', "''", '""', "--", "---", "----", "...", "....", "..", "-", ".", "'s", "'90s", "n't", " ", "\n",
               "\t", "a", "Z", "9", "_", "(", "[", "{", "&nbsp;", "&mdash;", "&#8211;", "–", "—", "\x02", "\x03", "é", "!"]
smarty_texts = st.lists(st.sampled_from(SMARTY_BITS) | st.text(max_size=3), max_size=14).map("".join)


@SETTINGS
@given(smarty_texts)
def test_no_smarty_pattern_matches_a_text_without_its_substring(text: str) -> None:
    for pattern, need in markup.SMARTY_NEEDS.items():
        if need not in text:
            assert re.compile(pattern, re.DOTALL | re.UNICODE).search(text) is None, (pattern, text)


smarty_documents = st.lists(st.sampled_from([
    "She said \"don't\" -- twice...", "'Tis the '90s' end.", "\"Quoted\" and 'single'", "A -- B --- C ---- D",
    "Wait.... what..", "**Bold \"quote\"** and *em 'x'*", "`code 'x' -- y`", "[link \"t\"](a.md 'Title')", "- item 'one'",
    "::: script", ":::", "## Topic {minutes=5}", "<span title=\"a 'b'\">x</span>", "No quotes here at all.", "",
]) | smarty_texts, max_size=12).map("\n".join)


@settings(max_examples=200, deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.too_slow])
@given(smarty_documents)
def test_the_quicker_smarty_pass_changes_no_conversion(body: str) -> None:
    assert Converter().convert(body, "m.md", 1, "m") == _plain_smarty(Converter()).convert(body, "m.md", 1, "m")


def test_the_quicker_smarty_pass_changes_no_bundled_file() -> None:
    fast, slow = Converter(), _plain_smarty(Converter())
    for src in read_sources(BUNDLED).files:
        assert codec.dumps(parse_source(src, fast)) == codec.dumps(parse_source(src, slow)), src.path
