"""The program calendar as an iCalendar file (RFC 5545): one VEVENT per session.

Times are local times in the program's time zone (`DTSTART;TZID=...`), with a VTIMEZONE built
from the zone's real transitions over the program's dates, so calendar apps need no time zone
database of their own. UIDs come from the session number and the program's title and
organization: re-importing an updated calendar moves events instead of duplicating them.
The output is deterministic: DTSTAMP is the build's `--today`, or else the first session's date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from iopcurr import __version__
from iopcurr.model import Module, Program, Schedule, Session, SessionPlan
from iopcurr.safety import without_controls
from iopcurr.schedule import agenda_times, time_of


@dataclass(frozen=True)
class EventText:
    """What one event says, apart from its times."""

    summary: str
    description: str
    category: str


# ---------------------------------------------------------------- RFC 5545 text


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newline escaped (RFC 5545 3.3.11), control
    characters (from YAML escapes such as `"\\x1b"`) left out."""
    return (
        without_controls(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while data:
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:  # not inside a character
            cut -= 1
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
        limit = 74  # continuation lines start with a space
    return "\r\n ".join(parts)


def _local(dt: datetime) -> str:
    return dt.strftime("%Y%m%dT%H%M%S")


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: timedelta | None) -> str:
    seconds = int((delta or timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}{m:02d}" + (f"{s:02d}" if s else "")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    h, m = divmod(minutes, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m or not h else "")


# ---------------------------------------------------------------- time zone


def transitions(tz: str, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants at which `tz` changes its offset or name between `start` and `end`."""
    zone = ZoneInfo(tz)

    def state(t: datetime) -> tuple[timedelta | None, str | None]:
        local = t.astimezone(zone)
        return local.utcoffset(), local.tzname()

    found: list[datetime] = []
    t = start.astimezone(UTC)
    step = timedelta(hours=12)
    while t < end:
        nxt = t + step
        if state(t) != state(nxt):
            low, high = t, nxt
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                mid = mid.replace(microsecond=0)
                if state(mid) == state(low):
                    low = mid
                else:
                    high = mid
            found.append(high)
        t = nxt
    return found


def vtimezone(tz: str, first: datetime, last: datetime) -> list[str]:
    """A VTIMEZONE with one observance per transition that matters for `first`..`last`: the one
    in force at `first` and every change up to `last`."""
    zone = ZoneInfo(tz)
    changes = transitions(tz, first - timedelta(days=400), last + timedelta(days=1))
    before = [t for t in changes if t <= first]
    keep = before[-1:] + [t for t in changes if t > first]
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz}"]
    if not keep:
        local = first.astimezone(zone)
        offset = _offset(local.utcoffset())
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{offset}",
                  f"TZOFFSETTO:{offset}", f"TZNAME:{escape(local.tzname() or tz)}", "END:STANDARD"]
    for t in keep:
        old = (t - timedelta(seconds=1)).astimezone(zone)
        new = t.astimezone(zone)
        kind = "DAYLIGHT" if new.dst() else "STANDARD"
        onset = (t.replace(tzinfo=None) + (old.utcoffset() or timedelta()))
        lines += [f"BEGIN:{kind}", f"DTSTART:{_local(onset)}",
                  f"TZOFFSETFROM:{_offset(old.utcoffset())}", f"TZOFFSETTO:{_offset(new.utcoffset())}",
                  f"TZNAME:{escape(new.tzname() or tz)}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return lines


# ---------------------------------------------------------------- events


def uid(program: Program, session: Session) -> str:
    """Stable across rebuilds and schedule changes; distinct between programs."""
    digest = hashlib.sha256(f"{program.title}\n{program.organization}".encode()).hexdigest()[:16]
    return f"session-{session.number}-{digest}@iopcurr"


def event_text(program: Program, module: Module, session: Session, total: int, track: str,
               handout_titles: Sequence[str], plan: SessionPlan | None) -> EventText:
    """Summary, description and category of one session's event."""
    copies = program.schedule.group_size + program.schedule.extra_copies
    head = [f"Session {session.number} of {total}", f"Week {session.week}, Day {session.day}"]
    head += [track] if track else []
    head += [f"cycle {session.cycle}"] if not session.pinned else []
    parts = [" · ".join(head)]
    if module.summary:
        parts.append(module.summary)
    if module.objectives:
        parts.append("Objectives:\n" + "\n".join(f"- {o}" for o in module.objectives))
    if handout_titles:
        parts.append(f"Handouts to print ({copies} copies each):\n"
                     + "\n".join(f"- {t}" for t in handout_titles))
    if plan and session.start is not None:
        style = program.session.clock
        rows = [f"{time_of(a, style)}–{time_of(b, style)} {r.title}"
                for r, (a, b) in zip(plan.rows, agenda_times(session.start, plan), strict=True)]
        parts.append("Agenda:\n" + "\n".join(rows))
    return EventText(module.title, "\n\n".join(parts), track)


def _event(program: Program, session: Session, text: EventText, stamp: str) -> Iterator[str]:
    assert session.start is not None and session.end is not None
    tz = program.schedule.timezone
    yield "BEGIN:VEVENT"
    yield f"UID:{uid(program, session)}"
    yield f"DTSTAMP:{stamp}"
    yield f"DTSTART;TZID={tz}:{_local(session.start)}"
    if session.end.fold:
        # The second occurrence of a repeated hour (fall back) cannot be written as a local
        # time: RFC 5545 reads such a time as the first occurrence. The real length is exact.
        yield f"DURATION:{_duration(session.end.astimezone(UTC) - session.start.astimezone(UTC))}"
    else:
        yield f"DTEND;TZID={tz}:{_local(session.end)}"
    yield f"SUMMARY:{escape(text.summary)}"
    yield f"DESCRIPTION:{escape(text.description)}"
    if text.category:
        yield f"CATEGORIES:{escape(text.category)}"
    yield "SEQUENCE:0"
    yield "TRANSP:OPAQUE"
    yield "END:VEVENT"


def calendar(program: Program, schedule: Schedule, texts: Sequence[EventText],
             today: date | None = None) -> bytes:
    """The whole file, CRLF line endings. `texts` go with `schedule.sessions`, one each.
    Needs a dated schedule (a first date)."""
    sessions = schedule.sessions
    assert schedule.dated and len(texts) == len(sessions)
    first, last = sessions[0], sessions[-1]
    assert first.start is not None and last.end is not None
    stamp_day = today or first.start.date()
    stamp = _utc(datetime.combine(stamp_day, time(), tzinfo=UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//iopcurr//iopcurr {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(program.title)}",
        f"X-WR-TIMEZONE:{program.schedule.timezone}",
    ]
    lines += vtimezone(program.schedule.timezone, first.start, last.end)
    for session, text in zip(sessions, texts, strict=True):
        lines += _event(program, session, text, stamp)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
