"""Large programs stay linear: every page's navigation is bounded, lookups are worked out once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import run
from iopcurr.plan.checks import track_map, track_of
from iopcurr.render.pages import NAV_FULL_MODULES, NAV_WINDOW
from iopcurr.source.config import parse_program
from iopcurr.source.loader import SourceFile, parse_module
from iopcurr.source.markup import Converter

PROGRAM = """\
title: Big Program
tracks:
  - id: first
    title: First track
    modules: [{first}]
  - id: second
    title: Second track
    modules: [{second}]
"""


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A program of NAV_FULL_MODULES + 10 modules in two tracks, built once."""
    root = tmp_path_factory.mktemp("big")
    count = NAV_FULL_MODULES + 10
    ids = [f"m{i:03d}" for i in range(count)]
    (root / "modules").mkdir()
    for ident in ids:
        (root / "modules" / f"{ident}.md").write_text(module_text(ident), "utf-8")
    half = count // 2
    (root / "program.yml").write_text(PROGRAM.format(first=", ".join(ids[:half]), second=", ".join(ids[half:])), "utf-8")
    result = run(root)
    assert result.ok, [p.format() for p in result.problems]
    return {f.path: f.content.decode("utf-8") for f in result.files if not f.path.endswith(".png")}


def sidebar_links(html: str) -> list[str]:
    nav = html.split('<nav class="sidebar"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def test_sidebar_of_a_large_program_shows_a_window_of_the_current_track(big_site: dict[str, str]) -> None:
    links = sidebar_links(big_site["facilitator/m010.html"])
    modules = [u for u in links if u.startswith("../facilitator/")]
    assert modules == [f"../facilitator/m{i:03d}.html" for i in range(10 - NAV_WINDOW, 10 + NAV_WINDOW + 1)]
    assert "../index.html#track-first" in links and "../index.html#track-second" in links
    assert 'aria-current="page">' in big_site["facilitator/m010.html"].split('<nav class="sidebar"', 1)[1]


def test_sidebar_size_does_not_grow_with_the_program(big_site: dict[str, str]) -> None:
    sizes = {len(sidebar_links(html)) for path, html in big_site.items() if path.endswith(".html")}
    assert max(sizes) <= 2 * NAV_WINDOW + 1 + 2 + 2 + 10  # window, track links, home, pages


def test_handout_pages_show_the_window_of_their_module(big_site: dict[str, str]) -> None:
    links = sidebar_links(big_site["handouts/m050-sheet.html"])
    assert "../facilitator/m050.html" in links and "../facilitator/m000.html" not in links


def test_home_page_lists_every_module_under_track_anchors(big_site: dict[str, str]) -> None:
    home = big_site["index.html"]
    assert 'id="track-first"' in home and 'id="track-second"' in home
    assert all(f'href="facilitator/m{i:03d}.html"' in home for i in range(NAV_FULL_MODULES + 10))


def test_small_program_sidebar_lists_every_module(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum({"a": module_text("a"), "b": module_text("b"), "c": module_text("c")})
    result = run(root)
    page = next(f.content.decode() for f in result.files if f.path == "facilitator/a.html")
    assert [u for u in sidebar_links(page) if "facilitator/" in u] == [f"../facilitator/{m}.html" for m in "abc"]


def test_track_map_agrees_with_track_of() -> None:
    program, _ = parse_program(
        "title: T\ntracks:\n  - id: x\n    title: X\n    modules: [a, b]\n  - id: y\n    title: Y\n    modules: [b, c]\n",
        "program.yml")
    texts = {"a": module_text("a"), "b": module_text("b"),
             "c": module_text("c").replace("summary:", "track: x\nsummary:"),
             "d": module_text("d").replace("summary:", "track: y\nsummary:"),
             "e": module_text("e").replace("summary:", "track: nowhere\nsummary:"),
             "f": module_text("f")}
    converter = Converter()
    modules = [parse_module(SourceFile("module", k, f"{k}.md", v), converter)[0] for k, v in texts.items()]
    expected = {m.id: track_of(program, m) for m in modules}
    assert track_map(program, modules) == expected
    assert expected == {"a": "x", "b": "x", "c": "x", "d": "y", "e": None, "f": None}


def test_nav_window_constants_are_sane() -> None:
    assert NAV_WINDOW >= 1 and NAV_FULL_MODULES > 2 * NAV_WINDOW


def test_scale_helper_makes_a_valid_curriculum(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from scale import make_curriculum as make_scaled

    root = make_scaled(30, tmp_path / "scaled")
    result = run(root)
    assert result.ok, [p.format() for p in result.problems][:5]
    assert result.curriculum is not None and len(result.curriculum.modules) == 30
