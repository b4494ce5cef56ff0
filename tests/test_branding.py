"""A program brands the site from program.yml (name, logo, accent colour) without templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AXE_JS, CHROMIUM, CHROMIUM_ARGS, MakeCurriculum, need_tool

from iopcurr.pipeline import Settings, build, run
from iopcurr.plan.branding import contrast_ratio

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
        '<circle cx="20" cy="20" r="18" fill="#7a1f5c"/></svg>\n')
BRANDED = """\
title: Riverbend Recovery Group
organization: Riverbend Health
language: en
theme:
  accent: "#7a1f5c"
  logo: assets/riverbend.svg
"""


@pytest.fixture
def branded(make_curriculum: MakeCurriculum, tmp_path: Path) -> Path:
    src = make_curriculum(program=BRANDED)
    (src / "assets").mkdir()
    (src / "assets" / "riverbend.svg").write_text(LOGO, "utf-8")
    out = tmp_path / "site"
    result = build(src, out)
    assert result.ok and result.warnings == 0, [p.format() for p in result.problems]
    return out


def test_name_logo_and_accent_come_from_program_yml(branded: Path) -> None:
    page = (branded / "facilitator" / "alpha.html").read_text("utf-8")
    assert '<img class="logo" src="../assets/riverbend.svg" alt="">' in page
    assert "<span>Riverbend Recovery Group</span>" in page and "Riverbend Health" in page
    assert (branded / "assets" / "riverbend.svg").read_text("utf-8") == LOGO
    assert "--accent: #7a1f5c;" in (branded / "static" / "theme.css").read_text("utf-8")


def test_the_branded_site_shows_the_accent_and_stays_accessible(branded: Path) -> None:
    need_tool(CHROMIUM)
    need_tool(str(AXE_JS))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_init_script(path=str(AXE_JS))
        page = context.new_page()
        page.goto((branded / "index.html").as_uri())
        link = page.evaluate("() => getComputedStyle(document.querySelector('main a')).color")
        border = page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).borderBottomColor")
        logo = page.evaluate("() => document.querySelector('.logo').naturalWidth")
        violations = page.evaluate("() => axe.run(document).then(r => r.violations.map(v => v.id))")
        browser.close()
    assert link == border == "rgb(122, 31, 92)"
    assert logo == 40, "the logo loads from file://"
    assert violations == []


def test_an_accent_too_light_to_read_is_a_warning(make_curriculum: MakeCurriculum) -> None:
    program = "title: T\ntheme:\n  accent: \"#f0a030\"\n"
    result = run(make_curriculum(program=program))
    (problem,) = [p for p in result.problems if p.code == "IOP033"]
    assert problem.severity == "warning" and problem.line == 3
    assert "#f0a030" in problem.message and "4.5:1" in problem.message
    strict = run(make_curriculum(program=program, name="again"), Settings(strict=True))
    assert not strict.ok


def test_a_logo_that_is_not_in_assets_is_an_error(make_curriculum: MakeCurriculum) -> None:
    result = run(make_curriculum(program="title: T\ntheme:\n  logo: assets/missing.png\n"))
    assert not result.ok
    (problem,) = [p for p in result.problems if p.code == "IOP025"]
    assert problem.line == 3 and "assets/missing.png" in problem.message


@pytest.mark.parametrize(("a", "b", "ratio"), [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0),
                                               ("#767676", "#ffffff", 4.54)])
def test_contrast_ratio_follows_wcag(a: str, b: str, ratio: float) -> None:
    assert round(contrast_ratio(a, b), 2) == ratio
