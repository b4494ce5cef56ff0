"""The facilitator's night in the built site, without a browser: run sheets, handout bundles,
paperwork and the plain-text group note, joining mid-cycle, the schedule grid, the calendar data
of the Tonight card, and the calmer page tops."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import BUNDLED, MakeCurriculum, module_text
from test_schedule_site import Html

from iopcurr.pipeline import Settings, run
from iopcurr.source.points import first_line, segment_points


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    result = run(BUNDLED, Settings(strict=True))
    assert result.ok, [p.format() for p in result.problems]
    return {f.path: f.content for f in result.files}


def text(site: dict[str, bytes], path: str) -> str:
    return Html(site[path].decode("utf-8")).plain


# ---------------------------------------------------------------- the points of a segment

SEGMENT = """
<div class="block block-script"><p class="block-label">Say</p>
<p>“Welcome, everyone. Let’s go around and check in. Please tell us your name and how your week has been.</p>
<p>Second paragraph, not shown.”</p></div>
<p>Plain guide text.</p>
<div class="block block-discussion"><p class="block-label">Discussion questions</p>
<ul><li>What helps?</li><li>What gets in the way?</li></ul></div>
<div class="block block-roleplay"><p class="block-label">Role play: Saying no to a friend</p><p>Roles: A, B.</p></div>
<div class="block block-homework"><p class="block-label">Home assignment</p>
<ol><li>Fill in the chart.</li><li>Bring it next time.</li></ol><p>Ask about it at check-in.</p></div>
"""


def test_a_segment_gives_its_core_points() -> None:
    p = segment_points(SEGMENT)
    # whole sentences up to one that ends past 50 characters, within 130
    assert p.says == ("Welcome, everyone. Let’s go around and check in. Please tell us your name and how your week has been.",)
    assert p.questions == ("What helps?", "What gets in the way?")
    assert p.roleplays == ("Saying no to a friend",)
    assert p.homework == ("Fill in the chart.", "Bring it next time.")  # a list: its items only


def test_a_home_assignment_in_paragraphs_gives_its_paragraphs() -> None:
    html = '<div class="block block-homework"><p class="block-label">Home assignment</p><p>Try it.</p><p>Bring it.</p></div>'
    assert segment_points(html).homework == ("Try it.", "Bring it.")


def test_the_first_line_of_a_script_is_short_and_whole() -> None:
    assert first_line("“Short.”") == "Short."
    long = "word " * 60
    assert first_line(long).endswith("…") and len(first_line(long)) <= 131


# ---------------------------------------------------------------- run sheets


def test_every_session_has_a_run_sheet_bundle_paperwork_and_note(site: dict[str, bytes]) -> None:
    for n in range(1, 37):
        for path in (f"runsheets/{n}.html", f"bundles/{n}.html", f"paperwork/{n}.html", f"paperwork/{n}.txt"):
            assert path in site, path


def test_the_run_sheet_has_the_agenda_points_handouts_collect_and_notes(site: dict[str, bytes]) -> None:
    doc = Html(site["runsheets/13.html"].decode("utf-8"))
    agenda = [cells for _, cells in doc.rows if cells and cells[0] != "Time"]
    assert [c[0] for c in agenda] == ["6:00 PM–6:05 PM", "6:05 PM–6:30 PM", "6:30 PM–6:45 PM", "6:45 PM–6:57 PM",
                                      "6:57 PM–7:15 PM", "7:15 PM–7:25 PM", "7:25 PM–7:30 PM"]
    plain = doc.plain
    assert plain.index("Agenda") < plain.index("Check-in: current concerns 6:05 PM")  # the agenda on top
    assert "Which of the four groups of external triggers is strongest for you?" in plain
    assert "My Trigger Chart" in plain and "15 copies each" in plain
    assert "Collect the last home assignment (Session 12: Orientation and Group Agreements" in plain
    assert "Notes" in plain and 'class="notes-box"' in site["runsheets/13.html"].decode()
    roleplays = text(site, "runsheets/36.html")
    assert "Role play Why am I still not myself?" in roleplays


def test_the_timer_is_on_the_run_sheet_and_the_session_page(site: dict[str, bytes]) -> None:
    for path in ("runsheets/5.html", "sessions/5.html"):
        html = site[path].decode("utf-8")
        plan = re.search(r'data-timer="([^"]*)"', html)
        assert plan is not None and 'data-timer-key="session-5"' in html and 'aria-live="polite"' in html
        rows = [line.split("|") for line in plan.group(1).split("\n")]
        assert [r[0] for r in rows] == ["opening", "segment", "segment", "segment", "segment", "segment", "closing"]
        assert sum(int(r[2]) for r in rows) == 90
        assert '<script src="../static/night.js" defer></script>' in html


# ---------------------------------------------------------------- bundle and paperwork


def test_the_bundle_holds_every_handout_of_the_session_with_crisis_numbers(site: dict[str, bytes]) -> None:
    html = site["bundles/1.html"].decode("utf-8")
    assert html.count('class="handout bundle-item"') == 2
    assert "Our Group Agreements" in html and "Overdose Safety for Everyone" in html
    assert html.count('class="crisis"') == 2 and html.count("<h1>") == 1
    assert "facilitator note" not in html.lower()


def test_the_sign_in_sheet_has_a_row_per_copy_and_no_client_data(site: dict[str, bytes]) -> None:
    doc = Html(site["paperwork/5.html"].decode("utf-8"))
    sign_in = [cells for _, cells in doc.rows if len(cells) == 5]
    assert sign_in[0] == ["#", "Name", "Signature", "Time in", "Time out"]
    assert [c[0] for c in sign_in[1:]] == [str(i) for i in range(1, 16)]  # group_size 12 + extra_copies 3
    assert all(c[1:] == ["", "", "", ""] for c in sign_in[1:])


def test_the_group_note_and_fidelity_checklist_come_from_the_plan(site: dict[str, bytes]) -> None:
    doc = Html(site["paperwork/13.html"].decode("utf-8"))
    plain = doc.plain
    for words in ("Group note", "Start6:00 PM (actual", "End7:30 PM (actual", "Minutes90 (actual",
                  "TopicExternal and Internal Triggers",
                  "Objectives", "Interventions by segment", "6:30 PM–6:45 PM (15 min, Topic): Topic: external triggers",
                  "Home assignment", "Keep your trigger chart with you this week.", "Fidelity checklist",
                  "Supervisor sign-off", "Handouts given: My Trigger Chart", "Home assignment set"):
        assert words in plain, words
    fidelity = [cells for _, cells in doc.rows if len(cells) == 6]
    assert fidelity[0] == ["Segment", "Key points", "Planned min", "Real min", "Delivered", "Points covered"]
    assert [(c[0], c[2], c[3]) for c in fidelity[1:]][1] == ("Check-in: current concerns", "25", "")
    assert len(fidelity) == 1 + 7


def test_the_group_note_is_also_plain_text(site: dict[str, bytes]) -> None:
    note = site["paperwork/13.txt"].decode("utf-8")
    assert note.startswith("GROUP NOTE: Recovery Skills Group Program\nSession 13 of 64: External and Internal Triggers\n")
    assert "Start: 6:00 PM   End: 7:30 PM   Minutes: 90" in note
    assert "- 6:30 PM–6:45 PM (15 min, Topic): Topic: external triggers" in note
    assert "Home assignment:\n- Keep your trigger chart" in note
    assert "<" not in note and "\n\n\n" not in note


# ---------------------------------------------------------------- joining mid-cycle


def test_joining_says_what_a_new_member_missed_and_when_it_comes_round(site: dict[str, bytes]) -> None:
    doc = Html(site["joining.html"].decode("utf-8"))
    plain = doc.plain
    assert "Joining in week 1" in plain and "Nothing missed" in plain
    week2 = plain[plain.index("Joining in week 2"):plain.index("Joining in week 3")]
    rows = [cells for _, cells in doc.rows if len(cells) == 2 and cells[0] != "Missed module"]
    assert rows[:3] == [["Orientation and Group Agreements", "Mon, Jan 25, 2027 (session 12)"],
                        ["Structuring Your Time", "Tue, Apr 20, 2027 (session 59)"],
                        ["Overdose and Staying Alive", "Wed, Jan 27, 2027 (session 14)"]]  # week 2: repeats soon
    assert "The Cycle of Triggers" not in week2
    assert any(link.startswith("sessions/") for link in doc.links)


def test_a_session_page_notes_what_a_new_member_has_not_had(site: dict[str, bytes]) -> None:
    plain = text(site, "sessions/5.html")
    assert "New member tonight? 4 modules they have not had yet" in plain
    assert "Orientation and Group Agreements: next on Mon, Jan 25, 2027 (session 12)" in plain
    assert "../joining.html#week-2" in site["sessions/5.html"].decode()
    assert "New member tonight?" not in text(site, "sessions/1.html")


# ---------------------------------------------------------------- the schedule grid and the card's data


def test_the_schedule_grid_is_weeks_by_group_days_with_skipped_dates(site: dict[str, bytes]) -> None:
    doc = Html(site["schedule.html"].decode("utf-8"))
    grid = [cells for cls, cells in doc.rows if len(cells) == 5]
    assert grid[0] == ["Week", "Monday", "Tuesday", "Wednesday", "Thursday"]
    assert grid[1][0] == "1" and grid[1][1].startswith("Jan 4 1. Orientation")
    week3 = next(c for c in grid if c[0] == "3")
    assert week3[1] == "Jan 18 No group"
    assert "Every session 6:00 PM–7:30 PM (America/Chicago)" in doc.plain


def test_the_calendar_data_has_every_session_in_real_time(site: dict[str, bytes]) -> None:
    js = site["static/sessions.js"].decode("utf-8")
    data = json.loads(js.split("window.iopcurr.sessions = ", 1)[1].rstrip().rstrip(";"))
    assert len(data["sessions"]) == 64 and data["copies"] == 15
    first = data["sessions"][0]
    assert first["start"] == 1799107200000  # 2027-01-05 00:00 UTC = Monday, January 4, 6:00 PM CST
    assert first["end"] - first["start"] == 90 * 60_000
    assert first["handouts"][0] == ["Our Group Agreements", "handouts/group-agreements-checklist.html"]


def test_two_builds_are_byte_identical_and_today_changes_only_the_calendar_pages(site: dict[str, bytes]) -> None:
    again = {f.path: f.content for f in run(BUNDLED).files}
    assert again == site
    dated = {f.path: f.content for f in run(BUNDLED, Settings(today=date(2027, 1, 20))).files}
    assert {p for p in site if dated.get(p) != site[p]} == {"index.html", "schedule.html", "schedule.ics"}


def test_without_a_first_date_there_is_no_calendar_data_but_every_run_sheet(make_curriculum: MakeCurriculum) -> None:
    program = "title: T\nschedule:\n  weeks: 1\n  days: [mon, wed]\n"
    src = make_curriculum({"alpha": module_text("alpha"), "beta": module_text("beta")}, program=program)
    files = {f.path: f.content for f in run(src).files}
    assert b'"sessions": [\n\n]' in files["static/sessions.js"]
    assert "Week 1, Day 1" in text(files, "runsheets/1.html")
    assert "Tonight's group" in text(files, "index.html")


# ---------------------------------------------------------------- calmer page tops


def test_no_print_button_on_home_and_schedule_a_small_one_elsewhere(site: dict[str, bytes]) -> None:
    for path in ("index.html", "schedule.html"):
        assert b"data-print" not in site[path]
    for path in ("runsheets/5.html", "paperwork/5.html", "bundles/5.html", "sessions/5.html"):
        assert b'class="page-tools no-print"' in site[path]


def test_the_home_page_says_reading_level_in_words(site: dict[str, bytes]) -> None:
    plain = text(site, "index.html")
    assert "easy to read" in plain and "reading grade" not in plain and "grade 0" not in plain


def test_the_authoring_guide_code_blocks_are_tinted_and_wrap(site: dict[str, bytes]) -> None:
    css = site["static/iopcurr.css"].decode("utf-8")
    rule = re.search(r"\.page-page pre \{([^}]*)\}", css)
    assert rule is not None and "pre-wrap" in rule.group(1) and "background" in rule.group(1)


def test_the_new_templates_hold_no_inline_script() -> None:
    folder = Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
    for name in ("_tonight.html", "_timer.html", "runsheet.html", "session_handouts.html", "paperwork.html",
                 "joining.html", "index.html", "schedule.html", "session.html"):
        html = (folder / name).read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name  # scripts come from files
        assert not re.search(r"\son[a-z]+=", html), name  # and no event handler attributes
