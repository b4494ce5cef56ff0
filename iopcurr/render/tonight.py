"""Tonight first: the calendar the browser picks the next session from (static/sessions.js), the
"Tonight" card that tops the home page and the schedule, and joining mid-cycle.

The browser picks the session (static/night.js), so a copy of the site on a USB stick stays right
week after week and a build does not depend on the day it runs. `--today` fixes the card at build
time instead. Pure: Curriculum + Schedule → views and files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from iopcurr.model import Curriculum, Handout, Module, OutputFile, Program, Schedule, Session
from iopcurr.plan.schedule import long_date, session_label, session_when, short_date, time_of
from iopcurr.render import books
from iopcurr.render.ics import track_title
from iopcurr.render.runsheet import HandoutItem, night_paths


@dataclass(frozen=True)
class TonightCard:
    """The card of one session: `--today` fixes one at build time; sessions.js gives the browser
    the same fields of every dated session."""

    label: str  # "Tonight", "Next session"
    number: int
    title: str
    track: str
    when: str
    handouts: tuple[HandoutItem, ...]
    copies: int
    ended: str = ""  # the last session's date in words, when the calendar is over
    bundle_pdf: str = ""  # with --pdf: the PDF of tonight's handouts


def handout_items(p: Program, m: Module, handouts: Mapping[str, Handout], root: str = "") -> tuple[HandoutItem, ...]:
    """The handouts a session of `m` prints, linked from `root` (the site root, or "../"), with the
    copies of each language `handouts.copies` sets (else the group size and the extra copies)."""
    per_language = dict(p.handouts.copies)
    return tuple(HandoutItem(h, handouts[h].title, f"{root}handouts/{h}.html", p.handout_copies,
                             languages=tuple((lang, f"{root}handouts/{lang}/{h}.html", per_language[lang])
                                             for lang in p.langs[1:] if per_language.get(lang)))
                 for h in m.session_handouts if h in handouts)


def _card(cur: Curriculum, s: Session, pdf: bool, label: str = "") -> TonightCard:
    m, p = next(x for x in cur.modules if x.id == s.module_id), cur.program
    return TonightCard(label, s.number, m.title, track_title(p, m), session_when(s, p),
                       handout_items(p, m, {h.id: h for mod in cur.modules for h in mod.handouts}), p.handout_copies,
                       bundle_pdf=books.bundle_pdf(m.id) if pdf and m.session_handouts else "")


def fixed_card(cur: Curriculum, schedule: Schedule | None, today: date | None, *,
               pdf: bool = False) -> TonightCard | None:
    """The card `--today` fixes at build time: the first session on or after `today`."""
    if today is None or schedule is None or not schedule.dated:
        return None
    s = next((s for s in schedule.sessions if s.date is not None and s.date >= today), None)
    if s is None:
        last = schedule.sessions[-1].date
        assert last is not None
        return TonightCard("Program calendar", 0, "", "", "", (), 0, ended=long_date(last))
    return _card(cur, s, pdf, "Tonight" if s.date == today else "Next session")


def bundle_jobs(cur: Curriculum, schedule: Schedule | None) -> tuple[tuple[str, str], ...]:
    """(HTML page, PDF file) for the PDF of each module's handouts: the handout bundle of the
    module's first dated session (every session of a module prints the same handouts)."""
    if schedule is None or not schedule.dated:
        return ()
    modules = {m.id: m for m in cur.modules}
    first: dict[str, int] = {}
    for s in schedule.sessions:
        if modules[s.module_id].session_handouts:
            first.setdefault(s.module_id, s.number)
    return tuple((night_paths(n)[1], books.bundle_pdf(mid)) for mid, n in first.items())


def sessions_js(cur: Curriculum, schedule: Schedule, *, pdf: bool = False) -> OutputFile:
    """The calendar as night.js reads it: every dated session with its start and end as epoch
    milliseconds (real time, so the browser's clock can be compared with it in any time zone)."""
    style = cur.program.session.clock
    items = []
    for s in schedule.sessions:
        if s.start is None or s.end is None or s.date is None:
            continue
        card = _card(cur, s, pdf)
        items.append({
            "n": card.number,
            "pdf": card.bundle_pdf,
            "title": card.title,
            "track": card.track,
            "when": card.when,
            "date": s.date.isoformat(),
            "day": short_date(s.date),
            "time": f"{time_of(s.start, style)}–{time_of(s.end, style)}",
            "start": int(s.start.timestamp() * 1000),
            "end": int(s.end.timestamp() * 1000),
            "handouts": [[h.title, h.url] for h in card.handouts],
        })
    last = schedule.sessions[-1].date if schedule.sessions else None
    head = {"copies": cur.program.handout_copies, "ended": long_date(last) if last else ""}
    rows = ",\n".join(json.dumps(item, ensure_ascii=True, sort_keys=True) for item in items)
    text = ("/* Generated by iopcurr: the program calendar, for the Tonight card (night.js). */\n"
            "window.iopcurr = window.iopcurr || {};\n"
            f"window.iopcurr.sessions = {json.dumps(head, sort_keys=True)[:-1]}, \"sessions\": [\n{rows}\n]}};\n")
    return OutputFile("static/sessions.js", text.encode("utf-8"))


# ---------------------------------------------------------------- joining mid-cycle


@dataclass(frozen=True)
class Missed:
    title: str
    url: str  # facilitator page, from the site root
    next: str  # "Mon, Mar 1, 2027 (session 20)" or ""
    next_url: str  # the session page, from the site root, or ""


@dataclass(frozen=True)
class JoinWeek:
    week: int
    first: str  # the first session of the week, in words
    missed: tuple[Missed, ...]


def missed_at(cur: Curriculum, schedule: Schedule, k: int) -> tuple[Missed, ...]:
    """Modules held before session index `k` (in order of their first time), each with the next
    session at or after `k` that holds it."""
    titles = {m.id: m.title for m in cur.modules}
    held = dict.fromkeys(s.module_id for s in schedule.sessions[:k])
    nxt = {s.module_id: s for s in reversed(schedule.sessions[k:])}  # (the first one wins)
    out = []
    for mid in held:
        again = nxt.get(mid)
        out.append(Missed(titles[mid], f"facilitator/{mid}.html",
                          f"{session_label(again)} (session {again.number})" if again else "",
                          f"sessions/{again.number}.html" if again else ""))
    return tuple(out)


def join_weeks(cur: Curriculum, schedule: Schedule) -> tuple[JoinWeek, ...]:
    """Each week from its first session (the sessions are in week order): what a member who joins
    then has missed."""
    sessions = schedule.sessions
    return tuple(JoinWeek(s.week, f"session {s.number}, {session_label(s)}",
                          missed_at(cur, schedule, k))
                 for k, s in enumerate(sessions) if k == 0 or sessions[k - 1].week != s.week)

