"""The authoring guide keeps its generated tables in its source, in step with the code."""

from __future__ import annotations

import pytest

from iopcurr import guide
from iopcurr.config import options_markdown_table
from iopcurr.errors import codes_markdown_table
from iopcurr.pipeline import authoring_guide_source
from iopcurr.wording import terms_markdown_table


def test_the_generated_tables_in_the_guide_source_are_up_to_date() -> None:
    text = guide.GUIDE.read_text("utf-8")
    assert guide.refresh(text) == text, f"the authoring guide's tables are out of date: run `{guide.COMMAND}`"
    for table in (options_markdown_table(), codes_markdown_table(), terms_markdown_table()):
        assert f"\n\n{table}\n\n" in text
    assert guide.main(["--check"]) == 0


def test_a_stale_table_is_found_and_made_anew() -> None:
    text = guide.GUIDE.read_text("utf-8")
    stale = text.replace("| `session.minutes` | 90 |", "| `session.minutes` | 60 |")
    assert stale != text and guide.refresh(stale) == text
    with pytest.raises(ValueError, match="OPTIONS"):
        guide.refresh(text.replace("<!-- /OPTIONS -->", ""))


def test_the_built_guide_has_each_table_once_and_no_placeholder() -> None:
    built = authoring_guide_source().text
    assert "<!-- OPTIONS -->" not in built and "<!-- CODES -->" not in built and "<!-- TERMS -->" not in built
    assert built.count(codes_markdown_table()) == 1 and built.count(options_markdown_table()) == 1
