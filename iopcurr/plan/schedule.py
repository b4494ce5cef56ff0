"""The program calendar: the schedule settings of program.yml + the ordered modules → Schedule.

First the slots: `weeks` × group days, from the first date on (a skipped date pushes every later
session on to the next group day) or, without a first date, "Week w, Day d". Then every pinned
module takes the first free slot of its week, and every repeated module its day (or the next free
slot) of every N-th week. The other slots follow a rotation, starting over (a new cycle) whenever
it runs out: open enrollment. A group day with a stream of its own (`schedule.streams`, the Matrix
model) runs its own rotation of its tracks; the other days share the rotation of `rotate`.

Clock times are real elapsed time in the program's time zone: a session that crosses midnight
ends on the next day, and one that spans a daylight-saving change ends when it really ends.
Everything here is pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from iopcurr.errors import Problem, Severity, did_you_mean
from iopcurr.model import Module, Program, Repeat, Schedule, Session, SessionPlan
from iopcurr.plan.checks import track_map
from iopcurr.plan.thirds import clock

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


@dataclass(frozen=True)
class _Slot:
    week: int
    day: int  # 1-based index of the group day within the week
    weekday: int  # Monday = 0
    date: date | None


def build_schedule(program: Program, modules: Sequence[Module]) -> tuple[Schedule, list[Problem]]:
    """Every session of the program, with the problems of the schedule settings.

    `modules` are in program order (see checks.order_modules): by track, or without tracks by
    file name.
    """
    s = program.schedule
    if not modules:
        return Schedule((), (), s.timezone, 0), []
    slots, skipped, problems = _slots(program)
    pinned, more = _pins(program, modules, slots)
    problems += more
    pinned, more = _repeats(program, modules, slots, pinned)
    problems += more
    fixed = {m for m, _ in s.pin} | {r.module_id for r in s.repeat}
    streams, more = _streams(program, modules, fixed)
    problems += more
    rotation, more = _shared_rotation(program, modules, fixed, streams)
    problems += more
    sessions = _sessions(program, slots, pinned, streams, rotation)
    if len(sessions) < len(slots):  # (only the shared rotation can be empty: a stream without modules is none)
        problems.append(_problem(
            program, "schedule.rotate" if program.line_of("schedule.rotate") else "schedule.pin",
            f"{len(slots) - len(sessions)} sessions have no module: every module is pinned, repeated or in a "
            "stream, none is left to rotate.",
            hint="Unpin a module, add tracks to `schedule.rotate`, or give every group day a stream.",
        ))
    return Schedule(sessions, tuple(skipped), s.timezone, max((x.cycle for x in sessions), default=1)), problems


def _sessions(
    program: Program, slots: Sequence[_Slot], pinned: dict[int, str], streams: dict[int, list[str]], rotation: list[str]
) -> tuple[Session, ...]:
    """The filled slots as numbered sessions. A free slot on a day with a stream takes the next
    module of that stream, the other free slots the next of the shared rotation, each starting
    over (a new cycle) when it runs out; a pinned session counts in the cycle before it, and
    each session says how many cycles its own rotation (its day's stream, or the shared one) runs."""
    sessions: list[Session] = []
    lanes = {day: day for day in streams}  # a day with a stream runs a lane of its own; the other days share None
    turns: Counter[int | None] = Counter()
    cycle = 1
    for i, slot in enumerate(slots):
        lane = lanes.get(slot.weekday)
        order = rotation if lane is None else streams[lane]
        if i in pinned:
            module_id = pinned[i]
        elif order:
            k = turns[lane]
            turns[lane] += 1
            module_id, cycle = order[k % len(order)], k // len(order) + 1
        else:
            continue
        start, end = (None, None) if slot.date is None else local_span(
            slot.date, program.session.start, program.session.minutes, program.schedule.timezone)
        sessions.append(Session(
            number=len(sessions) + 1, week=slot.week, day=slot.day, date=slot.date,
            module_id=module_id, cycle=cycle, pinned=i in pinned, weekday=slot.weekday,
            start=start, end=end,
        ))
    last = {lanes.get(s.weekday): s.cycle for s in sessions if not s.pinned}  # (cycles only grow)
    return tuple(replace(s, cycles=last.get(lanes.get(s.weekday), 1)) for s in sessions)


def _slots(program: Program) -> tuple[list[_Slot], list[tuple[date, int]], list[Problem]]:
    """The session slots in order, the skipped group days with their weeks, and the problems of
    `schedule.skip`."""
    s = program.schedule
    days = s.days
    total = s.weeks * len(days)
    if s.first_date is None:
        problems = [_problem(
            program, key, f"skipped date {d.isoformat()} needs a first date to fall on.",
            hint="Set `schedule.first_date`, or remove `schedule.skip`.",
        ) for d, key in s.skip]
        n = len(days)
        return [_Slot(i // n + 1, i % n + 1, days[i % n], None) for i in range(total)], [], problems

    first = s.first_date
    while first.weekday() not in days:
        first += timedelta(days=1)
    monday = first - timedelta(days=first.weekday())
    skip = {d for d, _ in s.skip}
    slots: list[_Slot] = []
    skipped: list[tuple[date, int]] = []
    d = first
    while len(slots) < total:
        if d.weekday() in days:
            week = (d - monday).days // 7 + 1
            if d in skip:
                skipped.append((d, week))
            else:
                slots.append(_Slot(week, days.index(d.weekday()) + 1, d.weekday(), d))
        d += timedelta(days=1)
    last = d - timedelta(days=1)  # the loop stops the day after the last session
    problems = []
    for d, key in s.skip:
        if d < s.first_date or d > last:
            problems.append(_problem(
                program, key,
                f"skipped date {d.isoformat()} is outside the program, which runs from "
                f"{s.first_date.isoformat()} to {last.isoformat()} (the last session).",
                hint="Remove the date, or check its year and month.",
            ))
        elif d.weekday() not in days:
            problems.append(_problem(
                program, key,
                f"skipped date {d.isoformat()} is a {WEEKDAY_NAMES[d.weekday()]}, which is not a "
                "group day, so skipping it changes nothing.",
                hint="Remove the date, or check it against `schedule.days`.", severity="warning",
            ))
    return slots, skipped, problems


def _shared_rotation(
    program: Program, modules: Sequence[Module], fixed: set[str], streams: dict[int, list[str]]
) -> tuple[list[str], list[Problem]]:
    """The rotation of the group days without a stream of their own, none when every day has one
    (then a warning for the modules that are in no stream and not pinned or repeated)."""
    placed = fixed | {m for ids in streams.values() for m in ids}
    left = [m.id for m in modules if m.id not in placed]
    if any(d not in streams for d in program.schedule.days):
        return (left, []) if program.schedule.rotate is None else _rotation(program, modules, placed)
    if not streams or not left:
        return [], []
    return [], [_problem(
        program, "schedule.streams",
        f"{len(left)} module{'s' if len(left) != 1 else ''} ({', '.join(left)}) never come: every group day has a "
        "stream, and they are in none of them and not pinned or repeated.",
        hint="Add their tracks to a day's stream.", severity="warning",
    )]


def _rotation(
    program: Program, modules: Sequence[Module], placed: set[str]
) -> tuple[list[str], list[Problem]]:
    """Module ids in the order of the tracks of `schedule.rotate`, without the modules `placed`
    elsewhere (pinned, repeated, or in a day's stream)."""
    track_of = track_map(program, modules)
    rotate, problems = _rotate_tracks(program)
    order = [m.id for tid in rotate for m in modules if track_of.get(m.id) == tid]
    left = {m.id for m in modules} - set(order) - placed
    for t in program.tracks:
        ids = [m.id for m in modules if m.id in left and track_of.get(m.id) == t.id]
        if ids:
            problems.append(_problem(
                program, "schedule.rotate",
                f"the modules of track `{t.id}` ({', '.join(ids)}) are never scheduled: the "
                "track is not in `schedule.rotate` and they are not pinned, repeated or in a stream.",
                hint="Add the track to `schedule.rotate`, or pin its modules to a week.",
                severity="warning",
            ))
    return [m for m in order if m not in placed], problems


def _rotate_tracks(program: Program) -> tuple[list[str], list[Problem]]:
    """The declared tracks of `schedule.rotate`, each once, with the problems of the others."""
    rotate = program.schedule.rotate or ()
    known = [t.id for t in program.tracks]
    problems: list[Problem] = []
    for i, tid in enumerate(rotate):
        key = f"schedule.rotate.{i}"
        if tid not in known:
            hint = f"Use one of: {', '.join(known)}." if known else "Declare `tracks:` first."
            problems.append(_problem(
                program, key, f"`schedule.rotate` names track `{tid}`, which is not declared.",
                code="IOP007", hint=hint,
            ))
        elif tid in rotate[:i]:
            problems.append(_problem(
                program, key, f"track `{tid}` is listed twice in `schedule.rotate`.",
                hint="List each track once.",
            ))
    return [tid for tid in dict.fromkeys(rotate) if tid in known], problems


def _free_in(slots: Sequence[_Slot], week: int, assigned: dict[int, str]) -> list[int]:
    """The indexes of the slots of `week` that hold no module yet."""
    return [i for i, slot in enumerate(slots) if slot.week == week and i not in assigned]


def _pins(
    program: Program, modules: Sequence[Module], slots: Sequence[_Slot]
) -> tuple[dict[int, str], list[Problem]]:
    """Slot index → pinned module id: the first free slot of the pinned week."""
    s = program.schedule
    ids = {m.id for m in modules}
    assigned: dict[int, str] = {}
    problems: list[Problem] = []
    for module_id, week in s.pin:
        key = f"schedule.pin.{module_id}"
        free = _free_in(slots, week, assigned)
        if module_id not in ids:
            problems.append(_problem(
                program, key,
                f"`schedule.pin` names module `{module_id}`, but there is no "
                f"modules/{module_id}.md in the program.",
                code="IOP007", hint="Fix the module id, or remove the pin.",
            ))
        elif week > s.weeks:
            problems.append(_problem(
                program, key,
                f"`{module_id}` is pinned to week {week}, but the program has {s.weeks} weeks.",
                hint=f"Pin it to a week from 1 to {s.weeks}, or raise `schedule.weeks`.",
            ))
        elif not free:
            problems.append(_problem(
                program, key,
                f"`{module_id}` is pinned to week {week}, which has no free session left.",
                hint="Pin it to another week; each session holds one module.",
            ))
        else:
            assigned[free[0]] = module_id
    return assigned, problems


def _repeats(
    program: Program, modules: Sequence[Module], slots: Sequence[_Slot], pinned: dict[int, str]
) -> tuple[dict[int, str], list[Problem]]:
    """`pinned` with every `schedule.repeat` module placed: in weeks `start`, `start + every`,
    ..., on its day, else the next free session of that week, else the first free one."""
    ids = sorted(m.id for m in modules)
    assigned = dict(pinned)
    problems: list[Problem] = []
    for rep in program.schedule.repeat:
        problem = _repeat_problem(program, rep, ids)
        if problem is not None:
            problems.append(problem)
            continue
        for week in range(rep.start, max((slot.week for slot in slots), default=0) + 1, rep.every):
            free = _free_in(slots, week, assigned)
            if free:
                on_its_day = [i for i in free if slots[i].weekday >= (rep.day or 0)]
                assigned[(on_its_day or free)[0]] = rep.module_id
            elif week <= program.schedule.weeks:  # a week that skipped dates added holds what fits
                problems.append(_problem(
                    program, f"schedule.repeat.{rep.module_id}",
                    f"`{rep.module_id}` is to repeat in week {week}, which has no free session left.",
                    hint="Repeat it on other weeks (`from:`), or pin fewer modules to that week.",
                ))
    return assigned, problems


def _repeat_problem(program: Program, rep: Repeat, ids: list[str]) -> Problem | None:
    """What is wrong with one `schedule.repeat` entry before it is placed, if anything."""
    s = program.schedule
    key = f"schedule.repeat.{rep.module_id}"
    if rep.module_id not in ids:
        return _problem(
            program, key,
            f"`schedule.repeat` names module `{rep.module_id}`, but there is no "
            f"modules/{rep.module_id}.md in the program.",
            code="IOP007", hint=did_you_mean(rep.module_id, ids, "Fix the module id."),
        )
    if rep.module_id in {m for m, _ in s.pin}:
        return _problem(
            program, key, f"`{rep.module_id}` is both pinned and repeated.",
            hint="Remove it from `schedule.pin`: `repeat` already holds it to its weeks.",
        )
    if rep.day is not None and rep.day not in s.days:
        return _problem(
            program, f"{key}.day",
            f"`{rep.module_id}` is to repeat on {WEEKDAY_NAMES[rep.day]}, which is not a group day.",
            hint="Use a day of `schedule.days`.",
        )
    if rep.start > s.weeks:
        return _problem(
            program, f"{key}.from",
            f"`{rep.module_id}` is to start in week {rep.start}, but the program has {s.weeks} weeks.",
            hint=f"Start it in a week from 1 to {s.weeks}.",
        )
    return None


def _stream_members(program: Program, modules: Sequence[Module]) -> dict[str, list[str]]:
    """Track or module id a stream may name → the module ids it brings, in program order."""
    ids = [m.id for m in modules]
    track_of = track_map(program, modules)
    tracks = [t.id for t in program.tracks]
    # A module named on its own belongs to that stream, not to the streams that name its track.
    named = {ref for _, refs in program.schedule.streams for ref in refs if ref not in tracks}
    return {m: [m] for m in ids} | {t: [m for m in ids if track_of.get(m) == t and m not in named] for t in tracks}


def _streams(
    program: Program, modules: Sequence[Module], fixed: set[str]
) -> tuple[dict[int, list[str]], list[Problem]]:
    """Group day → module ids of its own rotation (`schedule.streams`), without fixed modules."""
    members = _stream_members(program, modules)
    found = [(day, *_stream(program, day, refs, members, fixed)) for day, refs in program.schedule.streams]
    return {day: order for day, order, _ in found if order}, [p for _, _, more in found for p in more]


def _stream(
    program: Program, day: int, refs: Sequence[str], members: dict[str, list[str]], fixed: set[str]
) -> tuple[list[str], list[Problem]]:
    """The module ids of one day's stream, with its problems."""
    key = f"schedule.streams.{WEEKDAY_NAMES[day][:3].lower()}"
    if day not in program.schedule.days:
        return [], [_problem(
            program, key, f"`schedule.streams` gives {WEEKDAY_NAMES[day]} a stream, but it is "
            "not a group day.", hint="Add the day to `schedule.days`, or remove its stream.",
        )]
    problems: list[Problem] = []
    for j, ref in enumerate(refs):
        if ref not in members:
            problems.append(_problem(
                program, f"{key}.{j}",
                f"the stream of {WEEKDAY_NAMES[day]} names `{ref}`, which is no track or module.",
                code="IOP007",
                hint=did_you_mean(ref, members, f"Use a track: {', '.join(t.id for t in program.tracks)}."),
            ))
    order = list(dict.fromkeys(m for ref in refs for m in members.get(ref, []) if m not in fixed))
    if not order and not problems:  # (an unknown id already says why)
        problems.append(_problem(
            program, key, f"the stream of {WEEKDAY_NAMES[day]} has no module left to run.",
            hint="Name a track whose modules are not all pinned or repeated.",
        ))
    return order, problems


def _problem(program: Program, key: str, message: str, *, hint: str, code: str = "IOP031",
             severity: Severity = "error") -> Problem:
    """A problem at the program.yml line of `key`, or of the nearest written key above it."""
    line, where = None, program.path
    while key and line is None:
        line, where = program.line_of(key), program.path_of(key)
        key = key.rpartition(".")[0]
    return Problem(where, line, message, code, severity, hint)


# ---------------------------------------------------------------- time arithmetic


def local_span(day: date, start_minutes: int, minutes: int, tz: str) -> tuple[datetime, datetime]:
    """Start and end of a session on `day`, aware, in `tz`.

    The end is `minutes` of real time after the start, so it is right across midnight and across
    a daylight-saving change. A start time the clock skips that day (spring forward) moves on by
    the gap; a start time that happens twice (fall back) is the first of the two.
    """
    zone = ZoneInfo(tz)
    naive = datetime.combine(day, time()) + timedelta(minutes=start_minutes)
    start = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)
    return start, end


def agenda_times(start: datetime, plan: SessionPlan) -> list[tuple[datetime, datetime]]:
    """Local start and end of each row of `plan` for a session that starts at `start`."""
    zone = start.tzinfo
    base = plan.rows[0].start if plan.rows else 0
    utc = start.astimezone(UTC)
    return [
        ((utc + timedelta(minutes=r.start - base)).astimezone(zone),
         (utc + timedelta(minutes=r.end - base)).astimezone(zone))
        for r in plan.rows
    ]


# ---------------------------------------------------------------- words for dates and times


def long_date(d: date) -> str:
    """`Monday, January 4, 2027`."""
    return f"{WEEKDAY_NAMES[d.weekday()]}, {MONTH_NAMES[d.month - 1]} {d.day}, {d.year}"


def short_date(d: date) -> str:
    """`Mon, Jan 4`."""
    return f"{WEEKDAY_NAMES[d.weekday()][:3]}, {MONTH_NAMES[d.month - 1][:3]} {d.day}"


def time_of(dt: datetime, style: str) -> str:
    """The clock time of an aware datetime, `6:00 PM` or `18:00`."""
    return clock(dt.hour * 60 + dt.minute, style)


def session_label(session: Session) -> str:
    """`Mon, Jan 4, 2027` with a first date, `Week 3, Day 2` without."""
    if session.date is not None:
        return f"{short_date(session.date)}, {session.date.year}"
    return f"Week {session.week}, Day {session.day}"


def session_when(session: Session, program: Program) -> str:
    """The date (or week and day) with the clock times: `Monday, January 4, 2027,
    6:00 PM–7:30 PM CST`, or without a first date `Week 3, Day 2 (Wednesday), 6:00 PM–7:30 PM`."""
    style = program.session.clock
    if session.start is not None and session.end is not None and session.date is not None:
        end = time_of(session.end, style)
        if session.end.date() != session.date:
            end += f" ({WEEKDAY_NAMES[session.end.weekday()]})"
        zone = session.end.tzname() or ""
        if session.start.tzname() != session.end.tzname():
            zone = f"{session.start.tzname()}/{zone}"
        return f"{long_date(session.date)}, {time_of(session.start, style)}–{end} {zone}".rstrip()
    after = " (next day)" if program.session.start + program.session.minutes >= 24 * 60 else ""
    return f"Week {session.week}, Day {session.day} ({WEEKDAY_NAMES[session.weekday]}), {plain_time(program)}{after}"


def plain_time(program: Program) -> str:
    """The time of a session as program.yml sets it: `6:00 PM–9:00 PM`."""
    start, style = program.session.start, program.session.clock
    return f"{clock(start, style)}–{clock(start + program.session.minutes, style)}"


def upcoming(schedule: Schedule, today: date | None, count: int = 3) -> tuple[Session, ...]:
    """The next `count` sessions on or after `today` (none without a date or a first date)."""
    if today is None:
        return ()
    return tuple(s for s in schedule.sessions if s.date is not None and s.date >= today)[:count]
