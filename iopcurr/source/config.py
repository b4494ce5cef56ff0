"""program.yml → Program: every key has a default and a line of documentation.

`OPTIONS` is the schema: it drives validation (unknown keys and "did you mean" hints), the
reading of every plain value (its default and its check) and the table of settings in the
authoring guide, so they cannot drift apart.
"""

from __future__ import annotations

import calendar
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from iopcurr.errors import Problem, did_you_mean
from iopcurr.model import (
    CrisisContact,
    HandoutSettings,
    PlanSettings,
    Program,
    Repeat,
    Ritual,
    ScheduleSettings,
    SessionSettings,
    ThemeSettings,
    Track,
    written_at,
)
from iopcurr.plan.schedule import MONTH_NAMES
from iopcurr.source.blocks import ID
from iopcurr.source.yamlread import load_yaml

DEFAULT_CRISIS = (
    CrisisContact("988 Suicide & Crisis Lifeline", "Call or text 988", "Free, any time, day or night."),
    CrisisContact("SAMHSA National Helpline", "1-800-662-4357", "Free and private help, 24/7, in English and Spanish."),
    CrisisContact("Emergency", "911", "If you or someone else is in danger right now."),
)

DEFAULT_DISCLAIMER = (
    "This material is education for people in a treatment program. It is not medical advice. "
    "Talk with your counselor or health care provider about your own care."
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Option:
    """One key of program.yml. A key with a `default` is read and checked by `_Reader.value`; one
    without (None) by code of its own, and `shown` then says its default in words."""

    default: Any
    doc: str
    check: tuple[Any, ...] = ()  # (low, high) of a number; the choices of a text, or (pattern, noun)
    shown: str = ""  # the default as the guide shows it, when not `default` written as YAML

    @property
    def written(self) -> str:
        """The default as the guide shows it."""
        if self.shown:
            return self.shown
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        return f'"{self.default}"' if isinstance(self.default, str) else f"{self.default:g}"


# dotted key → its Option. `*` stands for a list item.
OPTIONS: Mapping[str, Option] = MappingProxyType({
    "title": Option("Group Program", "Name of the program, shown on every page."),
    "organization": Option("", "Agency or clinic that runs the program."),
    "language": Option("en", "Language of the content (an HTML language code such as `en` or `es`)."),
    "languages": Option(None, "Languages of the client handouts, the source language first, e.g. `[en, es]`; "
                        "a translation is `modules/<id>.<lang>.md` (see Translating handouts).", shown="[<language>]"),
    "disclaimer": Option(DEFAULT_DISCLAIMER, "Shown once, on the home page.", shown="(education, not medical advice)"),
    "edition": Option(None, "Date of this edition (YYYY-MM-DD), on the manual's cover; without it, the newest `reviewed_on` of the modules.",
                      shown="(newest `reviewed_on`)"),
    "site_url": Option(None, "Web address where the site is published (`https://...`); each printed handout then carries a QR code to its page (needs `segno`, in the `pdf` extra).",
                       shown="(none)"),
    "session.minutes": Option(90, "Length of every group session in minutes.", (10, 600)),
    "session.start": Option("18:00", "Start time of a session, 24-hour `HH:MM`.", (_TIME, "a time")),
    "session.clock": Option("12h", "How clock times are shown: `12h` (6:05 PM) or `24h` (18:05).", ("12h", "24h")),
    "session.opening.title": Option("Opening", "Name of the opening ritual."),
    "session.opening.minutes": Option(5, "Minutes of the opening ritual.", (0, 120)),
    "session.opening.text": Option("Welcome everyone. Each member says their first name and one word for how they are arriving today.",
                                   "What happens in the opening ritual.", shown="(a short welcome)"),
    "session.closing.title": Option("Closing", "Name of the closing ritual."),
    "session.closing.minutes": Option(5, "Minutes of the closing ritual.", (0, 120)),
    "session.closing.text": Option("Each member names one thing they will take from today and one step they will take before the next group.",
                                   "What happens in the closing ritual.", shown="(a short round)"),
    "session.opening.<lang>": Option(None, "The opening's `title` and `text` in another language of `languages`, for "
                                     "the translated facilitator pages, e.g. `es: {title: \"Apertura\", text: …}`.", shown="(none)"),
    "session.closing.<lang>": Option(None, "The closing's `title` and `text` in another language of `languages`.", shown="(none)"),
    "tracks": Option(None, "Ordered groups of modules. Without tracks, modules run in file-name order.", shown="[]"),
    "tracks.*.id": Option(None, "Track id: lowercase letters, digits and hyphens.", shown="(required)"),
    "tracks.*.title": Option(None, "Track name shown to readers.", shown="(the id)"),
    "tracks.*.description": Option(None, "One sentence about the track.", shown='""'),
    "tracks.*.modules": Option(None, "Module ids in the order they run.", shown="[]"),
    "schedule.weeks": Option(12, "Number of weeks in the program calendar.", (1, 104)),
    "schedule.days": Option(None, "Group days of the week.", shown="[mon, wed, thu]"),
    "schedule.first_date": Option(None, "Date of the first session (or the next group day); without it sessions say week/day.", shown="(none)"),
    "schedule.skip": Option(None, "Dates with no group (holidays) inside the program; sessions move on to the next group day.", shown="[]"),
    "schedule.rotate": Option(None, "Track ids whose modules rotate, in this order; the rotation starts over when it runs out.", shown="(all tracks)"),
    "schedule.pin": Option(None, "Modules held to the first session of one week, e.g. `{orientation: 1}`; not rotated.", shown="{}"),
    "schedule.repeat": Option(None, "Modules that come back every N weeks, e.g. `{orientation: 3}` (weeks 1, 4, 7, ...); not rotated.", shown="{}"),
    "schedule.repeat.*.every": Option(None, "In the long form `{every: 3, from: 2, day: mon}`: how many weeks apart.", shown="(required)"),
    "schedule.repeat.*.from": Option(None, "The first week the module is on.", shown="1"),
    "schedule.repeat.*.day": Option(None, "The group day it is on (the next free session of its week if that one is taken).", shown="(first free)"),
    "schedule.streams": Option(None, "A rotation of its own for some group days, e.g. `{mon: [early-recovery], wed: [relapse-prevention]}`: "
                               "track or module ids; days without a stream share `rotate`.", shown="{}"),
    "schedule.timezone": Option("America/New_York", "Time zone of the clock times (IANA name)."),
    "schedule.group_size": Option(12, "Members in a full group: copies of each handout to print.", (1, 100)),
    "schedule.extra_copies": Option(2, "Extra handout copies to print for new members.", (0, 100)),
    "handouts.paper": Option("letter", "Paper size for printing: `letter` or `a4`.", ("letter", "a4")),
    "handouts.max_grade": Option(7.0, "Highest Flesch-Kincaid grade of a handout's prose sentences.", (1.0, 20.0)),
    "handouts.max_smog": Option(8.0, "Highest SMOG grade of a handout's prose sentences.", (4.0, 20.0)),
    "handouts.large_print": Option(True, "Also make a large-print version of every handout."),
    "handouts.duplex": Option(False, "Printing on both sides: each handout of the client workbook starts on a right-hand page."),
    "handouts.copies": Option(None, "Copies to print of each handout per language, e.g. `{en: 10, es: 5}`; session pages list them "
                              "per language.", (0, 1000), shown="(group size + extra, source language)"),
    "handouts.min_ease": Option(None, "Lowest reading ease of a translated handout's prose per language: "
                                "Fernández-Huerta for `es` (0-100, higher is easier; 70+ is easy).", (0.0, 120.0), shown="{es: 70}"),
    "crisis": Option(None, "Contacts printed at the foot of every handout.", shown="(988, SAMHSA Helpline, 911)"),
    "crisis.*.name": Option(None, "Name of the service.", shown="(required)"),
    "crisis.*.contact": Option(None, "How to reach it (number, text line).", shown="(required)"),
    "crisis.*.note": Option(None, "When and why to use it.", shown='""'),
    "library": Option(None, "Folders (or .zip archives) of shared modules and pages, relative to program.yml, e.g. "
                      "`[../shared-modules]`; `iopcurr:curriculum` is the bundled curriculum. A local file with the "
                      "same id wins.", shown="[]"),
    "crisis.*.<lang>": Option(None, "The contact's `name`, `contact` and `note` in another language of `languages`, "
                              "e.g. `es: {name: Línea 988, contact: Llame al 988 y marque el 2}`.", shown="(none)"),
    "theme.name": Option("default", "The theme to use (only `default` ships).", ("default",)),
    "theme.override": Option(None, "Folder in the curriculum whose templates and static files win.", shown="(none)"),
    "theme.accent": Option("#1d5a85", "Accent colour of links, buttons and the header line; needs 4.5:1 contrast with white.", (_COLOUR, "a colour")),
    "theme.logo": Option(None, "Logo image in the curriculum's assets/, e.g. `assets/logo.svg`, shown next to the name.", shown="(none)"),
    "plan.min_segment_minutes": Option(5, "A segment with fewer minutes gets a warning.", (0, 600)),
    "plan.part_tolerance": Option(0.5, "Warn when a part strays from a third by more than this share.", (0.0, 10.0)),
})

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 60, 60
shown = _REPR.repr  # a short repr for messages, however big the value (YAML aliases can nest a value deeply)


def _known(section: str) -> list[str]:
    """Keys allowed directly under a dotted section ('' for the top level)."""
    prefix = f"{section}." if section else ""
    keys = {k[len(prefix) :].split(".")[0] for k in OPTIONS if k.startswith(prefix)}
    return sorted(k for k in keys - {"*"} if not k.startswith("<"))


def _get(m: dict[str, Any], dotted: str, default: Any) -> Any:
    """The value of the key `dotted` ends in, in its section `m`."""
    return m.get(dotted.rpartition(".")[2], default)


@dataclass(frozen=True)
class _Reader:
    """Reads typed values out of parsed YAML, collecting problems instead of raising."""

    path: str
    lines: dict[str, int]
    origins: Mapping[str, str]  # key → the site file it was written in
    problems: list[Problem]

    def line(self, dotted: str) -> int | None:
        written = written_at(self.lines, dotted)
        return self.lines[written] if written else 1

    def problem(self, dotted: str, message: str, code: str, hint: str = "") -> None:
        """A problem at the key's line, in the file it was written in (program.yml, or a site file)."""
        written = written_at(self.lines, dotted)
        where = self.origins.get(written, self.path) if written else self.path
        self.problems.append(Problem(where, self.line(dotted), message, code, hint=hint))

    def section(self, value: Any, dotted: str, schema_key: str = "", languages: tuple[str, ...] = ()) -> dict[str, Any]:
        """A mapping, with unknown keys reported (hints from the schema, by default its own key); a
        key of `languages` holds a translation (see `_translated`)."""
        found = self.mapping(value, dotted, "be a mapping of keys to values")
        known = _known(schema_key or dotted)
        for key in found:
            if str(key) not in known and key not in languages:
                name = f"{dotted}.{key}" if dotted else str(key)
                hint = did_you_mean(str(key), known, f"Known keys: {', '.join(known)}.")
                self.problem(name, f"unknown key `{name}`.", "IOP003", hint)
        return found

    def mapping(self, value: Any, dotted: str, must: str) -> dict[Any, Any]:
        """`value` if it is a mapping ({} for None); otherwise {} and a problem: `dotted` must ..."""
        if value is not None and not isinstance(value, dict):
            self.problem(dotted, f"`{dotted}` must {must}.", "IOP004")
        return value if isinstance(value, dict) else {}

    def text(self, m: dict[str, Any], dotted: str, default: str) -> str:
        value = _get(m, dotted, default)
        if value is None:
            return default
        if isinstance(value, bool | dict | list):
            self.problem(dotted, f"`{dotted}` must be text.", "IOP004")
            return default
        return str(value)

    def value(self, m: dict[str, Any], dotted: str) -> Any:
        """The value of `dotted` in its section `m`, checked as its row of OPTIONS says (else its default)."""
        option = OPTIONS[dotted]
        default = option.default
        value = self.text(m, dotted, default) if isinstance(default, str) else _get(m, dotted, default)
        fault = _fault(option, value)
        if fault is not None:
            self.problem(dotted, f"`{dotted}` must {fault[0]}.", "IOP004", fault[1])
            return default
        return type(default)(value)

    def values(self, m: dict[str, Any], section: str) -> dict[str, Any]:
        """Every key right under `section` that has a default in OPTIONS, read from its mapping `m`."""
        return {key.rpartition(".")[2]: self.value(m, key) for key, option in OPTIONS.items()
                if option.default is not None and key.rpartition(".")[0] == section}

    def items(self, value: Any, dotted: str) -> list[Any]:
        if value is not None and not isinstance(value, list):
            self.problem(dotted, f"`{dotted}` must be a list (one `- item` per line).", "IOP004")
        return value if isinstance(value, list) else []

    def text_list(self, value: Any, dotted: str) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(self.items(value, dotted)):
            if isinstance(item, dict | list) or item is None:
                self.problem(f"{dotted}.{i}", f"each item of `{dotted}` must be text.", "IOP004")
            else:
                out.append(str(item))
        return tuple(out)

    def a_date(self, value: Any, dotted: str) -> date | None:
        """A date in FIRST_YEAR..LAST_YEAR: a calendar needs room around it (weeks, time zones)."""
        found = value if isinstance(value, date) else _real_date(self, value, dotted)
        if isinstance(found, datetime):
            found = found.date()
        if found is not None and not FIRST_YEAR <= found.year <= LAST_YEAR:
            self.problem(dotted, f"`{dotted}` must be a date between {FIRST_YEAR} and {LAST_YEAR}, not {found.isoformat()}.",
                         "IOP031", hint="Check the year.")
            return None
        return found


def _fault(option: Option, value: Any) -> tuple[str, str] | None:
    """What a value of `option` must be instead (and a hint), or None when it will do. A number
    must be whole when its default is, and between the two numbers of its check."""
    default, check = option.default, option.check
    if isinstance(default, bool):
        return None if isinstance(value, bool) else (f"be true or false, not {shown(value)}", "")
    if isinstance(default, int | float):
        whole = isinstance(default, int)
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            return f"be {'a whole number' if whole else 'a number'}, not {shown(value)}", ""
        low, high = check
        return None if low <= value <= high else (f"be between {low} and {high}, not {value}", "")
    if check and isinstance(check[0], re.Pattern):
        return None if check[0].match(value) else (f"be {check[1]} like \"{default}\", not {shown(value)}", "")
    if check and value not in check:
        return f"be one of {', '.join(check)}, not {shown(value)}", did_you_mean(value, check)
    return None


FIRST_YEAR, LAST_YEAR = 1900, 2200  # dates a program's calendar may use
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _real_date(r: _Reader, value: Any, dotted: str) -> date | None:
    """A date written as text (YAML keeps a date that does not exist, such as 2027-02-30, as text)."""
    text = value.strip() if isinstance(value, str) else ""
    match = _DATE.match(text)
    if not match:
        r.problem(dotted, f"`{dotted}` must be a date written YYYY-MM-DD, not {shown(value)}.", "IOP004")
        return None
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        r.problem(dotted, f"`{dotted}` is not a real date: {text} has no month {month}.", "IOP004",
                  hint="Write the date as YYYY-MM-DD, the month from 01 to 12.")
        return None
    last = calendar.monthrange(year or 4, month)[1]  # year 0 does not exist; any leap year will do
    if not 1 <= day <= last or year == 0:
        r.problem(dotted, f"`{dotted}` is not a real date: {text}.", "IOP004",
                  hint=f"{MONTH_NAMES[month - 1]} {year} has {last} days: write a day from 1 to {last}." if year else "Check the year.")
        return None
    return date(year, month, day)


def parse_program(text: str, path: str = "program.yml") -> tuple[Program, list[Problem]]:
    """Validate program.yml text. Always returns a usable Program (defaults where it was wrong)."""
    data, lines, problems = load_yaml(text, path)
    return program_from(data, lines, problems, path)


def program_from(data: Any, lines: dict[str, int], problems: list[Problem], path: str,
                 origins: Mapping[str, str] | None = None) -> tuple[Program, list[Problem]]:
    """Validate program settings already read from YAML (`lines`: the line of each dotted key;
    `origins`: the file of each key not written in `path`, for a site file merged over it)."""
    r = _Reader(path, lines, origins or {}, list(problems))
    if data is not None and not isinstance(data, dict):
        r.problem("", "program.yml must be a mapping of settings (`key: value` lines).", "IOP002")
        data = {}
    top = r.section(data or {}, "")
    languages = _languages(r, top)
    program = Program(
        **r.values(top, ""),
        session=_session(r, top, languages[1:]),
        tracks=_tracks(r, top),
        schedule=_schedule(r, r.section(top.get("schedule"), "schedule")),
        handouts=_handouts(r, top, languages),
        crisis=_crisis(r, top, languages[1:]),
        theme=_theme(r, top),
        edition=str(r.a_date(top["edition"], "edition") or "") if top.get("edition") is not None else "",
        plan=PlanSettings(**r.values(r.section(top.get("plan"), "plan"), "plan")),
        site_url=_site_url(r, top),
        path=path,
        lines=MappingProxyType(dict(lines)),
        library=r.text_list(top.get("library"), "library"),
        origins=MappingProxyType(dict(origins or {})),
        languages=languages if "languages" in top else (),
    )
    if not re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", program.language):
        r.problem("language", f"`language` must be a language code such as \"en\", not {shown(program.language)}.", "IOP004")
    session = program.session
    if session.opening.minutes + session.closing.minutes >= session.minutes:
        r.problem(
            "session.minutes",
            f"the opening ({session.opening.minutes} min) and closing ({session.closing.minutes} min) "
            f"rituals leave no time in a {session.minutes}-minute session.",
            "IOP011",
        )
    return program, r.problems


def _session(r: _Reader, top: dict[str, Any], other_languages: tuple[str, ...]) -> SessionSettings:
    sess = r.section(top.get("session"), "session")
    plain = r.values(sess, "session")
    hours, _, minutes = plain.pop("start").partition(":")
    return SessionSettings(**plain, start=int(hours) * 60 + int(minutes),
                           opening=_ritual(r, sess, "opening", other_languages),
                           closing=_ritual(r, sess, "closing", other_languages))


def _handouts(r: _Reader, top: dict[str, Any], languages: tuple[str, ...]) -> HandoutSettings:
    ho = r.section(top.get("handouts"), "handouts")
    return HandoutSettings(
        **r.values(ho, "handouts"),
        copies=tuple((k, int(v)) for k, v in _per_language(r, ho, "copies", languages).items()),
        min_ease=tuple({"es": 70.0, **_per_language(r, ho, "min_ease", languages)}.items()),
    )


def _theme(r: _Reader, top: dict[str, Any]) -> ThemeSettings:
    th = r.section(top.get("theme"), "theme")
    return ThemeSettings(**r.values(th, "theme"), override=_optional_path(r, th, "theme.override"),
                         logo=_optional_path(r, th, "theme.logo"))


def _ritual(r: _Reader, sess: dict[str, Any], key: str, other_languages: tuple[str, ...]) -> Ritual:
    dotted = f"session.{key}"
    m = r.section(sess.get(key), dotted, dotted, other_languages)
    return Ritual(**r.values(m, dotted), translations=_translated(r, m, dotted, dotted, ("title", "text"), other_languages))


def _translated(r: _Reader, given: dict[str, Any], dotted: str, schema: str, keys: tuple[str, ...],
                other_languages: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """(language, *the text of each of `keys`) for each language of `other_languages` in the section
    `given`, e.g. `es: {title: "Apertura", text: …}` beside a ritual's own title and text."""
    found = []
    for lang in (lang for lang in other_languages if lang in given):
        t = r.section(given[lang], f"{dotted}.{lang}", schema)
        found.append((lang, *(r.text(t, f"{dotted}.{lang}.{k}", "") for k in keys)))
    return tuple(found)


def _tracks(r: _Reader, top: dict[str, Any]) -> tuple[Track, ...]:
    out: list[Track] = []
    for i, item in enumerate(r.items(top.get("tracks"), "tracks")):
        dotted = f"tracks.{i}"
        m = r.section(item, dotted, "tracks.*")
        if not m:
            continue
        tid = r.text(m, f"{dotted}.id", "")
        if not tid:
            r.problem(dotted, "every track needs an `id`.", "IOP005")
            continue
        if not ID.match(tid):
            r.problem(f"{dotted}.id", f"track id {shown(tid)} may use only lowercase letters, digits and hyphens.", "IOP004")
        if any(t.id == tid for t in out):
            r.problem(f"{dotted}.id", f"track id {shown(tid)} is used twice.", "IOP006")
            continue
        out.append(
            Track(
                id=tid,
                title=r.text(m, f"{dotted}.title", tid.replace("-", " ").capitalize()),
                description=r.text(m, f"{dotted}.description", ""),
                modules=r.text_list(m.get("modules"), f"{dotted}.modules"),
                line=r.line(dotted),
            )
        )
    return tuple(out)


def _schedule(r: _Reader, m: dict[str, Any]) -> ScheduleSettings:
    plain = r.values(m, "schedule")
    try:
        ZoneInfo(plain["timezone"])
    except (ZoneInfoNotFoundError, ValueError, OSError):
        r.problem("schedule.timezone", f"unknown time zone {shown(plain['timezone'])}.", "IOP031",
                  "Use an IANA name such as \"America/Chicago\".")
        plain["timezone"] = "UTC"
    skip: dict[date, str] = {}
    for i, item in enumerate(r.items(m.get("skip"), "schedule.skip")):
        d = r.a_date(item, f"schedule.skip.{i}")
        if d is not None:
            skip.setdefault(d, f"schedule.skip.{i}")
    return ScheduleSettings(
        **plain, days=_days(r, m), skip=tuple(sorted(skip.items())), pin=_pins(r, m), repeat=_repeats(r, m),
        streams=_streams(r, m), rotate=r.text_list(m["rotate"], "schedule.rotate") if "rotate" in m else None,
        first_date=r.a_date(m["first_date"], "schedule.first_date") if m.get("first_date") is not None else None)


_DAY_HINT = "Use mon, tue, wed, thu, fri, sat or sun."


def _days(r: _Reader, m: dict[str, Any]) -> tuple[int, ...]:
    """`schedule.days`: the group days of the week (0 is Monday), each once."""
    raw = r.items(m["days"], "schedule.days") if "days" in m else ["mon", "wed", "thu"]
    if len(raw) > len(WEEKDAYS):
        r.problem("schedule.days", f"`schedule.days` lists {len(raw)} group days, but a week has only 7.",
                  "IOP031", "List each group day once: mon, tue, wed, thu, fri, sat or sun.")
    days: list[int] = []
    for i, name in enumerate(raw):
        day = _weekday(name)
        if day is None:
            r.problem(f"schedule.days.{i}", f"{shown(name)} is not a day of the week.", "IOP031", _DAY_HINT)
        elif day in days:
            r.problem(f"schedule.days.{i}", f"{shown(name)} is listed twice in `schedule.days`.", "IOP031")
        else:
            days.append(day)
    if not days:
        r.problem("schedule.days", "`schedule.days` needs at least one group day.", "IOP031")
        days = [0]
    return tuple(sorted(days))


def _pins(r: _Reader, m: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    """`schedule.pin`: module id → the week whose first session it holds."""
    pin = r.mapping(m.get("pin") or {}, "schedule.pin", "map module ids to week numbers")
    pins = []
    for key, week in pin.items():
        if isinstance(week, bool) or not isinstance(week, int) or week < 1:
            r.problem(f"schedule.pin.{key}", f"the week of `{key}` must be a week number (1, 2, ...).", "IOP004")
        else:
            pins.append((str(key), week))
    return tuple(pins)


def _weekday(value: Any) -> int | None:
    name = value.strip().lower()[:3] if isinstance(value, str) else ""
    return WEEKDAYS.index(name) if name in WEEKDAYS else None


def _repeats(r: _Reader, m: dict[str, Any]) -> tuple[Repeat, ...]:
    """`schedule.repeat`: `{module: N}` or `{module: {every: N, from: W, day: mon}}`."""
    raw = r.mapping(m.get("repeat") or {}, "schedule.repeat", "map module ids to a number of weeks, e.g. `{orientation: 3}`")
    out: list[Repeat] = []
    for key, value in raw.items():
        dotted = f"schedule.repeat.{key}"
        spec = r.section(value, dotted, "schedule.repeat.*") if isinstance(value, dict) else {"every": value}
        if "every" not in spec:
            r.problem(dotted, f"`{dotted}` needs `every:` (how many weeks apart).", "IOP005")
            continue
        every = spec.get("every")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            r.problem(dotted, f"`{key}` must repeat every whole number of weeks (1, 2, ...), not {shown(every)}.",
                      "IOP004", "Write e.g. `orientation: 3` for every third week.")
            continue
        start = spec.get("from", 1)
        if isinstance(start, bool) or not isinstance(start, int) or start < 1:
            r.problem(f"{dotted}.from", f"`{dotted}.from` must be a week number (1, 2, ...), not {shown(start)}.", "IOP004")
            continue
        day = _weekday(spec.get("day"))
        if day is None and spec.get("day") is not None:
            r.problem(f"{dotted}.day", f"{shown(spec['day'])} is not a day of the week.", "IOP031", _DAY_HINT)
            continue
        out.append(Repeat(str(key), every, start, day))
    return tuple(out)


def _streams(r: _Reader, m: dict[str, Any]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """`schedule.streams`: group day → the track or module ids of its own rotation."""
    raw = r.mapping(m.get("streams") or {}, "schedule.streams",
                    "map group days to lists of tracks, e.g. `{mon: [early-recovery], wed: [relapse-prevention]}`")
    out: dict[int, tuple[str, ...]] = {}
    for key, value in raw.items():
        dotted = f"schedule.streams.{key}"
        day = _weekday(key)
        if day is None:
            hint = did_you_mean(str(key).lower(), WEEKDAYS, _DAY_HINT)
            r.problem(dotted, f"unknown key `{dotted}`: a stream is named by its group day.", "IOP003", hint)
            continue
        if day in out:
            r.problem(dotted, f"{WEEKDAYS[day]} has two streams.", "IOP031", "Give each group day one stream.")
            continue
        ids = r.text_list(value if isinstance(value, list) else [value], dotted)
        if not ids:
            r.problem(dotted, f"the stream of {WEEKDAYS[day]} names no track.", "IOP031",
                      "List the tracks (or modules) it runs, e.g. `[early-recovery]`.")
            continue
        out[day] = ids
    return tuple(sorted(out.items()))


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def _languages(r: _Reader, top: dict[str, Any]) -> tuple[str, ...]:
    """`languages:`: language codes, the source first (default: `[language]`)."""
    source = str(top.get("language") or "en")
    found: list[str] = []
    for i, code in enumerate(r.text_list(top.get("languages"), "languages")):
        if not _LANGUAGE.match(code):
            r.problem(f"languages.{i}", f"`languages` must hold language codes such as \"es\", not {shown(code)}.", "IOP004",
                      "Write lowercase codes: `languages: [en, es]`.")
        elif code not in found:
            found.append(code)
    if not found:
        return (source,)
    if "language" in top and found[0] != source:
        r.problem("languages", f"the first of `languages` ({found[0]}) is the source language, but `language` is {source}.",
                  "IOP004", f"Put {source} first: `languages: [{source}, ...]`.")
    return tuple(found)


def _per_language(r: _Reader, m: dict[str, Any], key: str, languages: tuple[str, ...]) -> dict[str, float]:
    """A mapping of language → number, such as `handouts.copies: {en: 10, es: 5}`, each between the
    two numbers of its check in OPTIONS."""
    dotted = f"handouts.{key}"
    low, high = OPTIONS[dotted].check
    value = r.mapping(m.get(key), dotted, f"map languages to numbers, e.g. `{{{languages[0]}: 10}}`")
    out: dict[str, float] = {}
    for lang, number in value.items():
        where = f"{dotted}.{lang}"
        if str(lang) not in languages and key == "copies":
            r.problem(where, f"`{where}`: {lang} is not one of `languages` ({', '.join(languages)}).", "IOP007")
        elif isinstance(number, bool) or not isinstance(number, int | float) or not low <= number <= high:
            r.problem(where, f"`{where}` must be a number from {low:g} to {high:g}, not {shown(number)}.", "IOP004")
        else:
            out[str(lang)] = float(number)
    return out


def _crisis(r: _Reader, top: dict[str, Any], other_languages: tuple[str, ...]) -> tuple[CrisisContact, ...]:
    if "crisis" not in top:
        return DEFAULT_CRISIS
    out = []
    for i, item in enumerate(r.items(top["crisis"], "crisis")):
        dotted = f"crisis.{i}"
        m = r.section(item, dotted, "crisis.*", other_languages)
        name = r.text(m, f"{dotted}.name", "")
        contact = r.text(m, f"{dotted}.contact", "")
        if not name or not contact:
            r.problem(dotted, "each crisis contact needs a `name` and a `contact`.", "IOP005")
            continue
        translated = _translated(r, m, dotted, "crisis.*", ("name", "contact", "note"), other_languages)
        out.append(CrisisContact(name, contact, r.text(m, f"{dotted}.note", ""), translated))
    return tuple(out)


def _optional_path(r: _Reader, m: dict[str, Any], dotted: str) -> str | None:
    text = r.text(m, dotted, "")
    if text.startswith("/") or ".." in text.replace("\\", "/").split("/"):
        r.problem(dotted, f"`{dotted}` must be a path inside the curriculum folder, not {shown(text)}.", "IOP029")
        return None
    return text or None


def options_markdown_table() -> str:
    """The program.yml reference table for the authoring guide."""
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{key}` | {option.written} | {option.doc} |" for key, option in OPTIONS.items()]
    return "\n".join(rows)


def _site_url(r: _Reader, top: dict[str, Any]) -> str:
    """`site_url`, ending in `/` ("" when not set or not a web address)."""
    url = r.text(top, "site_url", "").strip()
    if url and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", url):
        r.problem("site_url", f"`site_url` must be a web address such as \"https://clinic.example.org/iop/\", not {shown(url)}.", "IOP004")
        return ""
    return url if not url or url.endswith("/") else url + "/"
