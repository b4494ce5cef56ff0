"""The facilitator's night on paper, printed by Chromium: every bundled run sheet fits one page
on Letter and on A4, the schedule grid fits one page, and the build's one-page estimate
(runsheet.run_sheets) agrees with what the browser prints."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import BUNDLED, MakeCurriculum, module_text, need_tool

from iopcurr.pipeline import build, run


def pages(page: Any, paper: str) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(page.pdf(format=paper, prefer_css_page_size=False))).pages)


@pytest.fixture(scope="module")
def printer(browser: Any) -> Iterator[Any]:
    need_tool("/usr/bin/chromium")
    page = browser.new_page()
    yield page
    page.close()


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_every_bundled_run_sheet_prints_on_one_page(printer: Any, bundled_site: Path, paper: str) -> None:
    sheets = sorted((bundled_site / "runsheets").glob("*.html"), key=lambda p: int(p.stem))
    assert len(sheets) == 64
    longer = {}
    for sheet in sheets:
        printer.goto(sheet.as_uri())
        n = pages(printer, paper)
        if n != 1:
            longer[sheet.name] = n
    assert not longer, f"run sheets longer than one {paper} page: {longer}"


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_the_schedule_grid_prints_on_one_page(printer: Any, bundled_site: Path, paper: str) -> None:
    printer.goto((bundled_site / "schedule.html").as_uri())
    assert pages(printer, paper) == 1
    printer.emulate_media(media="print")
    try:
        assert printer.locator(".grid-table").is_visible()
        assert not printer.locator(".calendar").is_visible()
        assert printer.locator(".grid-skipped").count() == 3
    finally:
        printer.emulate_media(media=None)


def test_a_module_too_long_for_one_page_is_warned_and_really_is_too_long(
        printer: Any, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    questions = "".join(f"- Question number {i}: what would you say to a friend who asked you about this, "
                        f"and what would you want them to say back to you?\n" for i in range(60))
    long = module_text("long").replace("- What do you think?\n", questions)
    program = "title: T\nschedule:\n  weeks: 1\n  days: [mon]\n  first_date: 2027-01-04\n"
    src = make_curriculum({"long": long, "short": module_text("short")}, program=program)
    result = run(src)
    warned = [p for p in result.problems if "run sheet" in p.message]
    assert len(warned) == 1
    w = warned[0]
    assert w.severity == "warning" and w.path.endswith("long.md")
    assert "Topic: the topic" in w.message and "discussion questions" in w.hint
    assert w.line is not None and src.joinpath("modules/long.md").read_text("utf-8").splitlines()[w.line - 1] \
        .startswith("## Topic")
    out = tmp_path / "site"
    assert build(src, out).ok
    printer.goto((out / "runsheets" / "1.html").as_uri())
    assert pages(printer, "Letter") > 1


def test_the_bundled_curriculum_gets_no_run_sheet_warning() -> None:
    result = run(BUNDLED)
    assert not [p for p in result.problems if "run sheet" in p.message]


def test_the_paperwork_prints_one_sheet_per_form(printer: Any, bundled_site: Path) -> None:
    """Sign-in sheet, group note and fidelity checklist: three sheets for every session."""
    longer = {}
    for n in range(1, 37):
        printer.goto((bundled_site / "paperwork" / f"{n}.html").as_uri())
        count = pages(printer, "Letter")
        if count != 3:
            longer[n] = count
    assert not longer, f"paperwork not on three Letter pages: {longer}"


def test_the_handout_bundle_starts_each_handout_on_a_new_sheet(printer: Any, bundled_site: Path) -> None:
    from pypdf import PdfReader

    printer.goto((bundled_site / "bundles" / "1.html").as_uri())
    texts = [page.extract_text() or "" for page in PdfReader(io.BytesIO(printer.pdf(format="Letter"))).pages]
    firsts = [i for i, t in enumerate(texts) if "Our Group Agreements" in t]
    seconds = [i for i, t in enumerate(texts) if "Overdose Safety for Everyone" in t]
    assert firsts and seconds and firsts[-1] < seconds[0]  # the second handout starts on a sheet of its own
    assert all("988" in t for t in texts)  # crisis numbers on every sheet
