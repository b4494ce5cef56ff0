"""The program calendar as an iCalendar file (RFC 5545): one VEVENT per session.

Times are local times in the program's time zone (`DTSTART;TZID=...`), with a VTIMEZONE of the
zone's real transitions over the program's dates (icalendar's `Timezone.from_tzid`), so calendar
apps need no time zone database of their own. UIDs come from the session number and the program's title and
organization: re-importing an updated calendar moves events instead of duplicating them.
The output is deterministic: DTSTAMP is the build's `--today`, or else the first session's date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from iopcurr import __version__
from iopcurr.model import Handout, Module, Program, Schedule, Session, SessionPlan
from iopcurr.plan.checks import track_of
from iopcurr.plan.safety import without_controls
from iopcurr.plan.schedule import agenda_times, time_of

if TYPE_CHECKING:
    import icalendar  # imported where a calendar is written: a program without dates never pays its 30 ms

# ---------------------------------------------------------------- events


def uid(program: Program, session: Session) -> str:
    """Stable across rebuilds and schedule changes; distinct between programs."""
    digest = hashlib.sha256(f"{program.title}\n{program.organization}".encode()).hexdigest()[:16]
    return f"session-{session.number}-{digest}@iopcurr"


def track_title(program: Program, module: Module) -> str:
    """The title of the module's track, or ""."""
    return {t.id: t.title for t in program.tracks}.get(track_of(program, module) or "", "")


def description(program: Program, module: Module, session: Session, total: int,
                handouts: Mapping[str, Handout], plan: SessionPlan | None) -> str:
    """What the event of one session (of `total`) says, apart from its title, track and times."""
    head = [f"Session {session.number} of {total}", f"Week {session.week}, Day {session.day}",
            track_title(program, module), "" if session.pinned else f"cycle {session.cycle}"]
    parts = [" · ".join(filter(None, head)), module.summary]
    if module.objectives:
        parts.append("Objectives:\n" + "\n".join(f"- {o}" for o in module.objectives))
    if titles := [handouts[h].title for h in module.session_handouts if h in handouts]:
        parts.append(f"Handouts to print ({program.handout_copies} copies each):\n" + "\n".join(f"- {t}" for t in titles))
    if plan and session.start is not None:
        style = program.session.clock
        rows = [f"{time_of(a, style)}–{time_of(b, style)} {r.title}"
                for r, (a, b) in zip(plan.rows, agenda_times(session.start, plan), strict=True)]
        parts.append("Agenda:\n" + "\n".join(rows))
    return "\n\n".join(filter(None, parts))


def _event(program: Program, session: Session, module: Module, text: str, stamp: datetime) -> icalendar.Event:
    assert session.start is not None and session.end is not None
    import icalendar

    event = icalendar.Event()
    event.add("uid", uid(program, session))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.start)
    if session.end.fold:
        # The second occurrence of a repeated hour (fall back) cannot be written as a local
        # time: RFC 5545 reads such a time as the first occurrence. The real length is exact.
        event.add("duration", session.end.astimezone(UTC) - session.start.astimezone(UTC))
    else:
        event.add("dtend", session.end)
    event.add("summary", _one_line(module.title))  # (control characters from YAML escapes left out)
    event.add("description", without_controls(text))
    if track := track_title(program, module):
        event.add("categories", [without_controls(track)])
    event.add("sequence", 0)
    event.add("transp", "OPAQUE")
    return event


def _one_line(text: str) -> str:
    return " ".join(without_controls(text).split())


def calendar(program: Program, schedule: Schedule, modules: Mapping[str, Module], handouts: Mapping[str, Handout],
             plans: Mapping[str, SessionPlan | None], today: date | None) -> bytes:
    """The whole file (written by the `icalendar` library: CRLF, folded lines), with the modules,
    handouts and plans by id. Needs a dated schedule (a first date)."""
    sessions = schedule.sessions
    assert schedule.dated
    first, last = sessions[0], sessions[-1]
    assert first.start is not None and last.end is not None
    stamp = datetime.combine(today or first.start.date(), time(), tzinfo=UTC)
    import icalendar

    cal = icalendar.Calendar()
    for name, value in (("version", "2.0"), ("prodid", f"-//iopcurr//iopcurr {__version__}//EN"),
                        ("calscale", "GREGORIAN"), ("method", "PUBLISH"), ("x-wr-calname", _one_line(program.title)),
                        ("x-wr-timezone", program.schedule.timezone)):
        cal.add(name, value)
    cal.add_component(icalendar.Timezone.from_tzid(
        program.schedule.timezone, first_date=first.start.date() - timedelta(days=1),
        last_date=last.end.date() + timedelta(days=1)))
    for session in sessions:
        module = modules[session.module_id]
        text = description(program, module, session, len(sessions), handouts, plans.get(module.id))
        cal.add_component(_event(program, session, module, text, stamp))
    return bytes(cal.to_ical())
