"""The data that flows through the pipeline: immutable values only.

Each stage takes some of these and returns new ones; nothing is filled in later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from iopcurr.errors import Problem

# ---------------------------------------------------------------- program.yml


@dataclass(frozen=True)
class Ritual:
    """The opening or closing ritual that frames every session."""

    title: str
    minutes: int
    text: str
    translations: tuple[tuple[str, ...], ...] = ()  # (language, title, text)

    def in_language(self, language: str) -> Ritual:
        """The ritual as written for `language` (the source's words where none is given)."""
        for lang, title, text in self.translations:
            if lang == language:
                return Ritual(title or self.title, self.minutes, text or self.text)
        return self


@dataclass(frozen=True)
class SessionSettings:
    minutes: int
    start: int  # minutes after midnight
    clock: Literal["12h", "24h"]
    opening: Ritual
    closing: Ritual


@dataclass(frozen=True)
class Track:
    id: str
    title: str
    description: str
    modules: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class Repeat:
    """A module that comes back every `every` weeks from week `start`, on `day` (Monday = 0) or
    the first free session of its week."""

    module_id: str
    every: int
    start: int = 1
    day: int | None = None


@dataclass(frozen=True)
class ScheduleSettings:
    weeks: int
    days: tuple[int, ...]  # weekday numbers, Monday = 0
    first_date: date | None
    rotate: tuple[str, ...] | None  # track ids; None = every track in order
    pin: tuple[tuple[str, int], ...]  # (module id, week)
    timezone: str
    group_size: int
    extra_copies: int
    skip: tuple[tuple[date, str], ...] = ()  # each skipped date, in order, with its key, e.g. `schedule.skip.2`
    repeat: tuple[Repeat, ...] = ()
    streams: tuple[tuple[int, tuple[str, ...]], ...] = ()  # group day → track or module ids


@dataclass(frozen=True)
class HandoutSettings:
    paper: Literal["letter", "a4"]
    max_grade: float  # Flesch-Kincaid, of the prose sentences
    large_print: bool
    max_smog: float = 8.0  # SMOG, of the prose sentences
    duplex: bool = False  # print both sides: each workbook handout starts on a right-hand page
    copies: tuple[tuple[str, int], ...] = ()  # language → copies of each handout per session (i18n)
    min_ease: tuple[tuple[str, float], ...] = (("es", 70.0),)  # language → lowest reading ease (Fernández-Huerta)


@dataclass(frozen=True)
class CrisisContact:
    name: str
    contact: str
    note: str
    translations: tuple[tuple[str, ...], ...] = ()  # (language, name, contact, note)

    def in_language(self, language: str) -> CrisisContact:
        """The contact as written for `language` (the source's words where none is given)."""
        for lang, name, contact, note in self.translations:
            if lang == language:
                return CrisisContact(name or self.name, contact or self.contact, note or self.note)
        return self


@dataclass(frozen=True)
class ThemeSettings:
    name: str
    override: str | None  # folder, relative to the curriculum
    accent: str
    logo: str | None  # file, relative to the curriculum


@dataclass(frozen=True)
class PlanSettings:
    min_segment_minutes: int
    part_tolerance: float  # how far (as a fraction of a third) a part may stray


@dataclass(frozen=True)
class Program:
    title: str
    organization: str
    language: str
    session: SessionSettings
    tracks: tuple[Track, ...]
    schedule: ScheduleSettings
    handouts: HandoutSettings
    crisis: tuple[CrisisContact, ...]
    theme: ThemeSettings
    plan: PlanSettings
    disclaimer: str
    site_url: str = ""  # where the site is published, ending in "/" ("" when unknown)
    path: str = "program.yml"
    edition: str = ""  # YYYY-MM-DD: the date of this edition of the program, or ""
    lines: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))
    library: tuple[str, ...] = ()  # folders or archives of shared modules and pages, as written
    # The file each key came from when it is not `path` (a site file, sites/<name>.yml, merged over it)
    origins: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    languages: tuple[str, ...] = ()  # `languages:`; the first is the source language (see `langs`)

    @property
    def handout_copies(self) -> int:
        """Copies of each handout to print for a session in the source language: `handouts.copies`
        for it, else the group size and the extra copies."""
        return dict(self.handouts.copies).get(self.langs[0], self.schedule.group_size + self.schedule.extra_copies)

    @property
    def langs(self) -> tuple[str, ...]:
        """The languages of the site, the source language first (`languages`, else `[language]`)."""
        return self.languages or (self.language,)

    def line_of(self, dotted: str) -> int | None:
        """The program.yml line of a key such as `schedule.weeks` (None if not written)."""
        return self.lines.get(dotted)

    def path_of(self, dotted: str) -> str:
        """The file the key (or the nearest written key above it) was written in: a site file or program.yml."""
        written = written_at(self.lines, dotted)
        return self.origins.get(written, self.path) if written else self.path


def written_at(lines: Mapping[str, int], dotted: str) -> str:
    """The key `dotted` itself, or the nearest key above it that was written ("" when none was)."""
    while dotted and dotted not in lines:
        dotted = dotted.rpartition(".")[0]
    return dotted


# ---------------------------------------------------------------- converted content


@dataclass(frozen=True)
class Points:
    """What a facilitator needs at a glance from one segment (its run sheet lists them)."""

    says: tuple[str, ...] = ()  # the first line of each script
    questions: tuple[str, ...] = ()
    roleplays: tuple[str, ...] = ()  # role-play names
    homework: tuple[str, ...] = ()  # the items of the home assignment
    core_says: tuple[str, ...] = ()  # those of `says`, `questions` and `roleplays` marked `{.core}`
    core_questions: tuple[str, ...] = ()
    core_roleplays: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    """One level-2 section of a module: a step of its session plan."""

    title: str  # plain text
    title_html: str
    anchor: str
    minutes: int | None  # explicit minutes, if the author gave them
    third: int | None  # explicit part, if the author gave it
    line: int
    html: str
    go_round: float | None = None  # `go-round=N`: every member speaks, about N minutes each
    points: Points = Points()  # read from `html` (source/points.py)


@dataclass(frozen=True)
class Handout:
    id: str
    title: str
    module_id: str
    path: str
    line: int
    html: str
    text: str  # plain text, sentence-terminated, for reading grade and search
    readability: Readability | None = None  # set by `convert.parse_all` (checks.readability_of)
    ease: float | None = None  # of a Spanish handout's prose, by Fernández-Huerta: set as `readability` (checks.spanish_ease)


SMOG_SENTENCES = 3  # SMOG needs three sentences at least (McLaughlin used 30)


@dataclass(frozen=True)
class Readability:
    """How hard the prose of a handout is to read: two US school-grade formulas over its prose
    sentences (`checks.prose_text`). `sentences` is how many there were: with none, neither grade
    means anything (both are 0); with fewer than SMOG_SENTENCES, the SMOG grade is 0."""

    grade: float  # Flesch-Kincaid grade level
    smog: float  # SMOG grade (McLaughlin 1969; the usual measure for health materials)
    sentences: int


@dataclass(frozen=True)
class Ref:
    """A link or image in content that points into the curriculum, checked once all is read.

    The URL has already been rewritten for the site (see links.py); this records what it must
    find: a module or page (and an anchor in it), a file in assets/, or a file of the built site
    (such as ../handouts/x.html), which is looked for once the site is rendered.
    """

    kind: Literal["module", "page", "asset", "site"]
    target: str  # module or page id; an asset's path in the curriculum; a path in the built site
    anchor: str  # as the author wrote it, without `#`; "" for none
    url: str  # as the author wrote it
    line: int
    column: int | None
    image: bool


@dataclass(frozen=True)
class SearchDoc:
    """One page of the site as the search index sees it: where it is, what it is called, the text
    it shows, and that text's index terms (`lunrindex.bag` of the title, the summary and the text).
    Made with the file it comes from, so that a cold build analyses its words in the conversion
    workers and a rebuild takes them from the cache."""

    url: str  # relative to the site root
    title: str
    kind: str  # a key of search.KINDS
    summary: str
    text: str
    bags: tuple[str, ...]  # one per index field: title, summary, body


@dataclass(frozen=True)
class Converted:
    """What Markdown conversion makes of one module or page body (the unit that is cached)."""

    overview_html: str
    segments: tuple[Segment, ...]
    handouts: tuple[Handout, ...]
    block_kinds: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    refs: tuple[Ref, ...] = ()  # links and images into the curriculum
    anchors: tuple[str, ...] = ()  # the HTML ids the body defines (segments and headings)
    stamps: tuple[str, str] = ("", "")  # of its handouts and its facilitator parts (blocks.stamps)


@dataclass(frozen=True)
class Translation:
    """`modules/<id>.<lang>.md`: the handouts of module `module_id` in another language and, if
    the team has them, its facilitator parts (overview and segments)."""

    module_id: str
    language: str
    path: str
    title: str
    source: str  # the stamp of the source handouts it was made from (see translations.source_stamp)
    review: str  # "pending", "done", or who reviewed it and when
    handouts: tuple[Handout, ...]
    lines: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))
    search: tuple[SearchDoc, ...] = ()  # its handouts (see search.py)
    overview_html: str = ""  # the facilitator parts, when it has segments
    segments: tuple[Segment, ...] = ()
    guide_source: str = ""  # the stamp of the source facilitator parts (translations.guide_stamp)
    summary: str = ""
    objectives: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()


@dataclass(frozen=True)
class Module:
    id: str
    path: str
    title: str
    track: str | None
    summary: str
    objectives: tuple[str, ...]
    materials: tuple[str, ...]
    handout_refs: tuple[str, ...]  # `handouts:` of the front matter
    overview_html: str
    segments: tuple[Segment, ...]
    handouts: tuple[Handout, ...]  # defined in this module
    block_kinds: tuple[str, ...]
    lines: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))
    refs: tuple[Ref, ...] = ()
    anchors: tuple[str, ...] = ()
    search: tuple[SearchDoc, ...] = ()  # its facilitator page, then its handouts (see search.py)
    reviewed_by: str = ""  # who last reviewed the module (the review trail)
    reviewed_on: str = ""  # YYYY-MM-DD, or ""
    next_review: str = ""  # YYYY-MM-DD, or ""
    changes: tuple[tuple[str, str], ...] = ()  # `changes:` (YYYY-MM-DD, what changed), newest first
    # The version stamps of its handouts and of its facilitator parts, which a translation names as
    # `source` and `guide_source` (blocks.stamps, worked out with the conversion)
    stamps: tuple[str, str] = ("", "")

    @property
    def session_handouts(self) -> tuple[str, ...]:
        """Handouts used in this session: its own, then the ones it lists, without repeats."""
        seen: dict[str, None] = {h.id: None for h in self.handouts}
        for ref in self.handout_refs:
            seen.setdefault(ref, None)
        return tuple(seen)


@dataclass(frozen=True)
class Commit:
    """A commit of the curriculum's git repository that touched module files (changes.html)."""

    date: str  # YYYY-MM-DD (the author's date)
    subject: str
    modules: tuple[str, ...]  # ids of the module files it touched


@dataclass(frozen=True)
class Page:
    id: str
    path: str
    title: str
    summary: str
    order: int
    html: str
    refs: tuple[Ref, ...] = ()
    anchors: tuple[str, ...] = ()
    search: tuple[SearchDoc, ...] = ()  # the page itself (see search.py)


# ---------------------------------------------------------------- plan and schedule


@dataclass(frozen=True)
class PlanRow:
    kind: Literal["opening", "segment", "closing"]
    title: str
    anchor: str | None
    part: int | None
    start: int  # minutes after midnight (may pass 1440 for sessions that cross midnight)
    minutes: int

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class SessionPlan:
    module_id: str
    rows: tuple[PlanRow, ...]
    parts: tuple[int, int, int]  # minutes per part of the rule of thirds

    @property
    def total(self) -> int:
        return sum(r.minutes for r in self.rows)


@dataclass(frozen=True)
class Session:
    """One scheduled group meeting."""

    number: int
    week: int
    day: int  # 1-based index of the group day within its week
    date: date | None
    module_id: str
    cycle: int
    pinned: bool
    weekday: int = 0  # Monday = 0
    cycles: int = 1  # how many times the rotation of its day (its stream, or the shared one) runs
    start: datetime | None = None  # aware, in the program's time zone (only with a date)
    end: datetime | None = None  # start + session minutes of real time, back in local time


@dataclass(frozen=True)
class Schedule:
    """Every session of the program calendar, in order (the output of schedule.py)."""

    sessions: tuple[Session, ...]
    skipped: tuple[tuple[date, int], ...]  # skipped dates that fell on a group day, each with its week
    timezone: str
    cycles: int  # how many times the longest rotation ran (1 when it never started over)

    @property
    def dated(self) -> bool:
        return bool(self.sessions) and self.sessions[0].date is not None


@dataclass(frozen=True)
class Curriculum:
    """Everything read and converted: the input of planning and rendering."""

    source: str
    program: Program
    modules: tuple[Module, ...]  # in program order
    pages: tuple[Page, ...]  # in navigation order
    translations: tuple[Translation, ...] = ()  # in program order of their modules, then language


# ---------------------------------------------------------------- output


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative, with forward slashes
    content: bytes


@dataclass(frozen=True)
class Asset:
    """A file published as it is at `rel` (`assets/...`): the curriculum's own, or a library's."""

    rel: str
    path: str  # where it is, as shown in messages
    data: bytes | None = None  # a file of a .zip library; otherwise read from `path`

    def read(self) -> bytes:
        return self.data if self.data is not None else Path(self.path).read_bytes()
