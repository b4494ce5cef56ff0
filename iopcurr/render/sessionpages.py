"""Views and pages of the program calendar: `sessions/<n>.html`, `schedule.html` and the
events of `schedule.ics`; with them the night's pages of each session (runsheet.py: run sheet,
handout bundle, paperwork), `joining.html` and the calendar data of the Tonight card (tonight.py).

Pure: Curriculum + plans + Schedule → OutputFile[]. Clock times come from schedule.py, so a
session page shows the real times of its own date (across midnight and daylight-saving changes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from iopcurr.model import Curriculum, Handout, Module, OutputFile, Program, Schedule, Session, SessionPlan
from iopcurr.plan.checks import track_of
from iopcurr.plan.schedule import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    agenda_times,
    long_date,
    session_label,
    session_when,
    short_date,
    time_of,
)
from iopcurr.plan.thirds import clock
from iopcurr.render.i18n import Words, catalogue_words, english
from iopcurr.render.ics import EventText, calendar, event_text
from iopcurr.render.pages import GuideView, Link, SiteView, Theme, _render, guide_view, page_context, site_view
from iopcurr.render.runsheet import (
    PointsMemo,
    SheetTables,
    bundle_path,
    paperwork_path,
    render_sheets,
    run_path,
    timer_plan,
)
from iopcurr.render.tonight import (
    Grid,
    JoinWeek,
    Missed,
    TonightCard,
    fixed_card,
    grid,
    join_weeks,
    missed_at,
    sessions_js,
)

ICS_PATH = "schedule.ics"

# Shapes that tell tracks apart without colour (the track name is always written out as well).
TRACK_MARKS = ("●", "■", "▲", "◆", "★", "✚", "⬟", "▼")


@dataclass(frozen=True)
class TrackMark:
    title: str
    mark: str
    css: str  # class that gives the track its colour and border style


@dataclass(frozen=True)
class HandoutCopies:
    title: str
    url: str
    copies: int
    languages: tuple[tuple[str, str, int], ...] = ()  # (language, url, copies) of its translations (`handouts.copies`)


@dataclass(frozen=True)
class SessionView(GuideView):
    number: int
    count: int  # sessions in the program
    title: str
    module: Link
    track: TrackMark | None
    when: str
    date_iso: str  # "" without a first date
    timezone: str
    cycle: int
    cycles: int
    pinned: bool
    week: int
    handouts: tuple[HandoutCopies, ...]
    copies_note: str
    previous: Link | None
    next: Link | None
    held: str = ""  # why a pinned or repeated session is where it is
    run_url: str = ""
    bundle_url: str = ""
    paperwork_url: str = ""
    timer: str = ""  # the plan for the segment timer (runsheet.timer_plan)
    timer_key: str = ""
    clock: str = "12h"
    not_yet: tuple[Missed, ...] = ()  # what a member who joins at this session has not had


@dataclass(frozen=True)
class CalendarEntry:
    kind: str  # "session" or "skipped"
    label: str  # `Mon, Jan 4` or `Day 1 (Monday)`
    date_iso: str
    time: str
    number: int
    title: str
    url: str
    track: TrackMark | None
    cycle: int
    pinned: bool


@dataclass(frozen=True)
class CalendarWeek:
    number: int
    heading: str
    entries: tuple[CalendarEntry, ...]


@dataclass(frozen=True)
class ScheduleView:
    intro: str
    timezone: str
    weeks: tuple[CalendarWeek, ...]
    legend: tuple[TrackMark, ...]
    ics: str | None  # link to the calendar file, when there is one
    cycles: int
    rotation: int  # modules in one turn of the rotation
    skipped: tuple[str, ...]
    fixed: tuple[str, ...] = ()  # the repeated modules and the day streams, in words
    tonight: TonightCard | None = None  # fixed by --today; else the browser fills the card in
    grid: Grid | None = None


@dataclass(frozen=True)
class JoiningView:
    intro: str
    weeks: tuple[JoinWeek, ...]


def track_marks(cur: Curriculum) -> dict[str, TrackMark]:
    """Track id → its name, shape and style class, in track order."""
    return {
        t.id: TrackMark(t.title, TRACK_MARKS[i % len(TRACK_MARKS)], f"track-{i % len(TRACK_MARKS) + 1}")
        for i, t in enumerate(cur.program.tracks)
    }


def session_title(session: Session, module: Module, words: Words = english) -> str:
    return f"{words('session', 'Session')} {session.number}: {module.title}"


def _times(cur: Curriculum, session: Session, plan: SessionPlan) -> list[tuple[str, str]]:
    """Start and end clock time of every row of the plan, for this session's own date."""
    style = cur.program.session.clock
    if session.start is None:
        return [(clock(r.start, style), clock(r.end, style)) for r in plan.rows]
    return [(time_of(a, style), time_of(b, style)) for a, b in agenda_times(session.start, plan)]


@dataclass(frozen=True)
class Tables:
    """Lookups made once per build, not once per session."""

    modules: dict[str, Module]
    handouts: dict[str, Handout]
    marks: dict[str, TrackMark]
    memo: PointsMemo = field(default_factory=PointsMemo, compare=False)  # see runsheet.py

    @classmethod
    def of(cls, cur: Curriculum) -> Tables:
        return cls({m.id: m for m in cur.modules},
                   {h.id: h for m in cur.modules for h in m.handouts}, track_marks(cur))


def session_view(cur: Curriculum, plans: dict[str, SessionPlan | None], schedule: Schedule,
                 index: int, tables: Tables | None = None, words: Words = english) -> SessionView:
    t = tables or Tables.of(cur)
    session = schedule.sessions[index]
    modules, handouts_by_id, marks = t.modules, t.handouts, t.marks
    m = modules[session.module_id]
    plan = plans.get(m.id)
    p = cur.program
    per_language = dict(p.handouts.copies)
    copies = per_language.get(p.langs[0], p.schedule.group_size + p.schedule.extra_copies)
    handouts = tuple(HandoutCopies(handouts_by_id[h].title, f"../handouts/{h}.html", copies,
                                   tuple((lang, f"../handouts/{lang}/{h}.html", per_language[lang])
                                         for lang in p.langs[1:] if per_language.get(lang)))
                     for h in m.session_handouts if h in handouts_by_id)

    def link(i: int) -> Link | None:
        if not 0 <= i < len(schedule.sessions):
            return None
        other = schedule.sessions[i]
        return Link(session_title(other, modules[other.module_id], words), f"{other.number}.html",
                    session_label(other))

    track = track_of(p, m)
    times = _times(cur, session, plan) if plan else []
    return guide_view(
        SessionView, m, plan, p.session, times, words,
        number=session.number,
        count=len(schedule.sessions),
        title=m.title,
        module=Link(m.title, f"../facilitator/{m.id}.html"),
        track=marks.get(track) if track else None,
        when=session_when(session, p),
        date_iso=session.date.isoformat() if session.date else "",
        timezone=schedule.timezone,
        cycle=session.cycle,
        cycles=cycles_of(p, schedule, session),
        pinned=session.pinned,
        week=session.week,
        handouts=handouts,
        copies_note=(words("copies_per_language", "each language, as `handouts.copies` in program.yml sets them")
                     if per_language else words("copies_members", "{members} members and {new} new members").format(
                         members=p.schedule.group_size, new=p.schedule.extra_copies)),
        previous=link(index - 1),
        next=link(index + 1),
        held=held_reason(p, session.module_id),
        run_url=f"../{run_path(session.number)}" if plan else "",
        bundle_url=f"../{bundle_path(session.number)}" if plan else "",
        paperwork_url=f"../{paperwork_path(session.number)}" if plan else "",
        timer=timer_plan(plan) if plan else "",
        timer_key=f"session-{session.number}",
        clock=p.session.clock,
        not_yet=missed_at(cur, schedule, index),
    )


def cycles_of(program: Program, schedule: Schedule, session: Session) -> int:
    """How many times the rotation a session belongs to runs: its day's stream, or the rotation
    the days without a stream share."""
    streamed = {day for day, _ in program.schedule.streams}

    def same(s: Session) -> bool:
        return s.weekday == session.weekday if session.weekday in streamed else s.weekday not in streamed

    return max((s.cycle for s in schedule.sessions if not s.pinned and same(s)), default=1)


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


def _week_heading(number: int, days: list[date]) -> str:
    if not days:
        return f"Week {number}"
    monday = days[0] - timedelta(days=days[0].weekday())
    sunday = monday + timedelta(days=6)
    first = f"{MONTH_NAMES[monday.month - 1][:3]} {monday.day}"
    same = sunday.month == monday.month
    last = f"{sunday.day}" if same else f"{MONTH_NAMES[sunday.month - 1][:3]} {sunday.day}"
    return f"Week {number}: {first}–{last}, {sunday.year}"


def schedule_view(cur: Curriculum, schedule: Schedule, marks: dict[str, TrackMark],
                  today: date | None = None, *, pdf: bool = False) -> ScheduleView:
    p = cur.program
    style = p.session.clock
    modules = {m.id: m for m in cur.modules}
    by_week: dict[int, list[tuple[tuple[int, int], CalendarEntry]]] = {}
    dates: dict[int, list[date]] = {}
    start = p.session.start
    plain_time = f"{clock(start, style)}–{clock(start + p.session.minutes, style)}"
    for s in schedule.sessions:
        m = modules[s.module_id]
        track = track_of(p, m)
        if s.start is not None and s.end is not None and s.date is not None:
            label, when = short_date(s.date), f"{time_of(s.start, style)}–{time_of(s.end, style)}"
            key = (s.date.toordinal(), 0)
            dates.setdefault(s.week, []).append(s.date)
        else:
            label, when, key = f"Day {s.day} ({WEEKDAY_NAMES[s.weekday]})", plain_time, (s.day, 0)
        entry = CalendarEntry("session", label, s.date.isoformat() if s.date else "", when, s.number,
                              m.title, f"sessions/{s.number}.html", marks.get(track) if track else None,
                              s.cycle, s.pinned)
        by_week.setdefault(s.week, []).append((key, entry))
    first = schedule.sessions[0].date if schedule.sessions else None
    if first is not None:
        monday = first - timedelta(days=first.weekday())
        for d in schedule.skipped:
            week = (d - monday).days // 7 + 1
            entry = CalendarEntry("skipped", short_date(d), d.isoformat(), "", 0, "No group (skipped date)",
                                  "", None, 0, False)
            by_week.setdefault(week, []).append(((d.toordinal(), 1), entry))
            dates.setdefault(week, []).append(d)
    weeks = tuple(
        CalendarWeek(w, _week_heading(w, sorted(dates.get(w, []))),
                     tuple(e for _, e in sorted(by_week[w], key=lambda item: item[0])))
        for w in sorted(by_week)
    )
    n = len(schedule.sessions)
    names = [f"{WEEKDAY_NAMES[d]}s" for d in p.schedule.days]
    day_names = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if first is not None:
        last = schedule.sessions[-1].date
        assert last is not None
        intro = (f"{n} sessions, {day_names}, {plain_time}, from {long_date(first)} "
                 f"to {long_date(last)}.")
    else:
        intro = (f"{n} sessions over {p.schedule.weeks} weeks, {day_names}, {plain_time}. "
                 "Set schedule.first_date in program.yml to put dates on the calendar.")
    rotating = {s.module_id for s in schedule.sessions if not s.pinned}
    used = {track_of(p, modules[s.module_id]) for s in schedule.sessions}
    return ScheduleView(
        intro=intro,
        timezone=schedule.timezone,
        weeks=weeks,
        legend=tuple(mark for tid, mark in marks.items() if tid in used),
        ics="schedule.ics" if schedule.dated else None,
        cycles=schedule.cycles,
        rotation=len(rotating),
        skipped=tuple(long_date(d) for d in schedule.skipped),
        fixed=fixed_facts(cur),
        tonight=fixed_card(cur, schedule, today, pdf=pdf),
        grid=grid(cur, schedule, {k: (v.mark, v.css) for k, v in marks.items()}),
    )


def event_texts(cur: Curriculum, plans: dict[str, SessionPlan | None], schedule: Schedule,
                tables: Tables | None = None) -> list[EventText]:
    t = tables or Tables.of(cur)
    return [session_event(cur, plans, s, len(schedule.sessions), t) for s in schedule.sessions]


def session_event(cur: Curriculum, plans: dict[str, SessionPlan | None], session: Session, total: int,
                  tables: Tables) -> EventText:
    """The calendar event of one session (of `total`)."""
    m = tables.modules[session.module_id]
    track_titles = {t.id: t.title for t in cur.program.tracks}
    track = track_titles.get(track_of(cur.program, m) or "", "")
    handouts = [tables.handouts[h].title for h in m.session_handouts if h in tables.handouts]
    return event_text(cur.program, m, session, total, track, handouts, plans.get(m.id))


def render_calendar(cur: Curriculum, plans: dict[str, SessionPlan | None], schedule: Schedule,
                    theme: Theme, today: date | None = None, *, pdf: bool = False) -> Iterator[OutputFile]:
    """`schedule.html`, one page per session, and `schedule.ics` when the sessions have dates."""
    site = site_view(cur)
    tables = Tables.of(cur)
    view = schedule_view(cur, schedule, tables.marks, today, pdf=pdf)
    ctx = page_context(site, "Program schedule", "schedule", "schedule", [Link("Home", "index.html")])
    yield OutputFile("schedule.html", _render(theme, "schedule.html", ctx=ctx, site=site, root="", view=view))
    yield sessions_js(cur, schedule, pdf=pdf)
    yield render_joining(cur, schedule, theme, site)
    for i in range(len(schedule.sessions)):
        yield render_session(cur, plans, schedule, theme, i, tables, site)
        yield from render_session_extras(cur, plans, schedule, theme, i, tables, site)
    if schedule.dated:
        yield render_ics(cur, plans, schedule, tables, today)


def render_session(cur: Curriculum, plans: dict[str, SessionPlan | None], schedule: Schedule, theme: Theme,
                   index: int, tables: Tables, site: SiteView) -> OutputFile:
    """The page of session `schedule.sessions[index]`."""
    s = schedule.sessions[index]
    words = catalogue_words(theme.catalogues, site.language)
    sv = session_view(cur, plans, schedule, index, tables, words)
    title = session_title(s, tables.modules[s.module_id], words)
    ctx = page_context(site, title, "session", f"sessions/{s.number}",
                   [Link(words("home", "Home"), "../index.html"), Link(words("nav_schedule", "Program schedule"), "../schedule.html")])
    return OutputFile(f"sessions/{s.number}.html", _render(theme, "session.html", ctx=ctx, site=site, root="../", view=sv))


def render_session_extras(cur: Curriculum, plans: dict[str, SessionPlan | None], schedule: Schedule, theme: Theme,
                          index: int, tables: Tables, site: SiteView) -> Iterator[OutputFile]:
    """The run sheet, handout bundle, paperwork and group note of session `schedule.sessions[index]`."""
    s = schedule.sessions[index]
    words = catalogue_words(theme.catalogues, site.language)
    crumbs = [Link(words("home", "Home"), "../index.html"), Link(words("nav_schedule", "Program schedule"), "../schedule.html"),
              Link(f"{words('session', 'Session')} {s.number}", f"../sessions/{s.number}.html")]

    def page(template: str, path: str, title: str, view: object) -> bytes:
        kind = template.removesuffix(".html").replace("_", "-")
        ctx = page_context(site, title, kind, path.removesuffix(".html"), crumbs)
        return _render(theme, template, ctx=ctx, site=site, root="../", view=view)

    yield from render_sheets(cur, plans, schedule, index, page,
                             SheetTables(tables.modules, tables.handouts, tables.memo), words)


def render_joining(cur: Curriculum, schedule: Schedule, theme: Theme, site: SiteView) -> OutputFile:
    """`joining.html`: for a member who joins in week N, the modules they missed and when each
    comes round again."""
    intro = ("Members may join in any week. For a member who joins in a given week, this lists the "
             "modules the group has already had, and the next session that holds each one again.")
    view = JoiningView(intro, join_weeks(cur, schedule))
    ctx = page_context(site, "Joining mid-cycle", "joining", "joining",
                   [Link("Home", "index.html"), Link("Program schedule", "schedule.html")])
    return OutputFile("joining.html", _render(theme, "joining.html", ctx=ctx, site=site, root="", view=view))


def render_ics(cur: Curriculum, plans: dict[str, SessionPlan | None], schedule: Schedule, tables: Tables,
               today: date | None = None) -> OutputFile:
    """`schedule.ics` (the sessions must have dates)."""
    return OutputFile(ICS_PATH, calendar(cur.program, schedule, event_texts(cur, plans, schedule, tables), today))
