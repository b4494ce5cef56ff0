"""The facilitator's night, per session: a one-page run sheet, the session's handouts in one
printable bundle, and the paperwork of a group (sign-in sheet, group-note stub, fidelity
checklist, and the group note as plain text).

Pure: Curriculum + plans + Schedule → views → OutputFile[]. The core points of each segment (the
first line of each script, the discussion questions, the role plays, the home assignment) are
read when the module is converted (`source/points.py`); `run_sheets` gathers them once per build,
for both the page-length check and the pages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from markupsafe import Markup

from iopcurr.errors import Problem
from iopcurr.model import Curriculum, Handout, Module, OutputFile, Points, Program, Schedule, Session, SessionPlan
from iopcurr.plan.safety import without_controls
from iopcurr.plan.schedule import agenda_times, session_when, time_of
from iopcurr.plan.thirds import PART_NAMES, clock
from iopcurr.render.htmlfrag import Document, bind_tags, scan
from iopcurr.render.i18n import Words
from iopcurr.render.ics import track_title
from iopcurr.source.markup import LABELS

# How much fits on one printed run sheet (see print.css, "Run sheet"): lines of about
# LINE_CHARS characters, LINE_BUDGET of them on a Letter or A4 page once the heading, agenda,
# handouts and notes box are set. Calibrated with tests/test_night_print.py, which prints every
# bundled run sheet in Chromium and counts the pages.
LINE_CHARS = 125
LINE_BUDGET = 58
FIXED_LINES = 10  # title, date, agenda heading and head row, handouts heading, notes box


# ---------------------------------------------------------------- where the pages go


def night_paths(n: int) -> tuple[str, str, str]:
    """The run sheet of session `n`, its handout bundle (every handout, to print at once) and its
    paperwork (sign-in sheet, group note and fidelity checklist)."""
    return f"runsheets/{n}.html", f"bundles/{n}.html", f"paperwork/{n}.html"


def core_only(points: tuple[Points, ...]) -> tuple[Points, ...]:
    """The points as the run sheet lists them: only the core questions when the module marks
    any, and only the core role plays when it marks any."""
    questions = any(p.core_questions for p in points)
    roleplays = any(p.core_roleplays for p in points)
    return tuple(replace(p, questions=p.core_questions if questions else p.questions,
                         roleplays=p.core_roleplays if roleplays else p.roleplays) for p in points)


def module_homework(points: tuple[Points, ...]) -> tuple[str, ...]:
    """The home assignment of a module (the points of its segments), in segment order."""
    return tuple(h for p in points for h in p.homework)


@dataclass(frozen=True)
class RunSheets:
    """What the run sheets of a build are made from, worked out once (the pipeline hands it to
    rendering): modules and handouts by id, the points of the segments of every scheduled module
    (read from their HTML), and a warning for each module whose run sheet would not print on one page."""

    modules: dict[str, Module]
    handouts: dict[str, Handout]
    points: dict[str, tuple[Points, ...]]
    problems: tuple[Problem, ...] = ()


# ---------------------------------------------------------------- views


@dataclass(frozen=True)
class Row:
    start: str
    end: str
    minutes: int
    part: str
    title: str
    kind: str  # opening, segment or closing
    anchor: str | None = None  # the section of the guide it links to


@dataclass(frozen=True)
class SegmentSheet:
    title: str
    time: str
    minutes: int
    part: str
    points: Points


@dataclass(frozen=True)
class HandoutItem:
    """A handout to print for a session (its run sheet, bundle and page, and the Tonight card)."""

    id: str
    title: str
    url: str  # from the page that lists it
    copies: int
    html: str = ""  # its page (Markup), in the bundle
    languages: tuple[tuple[str, str, int], ...] = ()  # (language, url, copies) of its translations (`handouts.copies`)


def handout_items(p: Program, m: Module, handouts: Mapping[str, Handout], root: str = "") -> tuple[HandoutItem, ...]:
    """The handouts a session of `m` prints, linked from `root` (the site root, or "../"), with the
    copies of each language `handouts.copies` sets (else the group size and the extra copies)."""
    per_language = dict(p.handouts.copies)
    return tuple(HandoutItem(h, handouts[h].title, f"{root}handouts/{h}.html", p.handout_copies,
                             languages=tuple((lang, f"{root}handouts/{lang}/{h}.html", per_language[lang])
                                             for lang in p.langs[1:] if per_language.get(lang)))
                 for h in m.session_handouts if h in handouts)


@dataclass(frozen=True)
class SessionSheet:
    """One session as the run sheet, the handout bundle and the paperwork show it."""

    number: int
    count: int
    title: str
    track: str
    when: str
    date_iso: str
    minutes: int
    rows: tuple[Row, ...]  # from the opening's start to the closing's end
    segments: tuple[SegmentSheet, ...]
    handouts: tuple[HandoutItem, ...]
    copies: int  # of each handout (in the source language)
    members: int  # rows of the sign-in sheet: the group size and the extra copies
    objectives: tuple[str, ...]
    homework: tuple[str, ...]
    collect: str  # what to collect: the last session's home assignment, or ""
    collect_from: str  # which session set it
    timer: str  # the timer's plan as data attributes want it (timer_plan)
    clock: str  # 12h or 24h
    core: bool = False  # the module marks its core: only core questions and role plays are listed


def agenda_clock(cur: Curriculum, start: datetime | None, plan: SessionPlan) -> list[tuple[str, str]]:
    """Start and end clock time of every row of the plan, on the date of a session that starts
    at `start` (None: the plan's own clock, as program.yml sets the start)."""
    style = cur.program.session.clock
    if start is None:
        return [(clock(r.start, style), clock(r.end, style)) for r in plan.rows]
    return [(time_of(a, style), time_of(b, style)) for a, b in agenda_times(start, plan)]


def plan_rows(plan: SessionPlan, times: Sequence[tuple[str, str]], words: Words) -> tuple[Row, ...]:
    """The rows of `plan` from `times` (the start and end of each row, as the page shows them),
    their parts named in `words`."""
    return tuple(Row(a, b, r.minutes, words(f"part_{r.part}", PART_NAMES[r.part]) if r.part else "", r.title, r.kind,
                     r.anchor)
                 for r, (a, b) in zip(plan.rows, times, strict=True))


def timer_plan(plan: SessionPlan) -> str:
    """The plan as the segment timer (night.js) reads it: `kind|part|minutes|title` per row,
    one row a line (a data attribute; no script in the page)."""
    return "\n".join(f"{r.kind}|{r.part or 0}|{r.minutes}|{' '.join(r.title.replace('|', '/').split())}"
                     for r in plan.rows)


def session_title(session: Session, module: Module, words: Words) -> str:
    return f"{words('session', 'Session')} {session.number}: {module.title}"


def _homework_before(schedule: Schedule, index: int, sheets: RunSheets) -> tuple[str, ...]:
    """The home assignment to collect at `schedule.sessions[index]`: that of the session before."""
    return module_homework(sheets.points[schedule.sessions[index - 1].module_id]) if index else ()


def session_sheet(cur: Curriculum, plans: Mapping[str, SessionPlan | None], schedule: Schedule,
                  index: int, sheets: RunSheets, words: Words) -> SessionSheet | None:
    """The sheet of `schedule.sessions[index]`; None when its module has no plan (`words`: the
    interface words of the program's language). Its handouts are titles; the bundle adds their pages."""
    s = schedule.sessions[index]
    m = sheets.modules[s.module_id]
    plan = plans.get(m.id)
    if plan is None:
        return None
    p = cur.program
    rows = plan_rows(plan, agenda_clock(cur, s.start, plan), words)
    untitled = LABELS["roleplay"]  # the name of a role play without a title: its label, in the page's words

    def named(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(words("block_roleplay", untitled) if name == untitled else name for name in names)

    points = tuple(replace(pts, roleplays=named(pts.roleplays), core_roleplays=named(pts.core_roleplays))
                   for pts in sheets.points[m.id])
    shown = core_only(points)
    segments = tuple(SegmentSheet(seg.title, f"{r.start}–{r.end}", r.minutes, r.part, pts)
                     for seg, r, pts in zip(m.segments, [r for r in rows if r.kind == "segment"], shown, strict=True))
    handouts = handout_items(p, m, sheets.handouts, "../")
    collect = _homework_before(schedule, index, sheets)
    before = schedule.sessions[index - 1]  # (named only when there is something to collect)
    return SessionSheet(
        number=s.number, count=len(schedule.sessions), title=m.title, track=track_title(p, m),
        when=session_when(s, p), date_iso=s.date.isoformat() if s.date else "", minutes=plan.total, rows=rows,
        segments=segments, handouts=handouts, copies=p.handout_copies,
        members=p.schedule.group_size + p.schedule.extra_copies, objectives=m.objectives, homework=module_homework(points),
        collect=" ".join(collect), collect_from=session_title(before, sheets.modules[before.module_id], words) if collect else "",
        timer=timer_plan(plan), clock=p.session.clock, core=shown != points,
    )


# ---------------------------------------------------------------- will it fit one page?


def _lines(text: str, indent: int = 0) -> int:
    return max(1, math.ceil(len(text) / (LINE_CHARS - indent)))


def sheet_lines(plan: SessionPlan, handouts: int, collect: str, shown: tuple[Points, ...]) -> tuple[int, tuple[int, ...]]:
    """Estimated printed lines of a run sheet: the lines every sheet takes (heading, agenda,
    `handouts`, what to `collect`, notes box), and the lines of each segment (its points as `shown`)."""
    fixed = FIXED_LINES + len(plan.rows) + handouts + (_lines(collect, 20) if collect else 0)
    return fixed, tuple(1 + sum(_lines(t, 6) for t in p.says) + sum(_lines(t, 4) for t in p.questions)
                        + (1 if p.roleplays else 0) + (_lines(" ".join(p.homework), 18) if p.homework else 0)
                        for p in shown)


def run_sheets(cur: Curriculum, plans: dict[str, SessionPlan | None], schedule: Schedule) -> RunSheets:
    """The points of the scheduled modules, and a warning for each module whose run sheet would
    not print on one page in one of its sessions, naming the segment with the most to say (a
    heuristic: see LINE_BUDGET). The estimate does not depend on the page's language, so the
    sheets themselves are made once, in the page's words, when the pages are rendered."""
    scheduled = {s.module_id for s in schedule.sessions}
    points = {m.id: tuple(seg.points for seg in m.segments) for m in cur.modules if m.id in scheduled}
    sheets = RunSheets({m.id: m for m in cur.modules}, {h.id: h for m in cur.modules for h in m.handouts}, points)
    longest: dict[str, tuple[int, tuple[int, ...]]] = {}
    for i, s in enumerate(schedule.sessions):
        m, plan = sheets.modules[s.module_id], plans.get(s.module_id)
        if plan is None:
            continue
        handouts = len(handout_items(cur.program, m, sheets.handouts))
        collect = " ".join(_homework_before(schedule, i, sheets))
        fixed, segments = sheet_lines(plan, handouts, collect, core_only(points[m.id]))
        total = fixed + sum(segments)
        if total > LINE_BUDGET and total > longest.get(m.id, (0,))[0]:
            longest[m.id] = (total, segments)
    return replace(sheets, problems=tuple(_too_long(sheets.modules[mid], core_only(points[mid]), *found)
                                          for mid, found in longest.items()))


def _too_long(m: Module, shown: tuple[Points, ...], total: int, segments: tuple[int, ...]) -> Problem:
    """IOP030 for a module whose run sheet needs `total` lines, naming its longest segment."""
    worst, lines = max(enumerate(segments), key=lambda item: item[1])
    seg, listed = m.segments[worst], shown[worst]
    what = "discussion questions" if len(listed.questions) >= len(listed.says) else "script openings"
    return Problem(
        m.path, seg.line,
        f"the run sheet of `{m.id}` needs about {total} lines, more than the {LINE_BUDGET} of one printed "
        f"page; segment {seg.title!r} takes {lines}.",
        "IOP030", "warning",
        f"Shorten the {what} of {seg.title!r} (fewer or shorter), or move some into a facilitator note.",
    )


# ---------------------------------------------------------------- the group note as plain text


def note_file(sheet: SessionSheet, program_title: str) -> OutputFile:
    """The group-note stub of one session for an EHR, as plain text beside its paperwork page
    (paperwork/<n>.txt): no client data."""
    out = [
        f"GROUP NOTE: {program_title}",
        f"Session {sheet.number} of {sheet.count}: {sheet.title}",
        f"Date and time: {sheet.when}",
        f"Start: {sheet.rows[0].start}   End: {sheet.rows[-1].end}   Minutes: {sheet.minutes}",
        f"Track: {sheet.track}" if sheet.track else "",
        "",
        f"Topic: {sheet.title}",
        "",
        "Objectives:",
        *(f"- {o}" for o in sheet.objectives),
        "",
        "Interventions by segment:",
    ]
    for seg in sheet.segments:
        out.append(f"- {seg.time} ({seg.minutes} min, {seg.part}): {seg.title}")
        if seg.points.roleplays:
            out.append(f"  Role play: {'; '.join(seg.points.roleplays)}")
        if seg.points.questions:
            out.append(f"  Discussion: {len(seg.points.questions)} questions")
    out += ["", "Home assignment:", *(f"- {h}" for h in sheet.homework or ("None set.",)), "",
            "Handouts given: " + ("; ".join(h.title for h in sheet.handouts) or "none"), "",
            "Members present: ____   Facilitator: ______________________   Signature: ______________", ""]
    text = "\n".join(line for i, line in enumerate(out) if line or (i and out[i - 1]))
    return OutputFile(f"paperwork/{sheet.number}.txt", without_controls(text).encode("utf-8"))


# ---------------------------------------------------------------- rendering


def sheet_pages(sheet: SessionSheet, sheets: RunSheets, words: Words) -> tuple[tuple[str, str, str, object], ...]:
    """(path, template, title, view) of the run sheet, handout bundle and paperwork of one session;
    the bundle's view has the pages of its handouts, to print them at once."""
    run, bundle, paperwork = night_paths(sheet.number)
    of = f"{words('session_lower', 'session')} {sheet.number}, {sheet.title}"  # "session 5, Cravings"
    pages = tuple(replace(h, html=Markup(bind_tags(html := sheets.handouts[h.id].html, scan(html), 1, "",
                                                   f"handouts/{h.id}.html", Document(bundle, {}, {}))))
                  for h in sheet.handouts)
    return ((run, "runsheet.html", f"{words('run_sheet', 'Run sheet')}: {of}", sheet),
            (bundle, "session_handouts.html", f"{words('handouts', 'Handouts')}: {of}", replace(sheet, handouts=pages)),
            (paperwork, "paperwork.html", f"{words('paperwork', 'Paperwork')}: {of}", sheet))
