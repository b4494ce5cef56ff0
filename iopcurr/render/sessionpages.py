"""Views and pages of the program calendar: `sessions/<n>.html`, `schedule.html` and the
events of `schedule.ics`; with them the night's pages of each session (runsheet.py: run sheet,
handout bundle, paperwork), `joining.html` and the calendar data of the Tonight card (tonight.py).

Pure: Curriculum + plans + Schedule → OutputFile[]. Clock times come from schedule.py, so a
session page shows the real times of its own date (across midnight and daylight-saving changes).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from iopcurr.model import Curriculum, OutputFile, Program, Schedule, Session
from iopcurr.plan.checks import track_map, track_of
from iopcurr.plan.schedule import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    long_date,
    plain_time,
    session_label,
    session_when,
    short_date,
    time_of,
)
from iopcurr.render import runsheet, tonight
from iopcurr.render.i18n import Words
from iopcurr.render.ics import calendar
from iopcurr.render.pages import GuideView, Link, SiteContext, guide_view, page_context, render_page
from iopcurr.render.runsheet import HandoutItem, RunSheets
from iopcurr.render.tonight import Missed, TonightCard

# Shapes that tell tracks apart without colour (the track name is always written out as well).
TRACK_MARKS = ("●", "■", "▲", "◆", "★", "✚", "⬟", "▼")


@dataclass(frozen=True)
class TrackMark:
    title: str
    mark: str
    css: str  # class that gives the track its colour and border style


@dataclass(frozen=True)
class SessionView(GuideView):
    session: Session
    schedule: Schedule
    module: Link
    track: TrackMark | None
    when: str
    handouts: tuple[HandoutItem, ...]
    copies_note: str
    previous: Link | None
    next: Link | None
    held: str = ""  # why a pinned or repeated session is where it is
    timer: str = ""  # the plan for the segment timer (runsheet.timer_plan); "" without a plan
    clock: str = "12h"
    not_yet: tuple[Missed, ...] = ()  # what a member who joins at this session has not had


@dataclass(frozen=True)
class CalendarEntry:
    session: Session | None  # None: a skipped date
    label: str  # `Mon, Jan 4` or `Day 1 (Monday)`
    date_iso: str
    time: str
    title: str
    track: TrackMark | None
    weekday: int  # Monday = 0


@dataclass(frozen=True)
class CalendarWeek:
    number: int
    heading: str
    entries: tuple[CalendarEntry, ...]


@dataclass(frozen=True)
class ScheduleView:
    schedule: Schedule  # dated: with the calendar file, schedule.ics
    intro: str
    weeks: tuple[CalendarWeek, ...]
    legend: tuple[TrackMark, ...]
    rotation: int  # modules in one turn of the rotation
    skipped: tuple[str, ...]
    fixed: tuple[str, ...] = ()  # the repeated modules and the day streams, in words
    tonight: TonightCard | None = None  # fixed by --today; else the browser fills the card in
    grid: Grid | None = None


@dataclass(frozen=True)
class Grid:
    """The calendar as weeks × group days, to print on one page."""

    days: tuple[str, ...]  # column headings: group days
    time: str  # stated once
    weeks: tuple[tuple[int, tuple[CalendarEntry | None, ...]], ...]  # each week's number and its entry of each day


def track_marks(cur: Curriculum) -> dict[str, TrackMark]:
    """Track id → its name, shape and style class, in track order."""
    return {
        t.id: TrackMark(t.title, TRACK_MARKS[i % len(TRACK_MARKS)], f"track-{i % len(TRACK_MARKS) + 1}")
        for i, t in enumerate(cur.program.tracks)
    }


@dataclass(frozen=True)
class Calendar:
    """What the pages of the calendar are made from: the build's pages context (with `--today` and
    `--pdf`), its schedule and run sheets."""

    ctx: SiteContext
    schedule: Schedule
    sheets: RunSheets


def _copies_note(p: Program, words: Words) -> str:
    """What the number of copies of a session's handouts stands for."""
    if p.handouts.copies:
        return words("copies_per_language", "each language, as `handouts.copies` in program.yml sets them")
    return words("copies_members", "{members} members and {new} new members").format(
        members=p.schedule.group_size, new=p.schedule.extra_copies)


def _link(cal: Calendar, index: int) -> Link | None:
    """The session page of `schedule.sessions[index]`, if there is one."""
    if not 0 <= index < len(cal.schedule.sessions):
        return None
    other = cal.schedule.sessions[index]
    return Link(runsheet.session_title(other, cal.sheets.modules[other.module_id], cal.ctx.words),
                f"{other.number}.html", session_label(other))


def session_view(cal: Calendar, index: int) -> SessionView:
    p, words = cal.ctx.cur.program, cal.ctx.words
    session = cal.schedule.sessions[index]
    m = cal.sheets.modules[session.module_id]
    plan = cal.ctx.plans.get(m.id)
    return guide_view(
        SessionView, m, plan, p.session, runsheet.agenda_clock(cal.ctx.cur, session.start, plan) if plan else [], words,
        session=session,
        schedule=cal.schedule,
        module=Link(m.title, f"../facilitator/{m.id}.html"),
        track=track_marks(cal.ctx.cur).get(track_of(p, m) or ""),
        when=session_when(session, p),
        handouts=runsheet.handout_items(p, m, cal.sheets.handouts, "../"),
        copies_note=_copies_note(p, words),
        previous=_link(cal, index - 1),
        next=_link(cal, index + 1),
        held=held_reason(p, session.module_id),
        clock=p.session.clock,
        not_yet=tonight.missed_at(cal.ctx.cur, cal.schedule, index),
        timer=runsheet.timer_plan(plan) if plan else "",
    )


def held_reason(program: Program, module_id: str) -> str:
    """Why a pinned or repeated module is where it is, in words."""
    for rep in program.schedule.repeat:
        if rep.module_id == module_id:
            return (f"Comes back every {_weeks(rep.every)}, so that every member meets it soon "
                    "after joining")
    return "Held in this week every time the program runs"


def _weeks(n: int) -> str:
    return "week" if n == 1 else f"{n} weeks"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def fixed_facts(cur: Curriculum) -> tuple[str, ...]:
    """The repeated modules and the streams of the group days, as sentences for the calendar."""
    p = cur.program
    titles = {m.id: m.title for m in cur.modules} | {t.id: t.title for t in p.tracks}
    repeats = [
        f"{titles.get(r.module_id, r.module_id)} (every {_weeks(r.every)}"
        + (f" from week {r.start}" if r.start > 1 else "")
        + (f", {WEEKDAY_NAMES[r.day]}s" if r.day is not None else "")
        + ")"
        for r in p.schedule.repeat
    ]
    facts = [f"Repeated so that members who join later meet them too: {'; '.join(repeats)}."] if repeats else []
    facts += [
        f"{WEEKDAY_NAMES[day]}s run their own rotation: {_and([titles.get(ref, ref) for ref in refs])}."
        for day, refs in p.schedule.streams if day in p.schedule.days
    ]
    return tuple(facts)


def _week_heading(number: int, first: str) -> str:
    """`Week 3: Jan 18–24, 2027`: the Monday to Sunday of the week's `first` date, ISO (`Week 3` without one)."""
    if not first:
        return f"Week {number}"
    day = date.fromisoformat(first)
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    last = f"{sunday.day}" if sunday.month == monday.month else f"{MONTH_NAMES[sunday.month - 1][:3]} {sunday.day}"
    return f"Week {number}: {MONTH_NAMES[monday.month - 1][:3]} {monday.day}–{last}, {sunday.year}"


def calendar_weeks(cur: Curriculum, schedule: Schedule, marks: dict[str, TrackMark]) -> tuple[CalendarWeek, ...]:
    """The sessions and skipped dates of each week, in the order of their dates (or days)."""
    p = cur.program
    style = p.session.clock
    titles = {m.id: m.title for m in cur.modules}
    tracks = track_map(p, cur.modules)
    by_week: dict[int, list[CalendarEntry]] = {}
    for s in schedule.sessions:
        if s.start is not None and s.end is not None and s.date is not None:
            label, when = short_date(s.date), f"{time_of(s.start, style)}–{time_of(s.end, style)}"
        else:
            label, when = f"Day {s.day} ({WEEKDAY_NAMES[s.weekday]})", plain_time(p)
        by_week.setdefault(s.week, []).append(CalendarEntry(
            s, label, s.date.isoformat() if s.date else "", when, titles[s.module_id],
            marks.get(tracks[s.module_id] or ""), s.weekday))
    for d, week in schedule.skipped:  # (none without a first date)
        by_week.setdefault(week, []).append(
            CalendarEntry(None, short_date(d), d.isoformat(), "", "No group (skipped date)", None, d.weekday()))
    # The sessions come in schedule order; the skipped dates go between them (without dates there are none).
    weeks = {w: sorted(by_week[w], key=lambda e: e.date_iso) for w in sorted(by_week)}
    return tuple(CalendarWeek(w, _week_heading(w, entries[0].date_iso), tuple(entries)) for w, entries in weeks.items())


def grid(program: Program, weeks: tuple[CalendarWeek, ...]) -> Grid:
    """The weeks of the calendar as rows of the group days (None: no entry that day)."""
    days = program.schedule.days
    return Grid(tuple(WEEKDAY_NAMES[d] for d in days), plain_time(program),
                tuple((w.number, tuple(next((e for e in w.entries if e.weekday == d), None) for d in days))
                      for w in weeks))


def _intro(cur: Curriculum, schedule: Schedule) -> str:
    p = cur.program
    n = len(schedule.sessions)
    days = _and([f"{WEEKDAY_NAMES[d]}s" for d in p.schedule.days])
    first = schedule.sessions[0].date if schedule.sessions else None
    if first is None:
        return (f"{n} sessions over {p.schedule.weeks} weeks, {days}, {plain_time(p)}. "
                "Set schedule.first_date in program.yml to put dates on the calendar.")
    last = schedule.sessions[-1].date
    assert last is not None
    return f"{n} sessions, {days}, {plain_time(p)}, from {long_date(first)} to {long_date(last)}."


def schedule_view(cal: Calendar) -> ScheduleView:
    cur, schedule, marks = cal.ctx.cur, cal.schedule, track_marks(cal.ctx.cur)
    tracks = track_map(cur.program, cur.modules)
    used = {tracks[s.module_id] for s in schedule.sessions}
    weeks = calendar_weeks(cur, schedule, marks)
    return ScheduleView(
        schedule=schedule,
        intro=_intro(cur, schedule),
        weeks=weeks,
        legend=tuple(mark for tid, mark in marks.items() if tid in used),
        rotation=len({s.module_id for s in schedule.sessions if not s.pinned}),
        skipped=tuple(long_date(d) for d, _ in schedule.skipped),
        fixed=fixed_facts(cur),
        tonight=tonight.fixed_card(cur, schedule, cal.ctx.today, pdf=cal.ctx.pdf),
        grid=grid(cur.program, weeks),
    )


def _crumbs(words: Words, *more: Link) -> list[Link]:
    return [Link(words("home", "Home"), "../index.html"), Link(words("nav_schedule", "Program schedule"), "../schedule.html"),
            *more]


def _page(cal: Calendar, template: str, path: str, title: str, view: object, crumbs: Sequence[Link]) -> OutputFile:
    """A page of the calendar at site path `path` (of the kind its template names)."""
    kind = template.removesuffix(".html").replace("_", "-")
    ctx = page_context(cal.ctx.site, title, kind, path.removesuffix(".html"), crumbs)
    return render_page(cal.ctx, template, path, ctx, view).file


def render_calendar(cal: Calendar) -> Iterator[OutputFile]:
    """`schedule.html`, `joining.html` (for a member who joins in week N, the modules they missed
    and when each comes round again), one page per session, and `schedule.ics` when the sessions have dates."""
    cur, schedule, home = cal.ctx.cur, cal.schedule, Link("Home", "index.html")
    yield _page(cal, "schedule.html", "schedule.html", "Program schedule", schedule_view(cal), [home])
    yield tonight.sessions_js(cur, schedule, pdf=cal.ctx.pdf)
    yield _page(cal, "joining.html", "joining.html", "Joining mid-cycle", tonight.join_weeks(cur, schedule),
                [home, Link("Program schedule", "schedule.html")])
    for i in range(len(schedule.sessions)):
        yield from render_session(cal, i)
    if schedule.dated:
        yield OutputFile("schedule.ics", calendar(cur.program, schedule, cal.sheets.modules, cal.sheets.handouts,
                                                  cal.ctx.plans, cal.ctx.today))


def render_session(cal: Calendar, index: int) -> Iterator[OutputFile]:
    """The page of session `schedule.sessions[index]`, then its run sheet, handout bundle, paperwork and group note."""
    s, words = cal.schedule.sessions[index], cal.ctx.words
    title = runsheet.session_title(s, cal.sheets.modules[s.module_id], words)
    yield _page(cal, "session.html", f"sessions/{s.number}.html", title, session_view(cal, index), _crumbs(words))
    sheet = runsheet.session_sheet(cal.ctx.cur, cal.ctx.plans, cal.schedule, index, cal.sheets, words)
    if sheet is None:
        return
    crumbs = _crumbs(words, Link(f"{words('session', 'Session')} {s.number}", f"../sessions/{s.number}.html"))
    for path, template, title, view in runsheet.sheet_pages(sheet, cal.sheets, words):
        yield _page(cal, template, path, title, view, crumbs)
    yield runsheet.note_file(sheet, cal.ctx.cur.program.title)
