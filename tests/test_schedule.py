"""The schedule model: slots, skipped dates, rotation with restarts, pins, checks, and clock time
arithmetic across midnight and daylight-saving changes (pure; no files)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import MakeCurriculum, module_text

from iopcurr.errors import Problem
from iopcurr.model import Module, Program, Schedule, Session
from iopcurr.pipeline import run
from iopcurr.plan.schedule import agenda_times, build_schedule, local_span, session_when, upcoming
from iopcurr.plan.thirds import plan_module
from iopcurr.source.config import parse_program

CHICAGO = ZoneInfo("America/Chicago")


def module(ident: str, track: str | None = None) -> Module:
    return Module(ident, f"modules/{ident}.md", ident.title(), track, "", (), (), (), "", (), (), ())


def _of(sched: Schedule, module_id: str) -> list[Session]:
    return [s for s in sched.sessions if s.module_id == module_id]


def program(text: str) -> Program:
    prog, problems = parse_program(text)
    assert not problems, [p.format() for p in problems]
    return prog


def schedule_of(text: str, ids: list[str] | None = None,
                tracks: dict[str, str] | None = None) -> tuple[Schedule, list[Problem]]:
    mods = [module(i, (tracks or {}).get(i)) for i in (ids or ["a", "b", "c"])]
    return build_schedule(program(text), mods)


def summary(schedule: Schedule) -> list[tuple[int, int, str, int, bool]]:
    return [(s.week, s.day, s.module_id, s.cycle, s.pinned) for s in schedule.sessions]


# ---------------------------------------------------------------- slots and rotation


def test_without_first_date_sessions_are_week_and_day_and_rotation_restarts() -> None:
    sched, problems = schedule_of("schedule: {weeks: 2, days: [mon, thu]}\n", ["a", "b", "c"])
    assert not problems
    assert summary(sched) == [
        (1, 1, "a", 1, False), (1, 2, "b", 1, False), (2, 1, "c", 1, False), (2, 2, "a", 2, False)
    ]
    assert [s.date for s in sched.sessions] == [None] * 4
    assert [s.weekday for s in sched.sessions] == [0, 3, 0, 3]
    assert sched.cycles == 2 and not sched.dated


def test_a_pinned_module_takes_its_week_and_leaves_the_rotation() -> None:
    sched, problems = schedule_of("schedule: {weeks: 3, days: [mon, wed], pin: {c: 2}}\n")
    assert not problems
    assert summary(sched) == [
        (1, 1, "a", 1, False), (1, 2, "b", 1, False),
        (2, 1, "c", 1, True), (2, 2, "a", 2, False),
        (3, 1, "b", 2, False), (3, 2, "a", 3, False),
    ]
    assert [s.number for s in sched.sessions] == [1, 2, 3, 4, 5, 6]
    assert sched.cycles == 3


def test_two_pins_in_one_week_fill_its_sessions_in_order() -> None:
    sched, problems = schedule_of("schedule: {weeks: 2, days: [mon, wed], pin: {c: 1, b: 1}}\n")
    assert not problems
    assert [s.module_id for s in sched.sessions] == ["c", "b", "a", "a"]
    assert [s.cycle for s in sched.sessions] == [1, 1, 1, 2]


def test_rotate_orders_tracks_and_leaves_out_the_others_with_a_warning() -> None:
    text = (
        "tracks:\n"
        "  - {id: one, modules: [a, b]}\n"
        "  - {id: two, modules: [c]}\n"
        "  - {id: three, modules: [d]}\n"
        "schedule:\n"
        "  weeks: 1\n"
        "  days: [mon, tue, wed]\n"
        "  rotate: [two, one]\n"
    )
    sched, problems = schedule_of(text, ["a", "b", "c", "d"])
    assert [s.module_id for s in sched.sessions] == ["c", "a", "b"]
    assert [(p.severity, p.line) for p in problems] == [("warning", 8)]
    assert "`three` (d) are never scheduled" in problems[0].message


def test_rotate_naming_an_unknown_track_is_an_error_at_its_line() -> None:
    text = "tracks:\n  - {id: one, modules: [a, b, c]}\nschedule:\n  rotate:\n    - one\n    - tow\n"
    _, problems = schedule_of(text)
    assert [(p.code, p.line, p.severity) for p in problems] == [("IOP007", 6, "error")]
    assert "`tow`" in problems[0].message and "one" in problems[0].hint


def test_every_module_pinned_leaves_sessions_without_a_module() -> None:
    _, problems = schedule_of("schedule: {weeks: 2, days: [mon], pin: {a: 1}}\n", ["a"])
    assert len(problems) == 1 and problems[0].code == "IOP031"
    assert "none is left to rotate" in problems[0].message


# ---------------------------------------------------------------- dates and skipped dates


def test_skipped_dates_push_later_sessions_to_the_next_group_day() -> None:
    text = "schedule: {weeks: 2, days: [mon, wed], first_date: 2027-01-04, skip: [2027-01-06]}\n"
    sched, problems = schedule_of(text)
    assert not problems
    assert [s.date for s in sched.sessions] == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 13), date(2027, 1, 18)]
    assert [(s.week, s.day) for s in sched.sessions] == [(1, 1), (2, 1), (2, 2), (3, 1)]
    assert [s.module_id for s in sched.sessions] == ["a", "b", "c", "a"]  # the rotation is not skipped
    assert sched.skipped == ((date(2027, 1, 6), 1),)
    assert sched.dated


def test_a_first_date_that_is_not_a_group_day_starts_on_the_next_one() -> None:
    sched, problems = schedule_of("schedule: {weeks: 1, days: [tue, thu], first_date: 2027-01-03}\n")  # a Sunday
    assert not problems
    assert [s.date for s in sched.sessions] == [date(2027, 1, 5), date(2027, 1, 7)]
    assert [s.week for s in sched.sessions] == [1, 1]


def test_sessions_carry_their_local_start_and_end() -> None:
    sched, _ = schedule_of("session: {start: '18:00', minutes: 90}\n"
                           "schedule: {weeks: 1, days: [mon], first_date: 2027-01-04, timezone: America/Chicago}\n")
    s = sched.sessions[0]
    assert s.start == datetime(2027, 1, 4, 18, 0, tzinfo=CHICAGO)
    assert s.end == datetime(2027, 1, 4, 19, 30, tzinfo=CHICAGO)


def test_a_skip_date_outside_the_program_is_an_error_at_its_line() -> None:
    text = (
        "schedule:\n"
        "  weeks: 1\n"
        "  days: [mon, wed]\n"
        "  first_date: 2027-01-04\n"
        "  skip:\n"
        "    - 2027-01-06\n"
        "    - 2027-05-31\n"
        "    - 2026-12-28\n"
    )
    sched, problems = schedule_of(text)
    assert [s.date for s in sched.sessions] == [date(2027, 1, 4), date(2027, 1, 11)]
    assert sorted((p.line, p.code, p.severity) for p in problems) == [(7, "IOP031", "error"), (8, "IOP031", "error")]
    assert all("outside the program" in p.message and "2027-01-11" in p.message for p in problems)


def test_a_skip_date_on_no_group_day_is_a_warning() -> None:
    text = "schedule:\n  weeks: 1\n  days: [mon, wed]\n  first_date: 2027-01-04\n  skip: [2027-01-05]\n"
    sched, problems = schedule_of(text)
    assert [(p.line, p.severity) for p in problems] == [(5, "warning")]
    assert "Tuesday" in problems[0].message
    assert [s.date for s in sched.sessions] == [date(2027, 1, 4), date(2027, 1, 6)]


def test_skip_dates_without_a_first_date_are_an_error() -> None:
    _, problems = schedule_of("schedule:\n  skip: [2027-01-05]\n")
    assert [(p.line, p.code) for p in problems] == [(2, "IOP031")]
    assert "first_date" in problems[0].hint


# ---------------------------------------------------------------- pins


def test_a_pin_past_the_last_week_is_an_error_at_its_line() -> None:
    text = "schedule:\n  weeks: 4\n  pin:\n    c: 5\n"
    sched, problems = schedule_of(text)
    assert [(p.line, p.code) for p in problems] == [(4, "IOP031")]
    assert "week 5" in problems[0].message and "4 weeks" in problems[0].message
    assert "c" not in {s.module_id for s in sched.sessions}


def test_a_pin_naming_an_unknown_module_is_an_error() -> None:
    _, problems = schedule_of("schedule:\n  pin:\n    orientaton: 1\n")
    assert [(p.line, p.code) for p in problems] == [(3, "IOP007")]


def test_more_pins_than_sessions_in_a_week_is_an_error() -> None:
    _, problems = schedule_of("schedule:\n  days: [mon]\n  pin:\n    a: 1\n    b: 1\n")
    assert [(p.line, p.code) for p in problems] == [(5, "IOP031")]
    assert "no free session" in problems[0].message


def test_more_group_days_than_a_week_has_is_an_error_at_its_line() -> None:
    _, problems = parse_program("title: X\nschedule:\n  days: [mon, tue, wed, thu, fri, sat, sun, mon]\n")
    assert any(p.line == 3 and "a week has only 7" in p.message for p in problems)


# ---------------------------------------------------------------- checks that need the whole curriculum


def test_a_module_left_out_of_the_declared_tracks_is_an_error(make_curriculum: MakeCurriculum) -> None:
    prog = "title: T\ntracks:\n  - id: one\n    modules: [alpha]\n"
    root = make_curriculum({"alpha": module_text("alpha"), "beta": module_text("beta")}, program=prog)
    result = run(root)
    left = [p for p in result.problems if "left out" in p.message]
    assert len(left) == 1 and left[0].path.endswith("beta.md") and left[0].severity == "error"


def test_a_track_naming_an_unknown_module_is_an_error_at_its_program_line(make_curriculum: MakeCurriculum) -> None:
    prog = "title: T\ntracks:\n  - id: one\n    modules:\n      - alpha\n      - gamma\n"
    result = run(make_curriculum(program=prog))
    unknown = [p for p in result.problems if "gamma" in p.message]
    assert [(p.path.endswith("program.yml"), p.line, p.code) for p in unknown] == [(True, 6, "IOP007")]


def test_without_tracks_modules_rotate_in_file_name_order(make_curriculum: MakeCurriculum) -> None:
    mods = {i: module_text(i) for i in ("delta", "alpha", "charlie", "bravo")}
    result = run(make_curriculum(mods, program="title: T\nschedule: {weeks: 3, days: [mon, wed]}\n"))
    assert result.ok and result.schedule is not None
    assert [s.module_id for s in result.schedule.sessions] == [
        "alpha", "bravo", "charlie", "delta", "alpha", "bravo"]


# ---------------------------------------------------------------- time arithmetic


def test_a_session_across_midnight_ends_on_the_next_day() -> None:
    start, end = local_span(date(2027, 1, 4), 23 * 60, 90, "America/Chicago")
    assert (start.date(), start.hour, start.minute) == (date(2027, 1, 4), 23, 0)
    assert (end.date(), end.hour, end.minute) == (date(2027, 1, 5), 0, 30)


def test_a_session_across_spring_forward_lasts_its_real_length() -> None:
    # 2027-03-14 in Chicago: 2:00 CST becomes 3:00 CDT.
    start, end = local_span(date(2027, 3, 14), 60 + 30, 60, "America/Chicago")
    assert (start.hour, start.minute, start.tzname()) == (1, 30, "CST")
    assert (end.hour, end.minute, end.tzname()) == (3, 30, "CDT")
    utc = ZoneInfo("UTC")
    assert end.astimezone(utc) - start.astimezone(utc) == timedelta(minutes=60)


def test_a_start_the_clock_skips_moves_on_by_the_gap() -> None:
    start, end = local_span(date(2027, 3, 14), 2 * 60 + 30, 90, "America/Chicago")
    assert (start.hour, start.minute, start.tzname()) == (3, 30, "CDT")
    assert (end.hour, end.minute) == (5, 0)


def test_a_session_across_fall_back_ends_in_the_repeated_hour() -> None:
    # 2027-11-07 in Chicago: 2:00 CDT becomes 1:00 CST.
    start, end = local_span(date(2027, 11, 7), 30, 90, "America/Chicago")
    assert (start.hour, start.minute, start.tzname()) == (0, 30, "CDT")
    assert (end.hour, end.minute, end.tzname(), end.fold) == (1, 0, "CST", 1)
    assert start.astimezone(ZoneInfo("UTC")) + timedelta(minutes=90) == end.astimezone(ZoneInfo("UTC"))


def test_an_evening_session_keeps_its_local_time_across_the_change() -> None:
    before, _ = local_span(date(2027, 3, 11), 18 * 60, 90, "America/Chicago")
    after, _ = local_span(date(2027, 3, 15), 18 * 60, 90, "America/Chicago")
    assert (before.hour, after.hour) == (18, 18)
    assert before.utcoffset() == timedelta(hours=-6) and after.utcoffset() == timedelta(hours=-5)


def test_agenda_times_follow_the_clock_across_midnight_and_dst(make_curriculum: MakeCurriculum) -> None:
    prog = program("session: {start: '00:30', minutes: 90}\n")
    m = run(make_curriculum()).curriculum
    assert m is not None
    plan, _ = plan_module(m.modules[0], prog)
    assert plan is not None
    start, _ = local_span(date(2027, 11, 7), 30, 90, "America/Chicago")
    times = agenda_times(start, plan)
    assert times[0][0] == start
    assert times[-1][1].fold == 1 and (times[-1][1].hour, times[-1][1].minute) == (1, 0)
    real = [b.astimezone(ZoneInfo("UTC")) - a.astimezone(ZoneInfo("UTC")) for a, b in times]
    assert [int(r.total_seconds()) // 60 for r in real] == [r.minutes for r in plan.rows]
    late = program("session: {start: '23:00', minutes: 90}\n")
    plan, _ = plan_module(m.modules[0], late)
    assert plan is not None
    start, _ = local_span(date(2027, 1, 4), 23 * 60, 90, "America/Chicago")
    assert agenda_times(start, plan)[-1][1] == datetime(2027, 1, 5, 0, 30, tzinfo=CHICAGO)


def test_words_for_when_a_session_is() -> None:
    text = "session: {start: '23:00', minutes: 90}\nschedule: {weeks: 1, days: [mon]%s}\n"
    dated, _ = schedule_of(text % ", first_date: 2027-01-04, timezone: America/Chicago")
    prog = program(text % ", first_date: 2027-01-04, timezone: America/Chicago")
    assert session_when(dated.sessions[0], prog) == "Monday, January 4, 2027, 11:00 PM–12:30 AM (Tuesday) CST"
    undated, _ = schedule_of(text % "")
    assert session_when(undated.sessions[0], program(text % "")) == (
        "Week 1, Day 1 (Monday), 11:00 PM–12:30 AM (next day)")


def test_upcoming_counts_from_today_inclusive() -> None:
    sched, _ = schedule_of("schedule: {weeks: 2, days: [mon, wed], first_date: 2027-01-04}\n")
    assert [s.number for s in upcoming(sched, date(2027, 1, 6))] == [2, 3, 4]
    assert [s.number for s in upcoming(sched, date(2027, 1, 12), count=5)] == [4]
    assert upcoming(sched, date(2027, 2, 1)) == ()
    assert upcoming(sched, None) == ()


# ---------------------------------------------------------------- repeat and streams


TRACKS = """\
tracks:
  - {id: start, modules: [o, s]}
  - {id: early, modules: [e1, e2, e3]}
  - {id: later, modules: [l1, l2]}
"""
IDS = ["o", "s", "e1", "e2", "e3", "l1", "l2"]


def test_repeat_puts_a_module_in_the_first_session_of_every_nth_week() -> None:
    sched, problems = schedule_of(
        "schedule: {weeks: 5, days: [mon, thu], repeat: {a: 2}}\n", ["a", "b", "c"]
    )
    assert not problems
    assert [(s.week, s.day) for s in _of(sched, "a")] == [(1, 1), (3, 1), (5, 1)]
    assert all(s.pinned for s in _of(sched, "a"))
    assert [s.module_id for s in sched.sessions if not s.pinned] == ["b", "c", "b", "c", "b", "c", "b"]


def test_repeat_long_form_starts_later_and_keeps_to_its_day() -> None:
    text = "schedule:\n  weeks: 6\n  days: [mon, wed, thu]\n  repeat:\n    a: {every: 3, from: 2, day: wed}\n"
    sched, problems = schedule_of(text, ["a", "b", "c"])
    assert not problems
    assert [(s.week, s.weekday) for s in _of(sched, "a")] == [(2, 2), (5, 2)]


def test_a_repeat_whose_day_is_taken_moves_to_the_next_free_session_of_its_week() -> None:
    text = "schedule:\n  weeks: 2\n  days: [mon, wed, thu]\n  repeat:\n    a: 1\n    b: {every: 1, day: mon}\n"
    sched, problems = schedule_of(text, ["a", "b", "c"])
    assert not problems
    assert [(s.week, s.weekday, s.module_id) for s in sched.sessions if s.week == 1] == [
        (1, 0, "a"), (1, 2, "b"), (1, 3, "c")
    ]


def test_a_skipped_date_moves_a_repeat_within_its_week() -> None:
    text = ("schedule:\n  weeks: 3\n  days: [mon, wed]\n  first_date: 2027-01-04\n"
            "  skip: [2027-01-11]\n  repeat: {a: 1}\n")
    sched, problems = schedule_of(text, ["a", "b"])
    assert not problems
    # the skip pushes the last session into week 4, and the weekly repeat follows it there
    assert [s.date for s in _of(sched, "a")] == [
        date(2027, 1, 4), date(2027, 1, 13), date(2027, 1, 18), date(2027, 1, 25)
    ]


def test_streams_give_each_day_its_own_rotation_of_its_tracks() -> None:
    text = TRACKS + "schedule:\n  weeks: 4\n  days: [mon, wed]\n  streams: {mon: [early], wed: [start, later]}\n"
    sched, problems = schedule_of(text, IDS)
    assert not problems
    assert [s.module_id for s in sched.sessions if s.weekday == 0] == ["e1", "e2", "e3", "e1"]
    assert [s.module_id for s in sched.sessions if s.weekday == 2] == ["o", "s", "l1", "l2"]
    assert [s.cycle for s in sched.sessions if s.weekday == 0] == [1, 1, 1, 2]
    assert {(s.weekday, s.cycles) for s in sched.sessions} == {(0, 2), (2, 1)}  # each day's own rotation


def test_days_without_a_stream_share_the_rotation_without_the_streamed_modules() -> None:
    text = TRACKS + "schedule:\n  weeks: 3\n  days: [mon, thu]\n  streams: {thu: [early]}\n"
    sched, problems = schedule_of(text, IDS)
    assert not problems
    assert [s.module_id for s in sched.sessions if s.weekday == 0] == ["o", "s", "l1"]
    assert [s.module_id for s in sched.sessions if s.weekday == 3] == ["e1", "e2", "e3"]


def test_a_module_named_in_a_stream_leaves_the_streams_of_its_track() -> None:
    text = TRACKS + "schedule:\n  weeks: 2\n  days: [mon, wed]\n  streams: {mon: [e2, o], wed: [early, start, later]}\n"
    sched, problems = schedule_of(text, IDS)
    assert not problems
    assert [s.module_id for s in sched.sessions if s.weekday == 2] == ["e1", "e3"]


def test_repeated_modules_leave_the_streams_and_the_rotation() -> None:
    text = TRACKS + "schedule:\n  weeks: 2\n  days: [mon, wed]\n  repeat: {o: 1}\n  streams: {wed: [start]}\n"
    sched, problems = schedule_of(text, IDS)
    assert [p.severity for p in problems] == []
    assert [s.module_id for s in sched.sessions] == ["o", "s", "o", "s"]
    assert [s.pinned for s in sched.sessions] == [True, False, True, False]


def test_modules_in_no_stream_when_every_day_has_one_are_a_warning() -> None:
    text = TRACKS + "schedule:\n  weeks: 2\n  days: [mon]\n  streams: {mon: [early]}\n"
    _, problems = schedule_of(text, IDS)
    assert [(p.code, p.severity, p.line) for p in problems] == [("IOP031", "warning", 8)]
    assert "o, s, l1, l2" in problems[0].message


def test_a_stream_naming_an_unknown_track_hints_the_nearest() -> None:
    text = TRACKS + "schedule:\n  days: [mon, wed]\n  streams:\n    mon: [erly]\n    wed: [later]\n"
    _, problems = schedule_of(text, IDS)
    assert [(p.code, p.line, p.hint) for p in problems] == [("IOP007", 8, "Did you mean `early`?")]


def test_a_stream_on_a_day_without_group_is_an_error() -> None:
    text = TRACKS + "schedule:\n  days: [mon, wed]\n  streams:\n    fri: [early]\n"
    _, problems = schedule_of(text, IDS)
    assert [(p.code, p.line) for p in problems] == [("IOP031", 8)]
    assert "Friday" in problems[0].message


def test_a_misspelt_stream_day_or_repeat_key_is_unknown_with_a_hint() -> None:
    _, problems = parse_program("schedule:\n  streams:\n    mno: [x]\n  repeat:\n    o: {evry: 3}\n")
    assert sorted((p.line or 0, p.code, p.hint) for p in problems) == [
        (3, "IOP003", "Did you mean `mon`?"), (5, "IOP003", "Did you mean `every`?"), (5, "IOP005", ""),
    ]


def test_a_misspelt_schedule_key_hints_repeat_and_streams() -> None:
    _, problems = parse_program("schedule:\n  repaet: {o: 3}\n  stream: {mon: [x]}\n")
    assert [p.hint for p in problems] == ["Did you mean `repeat`?", "Did you mean `streams`?"]


def test_repeat_problems_name_their_line() -> None:
    text = ("schedule:\n  weeks: 4\n  days: [mon]\n  pin: {b: 1}\n  repeat:\n    nope: 2\n    b: 2\n"
            "    c: {every: 2, day: tue}\n    a: {every: 0}\n")
    prog, problems = parse_program(text)
    assert [(p.code, p.line) for p in problems] == [("IOP004", 9)]
    _, more = build_schedule(prog, [module(i) for i in ["a", "b", "c"]])
    assert [(p.code, p.line) for p in more] == [("IOP007", 6), ("IOP031", 7), ("IOP031", 8)]


def test_a_three_line_program_still_rotates_everything() -> None:
    sched, problems = schedule_of("title: T\norganization: O\nlanguage: en\n", ["a", "b"])
    assert not problems
    assert len(sched.sessions) == 36
    assert {s.module_id for s in sched.sessions} == {"a", "b"}


# ---------------------------------------------------------------- the bundled program's shape

FIRST_WEEKS = ("orientation", "overdose-and-staying-alive", "cravings", "medications-recovery",
               "lapse-relapse-plan")


def bundled_schedule() -> tuple[Program, Schedule]:
    from conftest import BUNDLED

    prog, problems = parse_program((BUNDLED / "program.yml").read_text("utf-8"))
    assert not problems, [p.format() for p in problems]
    mods = [module(ref, t.id) for t in prog.tracks for ref in t.modules]
    sched, problems = build_schedule(prog, mods)
    assert not problems, [p.format() for p in problems]
    return prog, sched


def test_bundled_every_join_week_meets_the_first_weeks_modules_within_three_weeks() -> None:
    _, sched = bundled_schedule()
    last = sched.sessions[-1].week
    for join in range(1, last - 1):
        met = {s.module_id for s in sched.sessions if join <= s.week < join + 3}
        missing = [m for m in FIRST_WEEKS if m not in met]
        assert not missing, f"a member joining in week {join} misses {missing}"


def test_bundled_orientation_recurs_every_third_week_with_overdose_in_the_same_week() -> None:
    _, sched = bundled_schedule()
    weeks = [s.week for s in _of(sched, "orientation")]
    assert weeks == list(range(1, sched.sessions[-1].week + 1, 3))
    assert [s.week for s in _of(sched, "overdose-and-staying-alive")] == weeks
    assert sched.sessions[0].module_id == "orientation"


def test_bundled_weekday_streams_run_their_tracks_in_order() -> None:
    prog, sched = bundled_schedule()
    fixed = {r.module_id for r in prog.schedule.repeat}
    assert dict(prog.schedule.streams).keys() == {1, 2, 3}  # Tuesday, Wednesday and Thursday
    for day, refs in prog.schedule.streams:
        tracks = {t.id: t.modules for t in prog.tracks}
        order = [m for ref in refs for m in tracks[ref] if m not in fixed]
        ran = [s.module_id for s in sched.sessions if s.weekday == day and not s.pinned]
        assert ran, f"the stream of day {day} never runs"
        assert ran == [order[i % len(order)] for i in range(len(ran))]
    streamed = {m for s in sched.sessions if not s.pinned for m in [s.module_id]}
    assert not streamed & fixed  # the first-weeks modules come only by `repeat`


def test_every_bundled_module_comes_round_within_the_calendar() -> None:
    prog, sched = bundled_schedule()
    scheduled = {s.module_id for s in sched.sessions}
    assert [m for t in prog.tracks for m in t.modules if m not in scheduled] == []


def test_a_repeat_starting_after_the_last_week_or_finding_a_full_week_is_an_error() -> None:
    text = "schedule:\n  weeks: 2\n  days: [mon]\n  pin: {a: 1}\n  repeat:\n    b: {every: 1, from: 3}\n    c: 1\n"
    sched, problems = schedule_of(text, ["a", "b", "c", "d"])
    assert [(p.code, p.line, p.message) for p in problems] == [
        ("IOP031", 6, "`b` is to start in week 3, but the program has 2 weeks."),
        ("IOP031", 7, "`c` is to repeat in week 1, which has no free session left."),
    ]
    assert [s.module_id for s in sched.sessions] == ["a", "c"]
