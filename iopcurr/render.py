"""The Jinja environment and the page views: Curriculum + plans → OutputFile[].

Templates receive small view objects (plain frozen dataclasses with strings and lists), never
the internal models. Converted content arrives as `Markup`, already sanitized; nothing that an
author writes is ever compiled as a template.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jinja2
from markupsafe import Markup

from iopcurr import __version__, books
from iopcurr.checks import reading_grade, track_of
from iopcurr.model import Curriculum, Handout, Module, OutputFile, Page, Schedule, SessionPlan
from iopcurr.plan import PART_NAMES, clock
from iopcurr.schedule import long_date, session_label, session_when, upcoming

CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
)


def default_theme_dir() -> Path:
    """The default theme shipped in the package (themes/default in a source checkout)."""
    # A source checkout uses its own themes/ folder, even when an editable install of another
    # checkout maps `iopcurr.themes` elsewhere (e.g. tests run in a git worktree).
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "themes" / "default").is_dir():
        return root / "themes" / "default"
    return Path(str(importlib.resources.files("iopcurr.themes") / "default"))


# ---------------------------------------------------------------- views


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    note: str = ""
    current: bool = False
    alternates: tuple[Link, ...] = ()  # other forms of the same thing: large print, PDF


@dataclass(frozen=True)
class NavTrack:
    title: str
    modules: tuple[Link, ...]


@dataclass(frozen=True)
class SiteView:
    title: str
    organization: str
    language: str
    disclaimer: str
    logo: str | None
    version: str
    csp: str
    paper: str
    crisis: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class PageContext:
    """What every page template gets besides its own view."""

    site: SiteView
    root: str  # relative prefix to the site root ("" or "../")
    title: str
    kind: str
    nav_tracks: tuple[NavTrack, ...]
    nav_pages: tuple[Link, ...]
    breadcrumbs: tuple[Link, ...] = ()


@dataclass(frozen=True)
class PlanRowView:
    start: str
    end: str
    minutes: int
    part: str
    title: str
    anchor: str | None


@dataclass(frozen=True)
class SegmentView:
    title: Markup
    anchor: str
    time: str
    minutes: int
    part: str
    html: Markup


@dataclass(frozen=True)
class ModuleView:
    id: str
    title: str
    track: str
    summary: str
    objectives: tuple[str, ...]
    materials: tuple[str, ...]
    handouts: tuple[Link, ...]
    overview: Markup
    rows: tuple[PlanRowView, ...]
    parts: tuple[tuple[str, int], ...]
    total: int
    opening: tuple[str, str, str]  # title, time, text
    closing: tuple[str, str, str]
    segments: tuple[SegmentView, ...]
    previous: Link | None
    next: Link | None
    sessions: tuple[Link, ...] = ()  # the sessions this module is scheduled in


@dataclass(frozen=True)
class HandoutView:
    id: str
    title: str
    html: Markup
    module: Link
    large: bool = False  # the large-print variant
    alternates: tuple[Link, ...] = ()


@dataclass(frozen=True)
class IndexTrack:
    title: str
    description: str
    modules: tuple[Link, ...]


@dataclass(frozen=True)
class HomeSchedule:
    """The schedule box of the home page; `next` only when the build was given `--today`."""

    summary: str
    ics: bool
    today: str  # the --today date in words, or ""
    next: tuple[Link, ...]  # title, url, note = date and time
    ended: str  # the last session's date in words when --today is past it, else ""


@dataclass(frozen=True)
class IndexView:
    tracks: tuple[IndexTrack, ...]
    pages: tuple[Link, ...]
    handouts: tuple[Link, ...]
    session_minutes: int
    module_count: int
    schedule: HomeSchedule | None = None
    books: tuple[Link, ...] = ()  # the client packet and the facilitator manual


@dataclass(frozen=True)
class PageView:
    id: str
    title: str
    summary: str
    html: Markup


@dataclass(frozen=True)
class Theme:
    """The Jinja environment and static files of a theme (with the override applied)."""

    env: jinja2.Environment
    static: tuple[tuple[str, Path], ...]  # (relative path under static/, file)
    folders: tuple[Path, ...] = field(default=())


def load_theme(override: Path | None) -> Theme:
    """Templates and static files: the override folder wins, file by file."""
    default = default_theme_dir()
    folders = ((override,) if override else ()) + (default,)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f / "templates") for f in folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    static: dict[str, Path] = {}
    for folder in reversed(folders):
        base = folder / "static"
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    static[path.relative_to(base).as_posix()] = path
    return Theme(env, tuple(sorted(static.items())), folders)


# ---------------------------------------------------------------- building views


def _site(cur: Curriculum) -> SiteView:
    p = cur.program
    return SiteView(
        title=p.title,
        organization=p.organization,
        language=p.language,
        disclaimer=p.disclaimer,
        logo=p.theme.logo,
        version=__version__,
        csp=CSP,
        paper=p.handouts.paper,
        crisis=tuple((c.name, c.contact, c.note) for c in p.crisis),
    )


def _nav(cur: Curriculum, root: str, current: str = "") -> tuple[tuple[NavTrack, ...], tuple[Link, ...]]:
    tracks: list[NavTrack] = []
    titles = {t.id: t.title for t in cur.program.tracks}
    groups: dict[str, list[Link]] = {}
    for m in cur.modules:
        key = track_of(cur.program, m) or ""
        url = f"{root}facilitator/{m.id}.html"
        groups.setdefault(key, []).append(Link(m.title, url, current=(current == f"facilitator/{m.id}")))
    for key, links in groups.items():
        tracks.append(NavTrack(titles.get(key, "Modules"), tuple(links)))
    pages = tuple(
        Link(p.title, f"{root}pages/{p.id}.html", current=(current == f"pages/{p.id}")) for p in cur.pages
    )
    return tuple(tracks), pages


def _context(cur: Curriculum, site: SiteView, root: str, title: str, kind: str, current: str,
             crumbs: Sequence[Link] = ()) -> PageContext:
    tracks, pages = _nav(cur, root, current)
    return PageContext(site, root, title, kind, tracks, pages, tuple(crumbs))


def handout_alternates(cur: Curriculum, hid: str, root: str, *, pdf: bool,
                       large: bool = False) -> tuple[Link, ...]:
    """Links to the other forms of a handout: the other print size and the PDFs (with --pdf)."""
    out: list[Link] = []
    if cur.program.handouts.large_print:
        other = "Regular print" if large else "Large print"
        out.append(Link(other, root + books.handout_page(hid, large=not large)))
    if pdf:
        out.append(Link("PDF", root + books.handout_pdf(hid, large=large)))
        if cur.program.handouts.large_print:
            other_pdf = "Regular-print PDF" if large else "Large-print PDF"
            out.append(Link(other_pdf, root + books.handout_pdf(hid, large=not large)))
    return tuple(out)


def module_view(cur: Curriculum, index: int, plan: SessionPlan | None,
                sessions: tuple[Link, ...] = (), *, pdf: bool = False) -> ModuleView:
    m = cur.modules[index]
    style = cur.program.session.clock
    handouts_by_id = {h.id: h for mod in cur.modules for h in mod.handouts}
    handouts = tuple(
        Link(handouts_by_id[h].title, f"../handouts/{h}.html",
             f"reading grade {reading_grade(handouts_by_id[h].text)}",
             alternates=handout_alternates(cur, h, "../", pdf=pdf))
        for h in m.session_handouts
        if h in handouts_by_id
    )
    rows: tuple[PlanRowView, ...] = ()
    segments: list[SegmentView] = []
    opening = closing = ("", "", "")
    parts: tuple[tuple[str, int], ...] = ()
    total = 0
    if plan:
        rows = tuple(
            PlanRowView(clock(r.start, style), clock(r.end, style), r.minutes,
                        PART_NAMES[r.part] if r.part else "", r.title, r.anchor)
            for r in plan.rows
        )
        seg_rows = [r for r in plan.rows if r.kind == "segment"]
        for seg, r in zip(m.segments, seg_rows, strict=True):
            segments.append(
                SegmentView(Markup(seg.title_html), seg.anchor, f"{clock(r.start, style)}–{clock(r.end, style)}",
                            r.minutes, PART_NAMES[r.part or 2], Markup(seg.html))
            )
        s = cur.program.session
        first, last = plan.rows[0], plan.rows[-1]
        opening = (s.opening.title, f"{clock(first.start, style)}–{clock(first.end, style)}", s.opening.text)
        closing = (s.closing.title, f"{clock(last.start, style)}–{clock(last.end, style)}", s.closing.text)
        parts = tuple((PART_NAMES[q], plan.parts[q - 1]) for q in (1, 2, 3))
        total = plan.total
    else:
        segments = [SegmentView(Markup(seg.title_html), seg.anchor, "", 0, "", Markup(seg.html)) for seg in m.segments]
    prev_m = cur.modules[index - 1] if index > 0 else None
    next_m = cur.modules[index + 1] if index + 1 < len(cur.modules) else None
    titles = {t.id: t.title for t in cur.program.tracks}
    return ModuleView(
        id=m.id,
        title=m.title,
        track=titles.get(track_of(cur.program, m) or "", ""),
        summary=m.summary,
        objectives=m.objectives,
        materials=m.materials,
        handouts=handouts,
        overview=Markup(m.overview_html),
        rows=rows,
        parts=parts,
        total=total,
        opening=opening,
        closing=closing,
        segments=tuple(segments),
        previous=Link(prev_m.title, f"{prev_m.id}.html") if prev_m else None,
        next=Link(next_m.title, f"{next_m.id}.html") if next_m else None,
        sessions=sessions,
    )


def _render(theme: Theme, template: str, **values: object) -> bytes:
    return theme.env.get_template(template).render(**values).encode("utf-8")


def home_schedule(cur: Curriculum, schedule: Schedule, today: date | None) -> HomeSchedule | None:
    """What the home page says about the calendar: its span and, given `today`, what is next."""
    if not schedule.sessions:
        return None
    first, last = schedule.sessions[0], schedule.sessions[-1]
    n = len(schedule.sessions)
    if first.date is not None and last.date is not None:
        summary = f"{n} sessions from {long_date(first.date)} to {long_date(last.date)}."
    else:
        summary = f"{n} sessions over {cur.program.schedule.weeks} weeks."
    titles = {m.id: m.title for m in cur.modules}
    nxt = tuple(
        Link(f"Session {s.number}: {titles[s.module_id]}", f"sessions/{s.number}.html",
             session_when(s, cur.program))
        for s in upcoming(schedule, today)
    )
    ended = ""
    if today is not None and last.date is not None and today > last.date:
        ended = long_date(last.date)
    return HomeSchedule(summary, schedule.dated, long_date(today) if today else "", nxt, ended)


def index_view(cur: Curriculum, schedule: Schedule | None = None, today: date | None = None, *,
               pdf: bool = False) -> IndexView:
    """The program home: tracks and modules, handouts, pages, the calendar, and what to print."""
    return IndexView(
        tracks=tuple(
            IndexTrack(
                title=t.title,
                description=t.description,
                modules=tuple(Link(m.title, f"facilitator/{m.id}.html", m.summary)
                              for m in cur.modules if track_of(cur.program, m) == t.id),
            )
            for t in cur.program.tracks
        ) or (IndexTrack("Modules", "", tuple(Link(m.title, f"facilitator/{m.id}.html", m.summary) for m in cur.modules)),),
        pages=tuple(Link(p.title, f"pages/{p.id}.html", p.summary) for p in cur.pages),
        handouts=tuple(Link(h.title, f"handouts/{h.id}.html", f"reading grade {reading_grade(h.text)}")
                       for m in cur.modules for h in m.handouts),
        session_minutes=cur.program.session.minutes,
        module_count=len(cur.modules),
        schedule=home_schedule(cur, schedule, today) if schedule else None,
        books=(
            Link("Client workbook", books.PACKET, "every handout in program order, for clients",
                 alternates=(Link("PDF", books.PACKET_PDF),) if pdf else ()),
            Link("Facilitator manual", books.MANUAL, "the whole guide in one document",
                 alternates=(Link("PDF", books.MANUAL_PDF),) if pdf else ()),
        ),
    )


def sessions_by_module(schedule: Schedule | None) -> dict[str, tuple[Link, ...]]:
    """Links to the sessions each module is scheduled in, from a facilitator page."""
    scheduled: dict[str, list[Link]] = {}
    for s in schedule.sessions if schedule else ():
        scheduled.setdefault(s.module_id, []).append(
            Link(f"Session {s.number}", f"../sessions/{s.number}.html", session_label(s)))
    return {k: tuple(v) for k, v in scheduled.items()}


def render_site(cur: Curriculum, plans: dict[str, SessionPlan | None], theme: Theme,
                schedule: Schedule | None = None, today: date | None = None, *,
                pdf: bool = False) -> Iterator[OutputFile]:
    """Every page of the site, in a stable order (the calendar pages: sessionpages.py; the
    packet and the manual: render_books.py). With `pdf`, pages link to their PDFs."""
    site = _site(cur)
    home = Link("Home", "../index.html")
    titles = {t.id: t.title for t in cur.program.tracks}

    index = index_view(cur, schedule, today, pdf=pdf)
    ctx = _context(cur, site, "", cur.program.title, "index", "index")
    yield OutputFile("index.html", _render(theme, "index.html", ctx=ctx, site=site, root="", view=index))

    scheduled = sessions_by_module(schedule)
    for i, m in enumerate(cur.modules):
        view = module_view(cur, i, plans.get(m.id), scheduled.get(m.id, ()), pdf=pdf)
        crumbs = [home] + ([Link(view.track, "../index.html")] if view.track else [])
        ctx = _context(cur, site, "../", m.title, "module", f"facilitator/{m.id}", crumbs)
        yield OutputFile(f"facilitator/{m.id}.html", _render(theme, "module.html", ctx=ctx, site=site, root="../", view=view))

    for m in cur.modules:
        for h in m.handouts:
            yield render_handout(cur, site, theme, m, h, titles, pdf=pdf)
            if cur.program.handouts.large_print:
                yield render_handout(cur, site, theme, m, h, titles, pdf=pdf, large=True)

    for p in cur.pages:
        ctx = _context(cur, site, "../", p.title, "page", f"pages/{p.id}", [home])
        view_p = PageView(p.id, p.title, p.summary, Markup(p.html))
        yield OutputFile(f"pages/{p.id}.html", _render(theme, "page.html", ctx=ctx, site=site, root="../", view=view_p))

    yield OutputFile("static/theme.css", theme_css(cur).encode("utf-8"))


def handout_view(cur: Curriculum, m: Module, h: Handout, root: str, *, pdf: bool = False,
                 large: bool = False) -> HandoutView:
    module = Link(m.title, f"{root}facilitator/{m.id}.html")
    alternates = handout_alternates(cur, h.id, root, pdf=pdf, large=large)
    return HandoutView(h.id, h.title, Markup(h.html), module, large, alternates)


def render_handout(cur: Curriculum, site: SiteView, theme: Theme, m: Module, h: Handout,
                   titles: dict[str, str], *, pdf: bool = False, large: bool = False) -> OutputFile:
    """A handout page, or its large-print variant (handouts/large/<id>.html)."""
    root = "../../" if large else "../"
    title = f"{h.title} (large print)" if large else h.title
    crumbs = [Link("Home", f"{root}index.html"), Link(m.title, f"{root}facilitator/{m.id}.html")]
    if large:
        crumbs.append(Link(h.title, f"{root}{books.handout_page(h.id)}"))
    path = books.handout_page(h.id, large=large)
    ctx = _context(cur, site, root, title, "handout", path.removesuffix(".html"), crumbs)
    view = handout_view(cur, m, h, root, pdf=pdf, large=large)
    html = _render(theme, "handout.html", ctx=ctx, site=site, root=root, view=view)
    return OutputFile(path, html)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string: quotes, backslashes and control characters escaped."""
    out = "".join(c if c.isprintable() and c not in "\"\\" else f"\\{ord(c):x} " for c in text)
    return f'"{out}"'


def crisis_line(cur: Curriculum) -> str:
    """The crisis contacts in one line, for the foot of every printed handout page."""
    contacts = " · ".join(f"{c.name}: {c.contact}" for c in cur.program.crisis)
    return f"Need help right now? {contacts}" if contacts else ""


def theme_css(cur: Curriculum) -> str:
    """Program branding as CSS custom properties (a file, so the CSP needs no inline styles).

    Also the printed page: its size, the program title at the top of every page and the
    crisis contacts at the foot of every handout page (named page `handout`, see print.css).
    """
    size = "letter" if cur.program.handouts.paper == "letter" else "A4"
    return (
        "/* Generated from program.yml (theme.accent, handouts.paper, title, crisis). */\n"
        f":root {{ --accent: {cur.program.theme.accent}; }}\n"
        f"@page {{ size: {size}; @top-left {{ content: {css_string(cur.program.title)}; }} }}\n"
        f"@page handout {{ @bottom-left {{ content: {css_string(crisis_line(cur))}; }} }}\n"
        f"@page handout-large {{ @bottom-left {{ content: {css_string(crisis_line(cur))}; }} }}\n"
    )


def page_list(pages: Sequence[Page]) -> tuple[Page, ...]:
    return tuple(sorted(pages, key=lambda p: (p.order, p.title.lower(), p.id)))
