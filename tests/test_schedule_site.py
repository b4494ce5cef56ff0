"""The calendar in the built site: session pages, schedule.html, schedule.ics, module and home pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import Result
from conftest import BUNDLED, MakeCurriculum, module_text

from iopcurr.pipeline import Settings, run

CHICAGO = ZoneInfo("America/Chicago")
SKIPPED = ("2027-01-18", "2027-02-15", "2027-03-24")


class Html(HTMLParser):
    """Links, visible text, and the rows of tables (cell texts)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.rows: list[tuple[str, list[str]]] = []  # (row class, cell texts)
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "tr":
            self.rows.append((a.get("class", ""), []))
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    result = run(BUNDLED, Settings(strict=True, today=date(2027, 3, 10)))
    assert result.ok, "\n".join(p.format() for p in result.problems)
    return {f.path: f.content for f in result.files}


def page(site: dict[str, bytes], path: str) -> Html:
    return Html(site[path].decode("utf-8"))


def session_paths(site: dict[str, bytes]) -> list[str]:
    return sorted((p for p in site if p.startswith("sessions/")), key=lambda p: int(p[9:-5]))


# ---------------------------------------------------------------- the bundled program


def test_bundled_program_has_64_sessions_a_schedule_and_a_calendar(site: dict[str, bytes]) -> None:
    assert session_paths(site) == [f"sessions/{n}.html" for n in range(1, 65)]
    assert "schedule.html" in site
    cal = icalendar.Calendar.from_ical(site["schedule.ics"])
    events = cal.walk("VEVENT")
    assert len(events) == 64
    for ev in events:
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert start.tzinfo == CHICAGO and (start.hour, start.minute) == (18, 0)
        assert (end.hour, end.minute) == (19, 30)
        assert start.weekday() in (0, 1, 2, 3)
        assert start.date().isoformat() not in SKIPPED
    starts = [ev.decoded("dtstart") for ev in events]
    assert starts[0] == datetime(2027, 1, 4, 18, 0, tzinfo=CHICAGO)
    assert starts == sorted(starts)
    # the same 6 PM is a different UTC hour once daylight saving time starts (2027-03-14)
    assert {s.utcoffset().total_seconds() / 3600 for s in starts} == {-6.0, -5.0}


def test_each_session_page_has_its_date_agenda_guide_handouts_and_neighbours(site: dict[str, bytes]) -> None:
    cal = icalendar.Calendar.from_ical(site["schedule.ics"])
    dates = [ev.decoded("dtstart").date() for ev in cal.walk("VEVENT")]
    for n, path in enumerate(session_paths(site), start=1):
        html = site[path].decode("utf-8")
        doc = Html(html)
        assert f'<time datetime="{dates[n - 1].isoformat()}">' in html, path
        agenda = [cells for cls, cells in doc.rows if len(cells) == 4 and cells[0] != "Time"]
        assert sum(int(cells[1]) for cells in agenda) == 90, path
        assert agenda[0][0].startswith("6:00 PM") and agenda[-1][0].endswith("7:30 PM"), path
        assert agenda[0][3] == "Opening: check-in round" and agenda[-1][3] == "Closing: one step forward"
        assert "block-script" in html, path  # the guide content itself is on the page
        assert re.search(r"<strong>15 copies</strong>", html), path
        assert (f"{n - 1}.html" in doc.links) == (n > 1), path
        assert (f"{n + 1}.html" in doc.links) == (n < 64), path


def test_orientation_comes_back_every_third_week_and_says_why(site: dict[str, bytes]) -> None:
    first = page(site, "sessions/1.html")
    button = b'class="button" href="../facilitator/orientation.html"'
    held = [p for p in session_paths(site) if button in site[p]]
    assert held == [f"sessions/{n}.html" for n in (1, 12, 24, 35, 46, 58)]  # weeks 1, 4, 7, 10, 13, 16
    assert "Comes back every 3 weeks, so that every member meets it soon after joining" in first.plain
    assert "Rotation cycle 1" in page(site, "sessions/2.html").plain


def test_schedule_page_is_a_calendar_by_week_with_tracks_in_words(site: dict[str, bytes]) -> None:
    doc = page(site, "schedule.html")
    sessions = [link for link in doc.links if link.startswith("sessions/")]
    assert sessions == ["sessions/37.html"] + [f"sessions/{n}.html" for n in range(1, 65)]  # the Tonight card first
    track_titles = {"Getting started", "Early recovery skills", "Relapse prevention", "Stress and wellness",
                    "Anger management", "Relationships and continuing care"}
    rows = [(cls, cells) for cls, cells in doc.rows  # (the grid at a glance has 5 cells a row too)
            if len(cells) == 5 and cells[0] not in ("Day", "Week") and not cells[0].isdigit()]
    assert len(rows) == 64
    for cls, cells in rows:
        assert cls.startswith("track-")
        assert any(cells[3].endswith(t) for t in track_titles), cells  # the track name, not colour alone
    skipped = [cells for cls, cells in doc.rows if cls == "skipped"]
    assert [c[0] for c in skipped] == ["Mon, Jan 18", "Mon, Feb 15", "Wed, Mar 24"]
    assert "Week 1: Jan 4–10, 2027" in doc.plain and "Week 17: Apr 26–May 2, 2027" in doc.plain
    assert ("Repeated so that members who join later meet them too: Orientation and Group Agreements (every 3 weeks); "
            "Overdose and Staying Alive (every 3 weeks, Wednesdays); Coping with Cravings and Urges (every 3 weeks "
            "from week 2, Mondays);") in doc.plain
    assert "Wednesdays run their own rotation: Relapse prevention." in doc.plain
    assert "schedule.ics" in doc.links


def test_schedule_prints_without_splitting_a_week(site: dict[str, bytes]) -> None:
    css = site["static/iopcurr.css"].decode()
    assert re.search(r"\.calendar-week \{[^}]*break-inside: avoid", css)
    assert "@media print" in css and ".sidebar" in css


def test_module_pages_list_the_dates_they_are_scheduled_on(site: dict[str, bytes]) -> None:
    doc = page(site, "facilitator/triggers.html")
    assert "../sessions/13.html" in doc.links
    assert "Tue, Jan 26, 2027" in doc.plain
    scheduled = sum(
        sum(1 for link in page(site, p).links if link.startswith("../sessions/"))
        for p in site if p.startswith("facilitator/") and p != "facilitator/manual.html"
    )
    assert scheduled == 64


def test_home_page_shows_the_next_sessions_from_today(site: dict[str, bytes]) -> None:
    doc = page(site, "index.html")
    assert "Next sessions (as of Wednesday, March 10, 2027)" in doc.plain
    nxt = [link for link in doc.links if link.startswith("sessions/")]
    assert nxt == ["sessions/37.html", "sessions/37.html", "sessions/38.html", "sessions/39.html"]  # the Tonight card first
    assert "Monday, March 15, 2027, 6:00 PM–7:30 PM CDT" in doc.plain


def test_every_page_links_the_schedule(site: dict[str, bytes]) -> None:
    for path in ("index.html", "facilitator/triggers.html", "sessions/5.html", "handouts/my-warning-signs.html"):
        links = page(site, path).links
        assert "schedule.html" in links or "../schedule.html" in links, path


# ---------------------------------------------------------------- --today and changes to program.yml


def test_build_today_option(make_curriculum: MakeCurriculum, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    prog = "title: T\nschedule: {weeks: 2, days: [mon, wed], first_date: 2027-01-04}\n"
    root = make_curriculum(program=prog)
    out = tmp_path / "site"
    assert run_cli("build", str(root), "--out", str(out)).exit_code == 0
    assert "Next sessions" not in (out / "index.html").read_text()
    assert run_cli("build", str(root), "--out", str(out), "--today", "2027-01-05").exit_code == 0
    home = (out / "index.html").read_text()
    assert "Next sessions" in home and 'href="sessions/2.html"' in home and 'href="sessions/1.html"' not in home
    assert run_cli("build", str(root), "--out", str(out), "--today", "2027-02-01").exit_code == 0
    assert "ended on Wednesday, January 13, 2027" in (out / "index.html").read_text()
    assert run_cli("build", str(root), "--out", str(out), "--today", "2027-13-01").exit_code == 2


def test_other_group_days_move_every_output(bundled_copy: Path) -> None:
    yml = bundled_copy / "program.yml"
    text = yml.read_text().replace("days: [mon, tue, wed, thu]", "days: [tue, thu]").replace("day: mon", "day: tue")
    text = text.replace("day: wed", "day: thu")
    text = re.sub(r"\n  streams:\n(    .*\n)+", "\n", text)  # one rotation for the two days
    yml.write_text(text.replace("  skip: [2027-01-18, 2027-02-15, 2027-03-24]", "  skip: [2027-01-19]"))
    result = run(bundled_copy)
    assert result.ok, [p.format() for p in result.problems]
    files = {f.path: f.content for f in result.files}
    sessions = [p for p in files if p.startswith("sessions/")]
    assert len(sessions) == 32
    events = icalendar.Calendar.from_ical(files["schedule.ics"]).walk("VEVENT")
    assert len(events) == 32
    days = [ev.decoded("dtstart").date() for ev in events]
    assert all(d.weekday() in (1, 3) for d in days) and date(2027, 1, 19) not in days
    assert days[0] == date(2027, 1, 5)
    assert f'<time datetime="{days[3].isoformat()}">' in files["sessions/4.html"].decode()
    assert "Tue, Jan 5, 2027" in files["facilitator/orientation.html"].decode()
    assert "Thu, Jan 7, 2027" in files["facilitator/overdose-and-staying-alive.html"].decode()


def test_a_longer_session_moves_the_agenda_calendar_and_ics(make_curriculum: MakeCurriculum) -> None:
    prog = "title: T\nsession: {minutes: 120, start: '19:00'}\nschedule: {weeks: 1, days: [fri], first_date: 2027-01-08}\n"
    result = run(make_curriculum(program=prog))
    assert result.ok
    files = {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}
    assert "7:00 PM–9:00 PM" in files["schedule.html"]
    assert "8:55 PM–9:00 PM" in files["sessions/1.html"]
    [ev] = icalendar.Calendar.from_ical(files["schedule.ics"]).walk("VEVENT")
    assert ev.decoded("dtend") - ev.decoded("dtstart") == timedelta(minutes=120)


def test_without_a_first_date_sessions_say_week_and_day(make_curriculum: MakeCurriculum) -> None:
    mods = {"alpha": module_text("alpha"), "beta": module_text("beta")}
    result = run(make_curriculum(mods, program="title: T\nschedule: {weeks: 2, days: [mon, thu]}\n"))
    assert result.ok
    files = {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}
    assert "Week 2, Day 2 (Thursday), 6:00 PM–7:30 PM" in Html(files["sessions/4.html"]).plain
    assert "Day 2 (Thursday)" in files["schedule.html"]
    assert "Set schedule.first_date in program.yml" in files["schedule.html"]
    assert "Week 1, Day 1" in files["facilitator/alpha.html"]


def test_a_session_across_midnight_and_dst_shows_real_clock_times(make_curriculum: MakeCurriculum) -> None:
    prog = ("title: T\nsession: {minutes: 90, start: '00:30', clock: 24h}\n"
            "schedule: {weeks: 1, days: [sun], first_date: 2027-11-07, timezone: America/Chicago}\n")
    result = run(make_curriculum(program=prog))
    assert result.ok
    html = {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}["sessions/1.html"]
    doc = Html(html)
    assert "Sunday, November 7, 2027, 00:30–01:00 CDT/CST" in doc.plain
    agenda = [cells for cls, cells in doc.rows if len(cells) == 4 and cells[0] != "Time"]
    assert agenda[0][0] == "00:30–00:35" and agenda[-1][0].endswith("–01:00")


def test_a_stream_session_counts_the_cycles_of_its_own_day(make_curriculum: MakeCurriculum) -> None:
    mods = {i: module_text(i) for i in ("a", "b", "c")}
    prog = "title: T\nschedule: {weeks: 4, days: [mon, thu], streams: {mon: [a], thu: [b, c]}}\n"
    result = run(make_curriculum(mods, program=prog))
    assert result.ok, [p.format() for p in result.problems]
    files = {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}
    assert "Rotation cycle 4 of 4" in Html(files["sessions/7.html"]).plain  # Mondays: a, a, a, a
    assert "Rotation cycle 2 of 2" in Html(files["sessions/8.html"]).plain  # Thursdays: b, c, b, c
    assert "Mondays run their own rotation: A." in Html(files["schedule.html"]).plain


def test_a_skipped_first_week_is_week_1_of_the_calendar(make_curriculum: MakeCurriculum) -> None:
    """The skipped dates count their weeks as the sessions do, from the first date's week (the
    calendar once counted them from the first session's, so this one fell in a week 0)."""
    prog = "title: T\nschedule: {weeks: 2, days: [mon], first_date: 2027-01-04, skip: [2027-01-04]}\n"
    result = run(make_curriculum(program=prog))
    assert result.ok, [p.format() for p in result.problems]
    files = {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}
    doc = Html(files["schedule.html"])
    assert [cells[0] for cls, cells in doc.rows if cls == "skipped"] == ["Mon, Jan 4"]
    assert "Week 1: Jan 4–10, 2027" in doc.plain and "Week 0" not in doc.plain
    assert "Week 2 · Rotation cycle 1" in Html(files["sessions/1.html"]).plain
