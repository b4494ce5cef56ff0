"""The authoring guide keeps its generated tables in its source, in step with the code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BUNDLED

from iopcurr import guide
from iopcurr.cli import cli
from iopcurr.errors import codes_markdown_table
from iopcurr.pipeline import authoring_guide_source
from iopcurr.plan.wording import terms_markdown_table
from iopcurr.source.config import options_markdown_table


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


def test_the_built_guide_shows_every_screenshot_and_the_site_holds_them(tmp_path: Path) -> None:
    """Each picture in iopcurr/docs/img is shown in the built guide, with a description, and is
    published beside it; a curriculum with its own guide does not get them."""
    images = sorted(p.name for p in (Path(guide.GUIDE).parent / "img").glob("*.png"))
    assert len(images) >= 9
    site = tmp_path / "site"
    assert CliRunner().invoke(cli, ["build", str(BUNDLED), "-o", str(site), "-q"]).exit_code == 0
    page = (site / "pages" / "authoring-guide.html").read_text("utf-8")
    shown = dict((src.rsplit("/", 1)[-1], alt) for alt, src in
                 re.findall(r'<img alt="([^"]*)" src="(\.\./assets/iopcurr-guide/[^"]+)"', page))
    assert sorted(shown) == images
    assert all(len(alt.split()) >= 5 for alt in shown.values())
    for name in images:
        published = site / "assets" / "iopcurr-guide" / name
        assert published.read_bytes() == (Path(guide.GUIDE).parent / "img" / name).read_bytes()
    own = tmp_path / "own"
    shutil.copytree(BUNDLED, own)
    (own / "pages" / "authoring-guide.md").write_text("---\ntitle: Our guide\n---\n\nHow we write modules.\n", "utf-8")
    assert CliRunner().invoke(cli, ["build", str(own), "-o", str(tmp_path / "own-site"), "-q"]).exit_code == 0
    assert not (tmp_path / "own-site" / "assets" / "iopcurr-guide").exists()
