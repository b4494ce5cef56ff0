"""The shortcuts taken to convert a file faster give exactly what the plain way gives.

Each test compares a fast path with a straightforward reference on generated input: the
preprocessor's plain-line shortcut with its patterns, scan_html's tag-less shortcut with the
HTML parser, the reusable nh3 Cleaner with nh3.clean, codec.encode with the encoder it replaced,
and smarty's pass with the plain one. (The wording needles: test_wording_prefilter.py.)
"""

from __future__ import annotations

import dataclasses
import json
import types
from pathlib import Path
from typing import Any

import nh3
from conftest import BUNDLED, CI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iopcurr.errors import Problem
from iopcurr.plan.safety import Finding, RawUrl, _scan_plain, _Scanner, scan_html
from iopcurr.source import codec, markup
from iopcurr.source.loader import read_sources
from iopcurr.source.markup import Converter
from iopcurr.source.parsed import parse_source

SETTINGS = settings(max_examples=300, deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.too_slow])

# Characters the preprocessor's patterns care about, and some that look like them.
AWKWARD = [" ", "  ", "    ", "\t", ":", ":::", "#", "## ", ">", "> ", "`", "```", "~~~", "*", "**", "* ", "+", "+ ", "-", "- ",
           "1", "1. ", "12) ", "\u0661", "\u00b2", "\u00a0", "\u2003", "\u3000", "\x0b", "\x0c", "\x1c", "\x85",
           "[ ] ", "{", "}", "=", "a", "Z", "é", "“", "<", "<!--iop:", "\n"]
lines = st.lists(st.sampled_from(AWKWARD) | st.text(max_size=4), max_size=8).map("".join)


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
