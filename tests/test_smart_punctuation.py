"""Smart punctuation (markup._SmartTreeprocessor, smarty's patterns tried only where they may match)
gives what Python-Markdown's smarty extension gives: the same HTML on every bundled file and on
generated text."""

from __future__ import annotations

import markdown
from conftest import BUNDLED, CI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown.extensions.smarty import SmartyExtension

from iopcurr.source import markup
from iopcurr.source.loader import body_of, read_sources


class SmartyConverter(markup.Converter):
    """The converter with smarty's own pass doing the punctuation."""

    def _markdown(self) -> markdown.Markdown:
        md = super()._markdown()
        SmartyExtension().extendMarkdown(md)  # registers smarty's pass again, in place of ours
        return md


def convert(converter: markup.Converter, body: str) -> markup.Converted:
    return converter.convert(body, "m.md", 1, "m")


def test_every_bundled_file_converts_as_with_smarty() -> None:
    ours, theirs = markup.Converter(), SmartyConverter()
    for src in read_sources(BUNDLED).files:
        body, first = body_of(src.text)
        segmented = src.kind == "module"
        assert ours.convert(body, src.path, first, src.id, segmented=segmented) == theirs.convert(
            body, src.path, first, src.id, segmented=segmented), src.path


BITS = ["'", '"', "''", '""', "--", "---", "----", "...", "....", "..", "-", ".", "'s", "'90s", "n't", " ", "\n",
        "\t", "a", "Z", "9", "_", "(", "[", "{", "&nbsp;", "&mdash;", "&#8211;", "–", "—", "é", "!", "**", "`",
        "\\'", '\\"', "<b>", "</b>", "- ", "## ", "::: script", ":::"]
documents = st.lists(st.sampled_from(BITS) | st.text(max_size=3), max_size=30).map("".join)


@settings(max_examples=300, deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_generated_text_converts_as_with_smarty(body: str) -> None:
    assert convert(markup.Converter(), body) == convert(SmartyConverter(), body)
