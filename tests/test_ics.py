"""schedule.ics: RFC 5545 form, read back with the maintained `icalendar` parser."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import Settings, run

PROGRAM = """\
title: "Evening Group; Main St, Suite 2"
organization: Test Clinic
session:
  start: "{start}"
  minutes: 90
schedule:
  weeks: {weeks}
  days: [{days}]
  first_date: {first}
  timezone: {tz}
  group_size: 10
  extra_copies: 2
"""


def ics_of(root: Path, today: date | None = None) -> bytes:
    result = run(root, Settings(today=today))
    assert result.ok, [p.format() for p in result.problems]
    files = {f.path: f.content for f in result.files}
    return files["schedule.ics"]


def curriculum(make: MakeCurriculum, *, start: str = "18:00", weeks: int = 2, days: str = "mon, wed",
               first: str = "2027-01-04", tz: str = "America/Chicago", name: str = "cur") -> Path:
    mods = {"alpha": module_text("alpha", "Anger, Stress; and Café"), "beta": module_text("beta")}
    return make(mods, program=PROGRAM.format(start=start, weeks=weeks, days=days, first=first, tz=tz), name=name)


def events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_event_per_session_at_local_times_with_title_and_description(make_curriculum: MakeCurriculum) -> None:
    evs = events(ics_of(curriculum(make_curriculum)))
    assert len(evs) == 4
    starts = [e.decoded("dtstart") for e in evs]
    assert starts == [datetime(2027, 1, d, 18, 0, tzinfo=ZoneInfo("America/Chicago")) for d in (4, 6, 11, 13)]
    assert all(e.decoded("dtend") - e.decoded("dtstart") == timedelta(minutes=90) for e in evs)
    first = evs[0]
    assert str(first["summary"]) == "Anger, Stress; and Café"
    text = str(first["description"])
    assert "Objectives:\n- Name one thing.\n- Practise one thing." in text
    assert "Handouts to print (12 copies each):\n- Sheet for Anger, Stress; and Café" in text
    assert "6:00 PM–6:05 PM Opening" in text and "7:25 PM–7:30 PM Closing" in text
    assert "Session 1 of 4 · Week 1, Day 1" in text


def test_file_is_crlf_folded_and_starts_with_a_calendar(make_curriculum: MakeCurriculum) -> None:
    data = ics_of(curriculum(make_curriculum))
    assert data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in b"".join(lines)
    assert any(line.startswith(b" ") for line in lines)  # long descriptions are folded
    for line in lines:
        line.decode("utf-8")  # folding never splits a character


def test_uids_are_unique_and_stable_when_the_schedule_moves(make_curriculum: MakeCurriculum) -> None:
    before = events(ics_of(curriculum(make_curriculum, name="a")))
    after = events(ics_of(curriculum(make_curriculum, days="tue, thu", start="19:00", name="b")))
    uids = [str(e["uid"]) for e in before]
    assert len(set(uids)) == len(uids)
    assert [str(e["uid"]) for e in after] == uids
    assert [e.decoded("dtstart") for e in after][:2] == [
        datetime(2027, 1, 5, 19, 0, tzinfo=ZoneInfo("America/Chicago")),
        datetime(2027, 1, 7, 19, 0, tzinfo=ZoneInfo("America/Chicago")),
    ]


def test_another_program_gets_other_uids(make_curriculum: MakeCurriculum) -> None:
    one = events(ics_of(curriculum(make_curriculum, name="a")))
    root = curriculum(make_curriculum, name="b")
    (root / "program.yml").write_text((root / "program.yml").read_text().replace("Test Clinic", "Other Clinic"))
    two = events(ics_of(root))
    assert not {str(e["uid"]) for e in one} & {str(e["uid"]) for e in two}


def test_output_is_deterministic_and_dtstamp_comes_from_today(make_curriculum: MakeCurriculum) -> None:
    root = curriculum(make_curriculum)
    assert ics_of(root) == ics_of(root)
    assert all(e.decoded("dtstamp") == datetime(2027, 1, 4, tzinfo=UTC) for e in events(ics_of(root)))
    stamped = events(ics_of(root, today=date(2027, 2, 1)))
    assert all(e.decoded("dtstamp") == datetime(2027, 2, 1, tzinfo=UTC) for e in stamped)


def test_vtimezone_matches_the_zone_across_the_dst_change(make_curriculum: MakeCurriculum) -> None:
    data = ics_of(curriculum(make_curriculum, weeks=12, first="2027-02-01"))
    cal = icalendar.Calendar.from_ical(data)
    [vtz] = cal.walk("VTIMEZONE")
    assert str(vtz["tzid"]) == "America/Chicago"
    kinds = [c.name for c in vtz.subcomponents]
    assert kinds == ["STANDARD", "DAYLIGHT"]  # in force at the start, then the March change
    tz = vtz.to_tz()
    zone = ZoneInfo("America/Chicago")
    for e in cal.walk("VEVENT"):
        local = e.decoded("dtstart").replace(tzinfo=None)
        assert tz.utcoffset(local) == local.replace(tzinfo=zone).utcoffset(), local
        assert local.hour == 18
    offsets = {e.decoded("dtstart").utcoffset() for e in cal.walk("VEVENT")}
    assert offsets == {timedelta(hours=-6), timedelta(hours=-5)}


def test_zone_without_changes_gets_one_fixed_observance(make_curriculum: MakeCurriculum) -> None:
    cal = icalendar.Calendar.from_ical(ics_of(curriculum(make_curriculum, tz="America/Phoenix")))
    [vtz] = cal.walk("VTIMEZONE")
    [obs] = vtz.subcomponents
    assert obs.name == "STANDARD" and obs.decoded("tzoffsetto") == timedelta(hours=-7)


def test_a_session_ending_in_the_repeated_hour_keeps_its_real_length(make_curriculum: MakeCurriculum) -> None:
    # 2027-11-07 (a Sunday) in Chicago: 00:30 CDT + 90 minutes = 01:00 CST, the second 1:00.
    root = curriculum(make_curriculum, start="00:30", weeks=1, days="sun", first="2027-11-07")
    data = ics_of(root)
    [ev] = events(data)
    assert b"DURATION:PT1H30M" in data
    start = ev.decoded("dtstart")
    assert start.astimezone(UTC) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)
    assert ev.decoded("duration") == timedelta(minutes=90)


def test_a_session_across_midnight_ends_the_next_day(make_curriculum: MakeCurriculum) -> None:
    [ev, *_] = events(ics_of(curriculum(make_curriculum, start="23:30")))
    assert ev.decoded("dtend") == datetime(2027, 1, 5, 1, 0, tzinfo=ZoneInfo("America/Chicago"))


def test_no_calendar_file_without_a_first_date(make_curriculum: MakeCurriculum) -> None:
    result = run(make_curriculum(program="title: T\n"))
    assert result.ok
    paths = {f.path for f in result.files}
    assert "schedule.html" in paths and "sessions/1.html" in paths and "schedule.ics" not in paths


def test_long_lines_are_folded_without_splitting_a_character(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum({"alpha": module_text("alpha", "Café " * 30)},
                           program=PROGRAM.format(start="18:00", weeks=1, days="mon", first="2027-01-04",
                                                  tz="Europe/Berlin"))
    data = ics_of(root)
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # each folded piece is whole UTF-8 (raises if a character was split)
    [ev] = events(data)
    assert str(ev["summary"]) == ("Café " * 30).strip()
