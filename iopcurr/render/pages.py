"""The Jinja environment and the page views: Curriculum + plans → OutputFile[].

Templates receive small view objects (plain frozen dataclasses with strings and lists; a
facilitator page is its own `Page`, its HTML as `Markup`). Converted content arrives as `Markup`,
already sanitized; nothing that an author writes is ever compiled as a template.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from iopcurr import __version__
from iopcurr.errors import IopError
from iopcurr.model import (
    Curriculum,
    Handout,
    Module,
    OutputFile,
    Page,
    Schedule,
    Session,
    SessionPlan,
    SessionSettings,
    Translation,
)
from iopcurr.plan.checks import edition_date, readability_of, readability_words, track_map
from iopcurr.plan.safety import without_controls
from iopcurr.plan.schedule import long_date, session_label, session_when, upcoming
from iopcurr.plan.thirds import PART_NAMES
from iopcurr.render import books
from iopcurr.render.i18n import Catalogues, Words, load_catalogues, spoken, template_function, translate
from iopcurr.render.ics import track_title
from iopcurr.render.runsheet import Row, agenda_clock, plan_rows
from iopcurr.render.tonight import TonightCard, fixed_card
from iopcurr.source.markup import CORE_LABEL, HANDOUT_CARD, LABELS
from iopcurr.source.translations import has_guide

CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
)


def default_theme_dir() -> Path:
    """The default theme shipped in the package (themes/default in a source checkout)."""
    # A source checkout uses its own themes/ folder, even when an editable install of another
    # checkout maps `iopcurr.themes` elsewhere (e.g. tests run in a git worktree).
    root = Path(__file__).resolve().parents[2]
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
    more: Link | None = None  # large programs: the full list of the track, on the home page


@dataclass(frozen=True)
class SiteView:
    title: str
    organization: str
    language: str
    disclaimer: str
    logo: str | None
    crisis: tuple[tuple[str, str, str], ...]
    nav: NavTable = field(repr=False, compare=False)  # worked out once per render
    edition: str = ""  # "December 5, 2026": the edition date, on the manual's cover
    version: str = __version__
    csp: str = CSP
    search_language: str = ""  # a translation's pages: the language of their search index (lunr-languages)
    language_css: str = ""  # a translation's pages: their print styles (crisis footer in their language)


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
class SegmentView:
    title: Markup
    anchor: str
    time: str
    minutes: int
    part: str
    html: Markup


@dataclass(frozen=True, kw_only=True)
class GuideView:
    """What the facilitator runs a session from (templates/_guide.html): the module page shows it
    with the plan's own clock, each session page with the session's clock times (a module
    without a plan: no rows, parts, times, opening or closing)."""

    summary: str
    objectives: tuple[str, ...]
    materials: tuple[str, ...]
    overview: Markup
    segments: tuple[SegmentView, ...]
    rows: tuple[Row, ...] = ()
    parts: tuple[tuple[str, int], ...] = ()
    total: int = 0
    opening: tuple[str, str, str] = ("", "", "")  # title, time, text
    closing: tuple[str, str, str] = ("", "", "")


@dataclass(frozen=True)
class ModuleView(GuideView):
    title: str
    track: str
    handouts: tuple[Link, ...]
    previous: Link | None
    next: Link | None
    sessions: tuple[Link, ...] = ()  # the sessions this module is scheduled in
    review: str = ""  # the review trail in words (see `review_note`)
    switch: tuple[Link, ...] = ()  # this page in the other languages that translate it (note = language code)


G = TypeVar("G", bound=GuideView)


def block_words(html: str, words: Words) -> str:
    """A guide's HTML with the labels of its blocks and handout cards in the words of the page's
    language (markup.py writes them in English)."""
    for kind, label in LABELS.items():
        if (said := words(f"block_{kind}", label)) != label:
            html = html.replace(f'<p class="block-label">{label}', f'<p class="block-label">{said}')
    if (said := words("core", "Core")) != "Core":
        html = html.replace(CORE_LABEL, f'<span class="core-label">{said}</span>')
    if (said := words("client_handout_card", HANDOUT_CARD)) != HANDOUT_CARD:
        html = html.replace(f'<p><strong>{HANDOUT_CARD}</strong>', f"<p><strong>{said}</strong>")
    return spoken(html, words)


def guide_view(view: type[G], m: Module, plan: SessionPlan | None, settings: SessionSettings,
               times: Sequence[tuple[str, str]], words: Words, **rest: Any) -> G:
    """A view of `view`'s class with the guide of module `m`; `times` are the start and end of
    each row of `plan`, as the page shows them; `words` name the parts and the blocks; `rest`
    are the class's own fields."""
    rows = plan_rows(plan, times, words) if plan else ()
    # The time, minutes and part of each segment: those of its row of the plan (none without a plan).
    timed = [(f"{r.start}–{r.end}", r.minutes, r.part) for r in rows if r.kind == "segment"] if plan \
        else [("", 0, "")] * len(m.segments)
    segments = tuple(SegmentView(Markup(s.title_html), s.anchor, *t, Markup(block_words(s.html, words)))
                     for s, t in zip(m.segments, timed, strict=True))
    guide: dict[str, Any] = {"summary": m.summary, "objectives": m.objectives, "materials": m.materials,
                             "overview": Markup(block_words(m.overview_html, words)), "segments": segments}
    if not plan:
        return view(**guide, **rest)
    return view(
        **guide, rows=rows, parts=tuple((words(f"part_{q}", PART_NAMES[q]), plan.parts[q - 1]) for q in (1, 2, 3)),
        total=plan.total, opening=(settings.opening.title, "–".join(times[0]), settings.opening.text),
        closing=(settings.closing.title, "–".join(times[-1]), settings.closing.text), **rest,
    )


@dataclass(frozen=True)
class HandoutView:
    title: str
    html: Markup
    large: bool = False  # the large-print variant
    alternates: tuple[Link, ...] = ()
    qr: Markup = field(default_factory=Markup)  # on paper: a QR code to the page online (with site_url)
    switch: tuple[Link, ...] = ()  # the same handout in the other languages (note = language code)
    fallback: str = ""  # not yet translated: the language its text is shown in


@dataclass(frozen=True)
class IndexTrack:
    title: str
    description: str
    modules: tuple[Link, ...]
    id: str = ""


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
    tonight: TonightCard | None = None  # fixed by --today; else the browser fills the card in


@dataclass(frozen=True)
class Theme:
    """The Jinja environment and static files of a theme (with the override applied)."""

    env: jinja2.Environment
    static: tuple[tuple[str, Path], ...]  # (relative path under static/, file)
    catalogues: Catalogues = field(default_factory=dict)  # interface strings: language → key → text


class TemplateFailure(jinja2.TemplateRuntimeError):
    """A template that failed while rendering (a division by zero, a template that includes
    itself, a refused attribute), with the template file and line it failed at."""

    def __init__(self, message: str, filename: str | None, lineno: int | None) -> None:
        super().__init__(message)
        self.filename = filename
        self.lineno = lineno


class Rendered(NamedTuple):
    """A page, and what its `main` block wrote (`render_page`)."""

    file: OutputFile
    main: str


MAIN_MARKS = ("<!--iopcurr:main-->", "<!--/iopcurr:main-->")  # around the `main` block in base.html
_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S | re.I)


def render_page(ctx: SiteContext, template: str, path: str, page: PageContext, view: object) -> Rendered:
    """The page at site path `path` (`template` with the page's context and its view), and what
    its `main` block wrote: the page's content without the site around it. Where the template does
    not mark that block once (an override's own base.html), what the page's <main> element holds
    is taken, or the whole page without one. The marks are taken out.

    Whatever goes wrong while the template renders becomes a `TemplateFailure` naming the
    template and line (a problem, never a traceback)."""
    try:
        html = ctx.theme.env.get_template(template).render(ctx=page, site=ctx.site, root=page.root, view=view)
    except (jinja2.TemplateSyntaxError, TemplateFailure):
        raise
    except RecursionError as exc:
        raise TemplateFailure("the template calls itself (an include or a macro) without end.",
                              *_template_frame(exc.__traceback__, looping=True)) from None
    except Exception as exc:
        what = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{exc} ({type(exc).__name__})"
        raise TemplateFailure(what, *_template_frame(exc.__traceback__)) from None
    start, end = MAIN_MARKS
    whole = html.replace(start, "").replace(end + "\n", "").replace(end, "")  # (the line end after the mark is the template's)
    file = OutputFile(path, whole.encode("utf-8"))
    if html.count(start) == html.count(end) == 1:
        return Rendered(file, html.split(start)[1].split(end)[0])
    inside = _MAIN.search(whole)
    return Rendered(file, inside.group(1) if inside else whole)


def _template_frame(tb: TracebackType | None, *, looping: bool = False) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback rewritten by Jinja (its frames of
    template code carry the template's file name and line). For a template that calls itself
    without end (`looping`), the innermost line of the page's own template, where the loop is."""
    frames: list[tuple[str, int]] = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".ics", ".xml", ".txt", ".j2", ".jinja")) or "/templates/" in filename:
            frames.append((filename, tb.tb_lineno))
        tb = tb.tb_next
    if not frames:
        return None, None
    if looping:
        return [f for f in frames if f[0] == frames[0][0]][-1]
    return frames[-1]


class ThemeLoader(jinja2.FileSystemLoader):
    """Templates from the theme folders, refusing one that is a link to somewhere outside its
    folder (an override could otherwise `{% include %}` any file of the computer into a page)."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not any(_inside(Path(filename), Path(folder)) for folder in self.searchpath):
            raise TemplateFailure(f"the template {template} is a link to somewhere outside the theme folder.",
                                  filename, None)
        return source, filename, uptodate


def load_theme(override: Path | None) -> Theme:
    """Templates and static files: the override folder wins, file by file.

    Templates render in Jinja's sandbox. A static file of the override that
    is a link to somewhere outside the override folder is refused (it would be published)."""
    folders = ((override,) if override else ()) + (default_theme_dir(),)
    # Jinja's sandbox: a template reads the views it is given and calls their safe methods, but
    # reaches no attribute starting with `_` (no `cycler.__init__.__globals__`), so a theme
    # override runs no Python of its own. iopcurr's own templates need no sandbox (it checks every
    # attribute a template reads: a quarter of the time pages take to render).
    environment = SandboxedEnvironment if override else jinja2.Environment
    env = environment(
        loader=ThemeLoader([str(f / "templates") for f in folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A theme is loaded for one build; the preview loads it again when a template changes.
        # (Jinja would otherwise look at each template file's time on every page: 12,000 stat calls at 1,000 modules.)
        auto_reload=False,
        finalize=_printable,  # (what every `{{ ... }}` shows)
    )
    catalogues = load_catalogues(folders)
    env.globals["t"] = template_function(catalogues)
    static: dict[str, Path] = {}
    for folder in reversed(folders):
        base = folder / "static"
        for path in sorted(base.rglob("*")):  # none where there is no such folder
            if path.is_file():
                if folder == override and not _inside(path, override):
                    raise IopError("this static file of the theme override is a link to somewhere outside the "
                                   "override folder; it would be published with the site, so the build stops. Copy "
                                   "the file into the override's static/ folder instead.", path=str(path), code=1)
                static[path.relative_to(base).as_posix()] = path
    return Theme(env, tuple(sorted(static.items())), catalogues)


def _printable(value: object) -> object:
    """A value a template shows, without control characters (a program.yml string may hold
    `"\\x1b"` or `"\\x0b"`: HTML may not)."""
    if isinstance(value, str) and (cleaned := without_controls(value)) is not value:
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, its links followed, is in `folder` (a loop of links is not)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False


# ---------------------------------------------------------------- building views


def words_date(iso: str) -> str:
    """`2026-12-05` → `December 5, 2026` ("" stays "")."""
    return long_date(date.fromisoformat(iso)).partition(", ")[2] if iso else ""


def review_note(m: Module) -> str:
    """`Reviewed by X on December 5, 2026. Next review due by June 1, 2027.` (or less)."""
    if not (m.reviewed_by or m.reviewed_on):
        return ""
    note = "Reviewed" + (f" by {m.reviewed_by}" if m.reviewed_by else "")
    note += f" on {words_date(m.reviewed_on)}." if m.reviewed_on else "."
    return note + (f" Next review due by {words_date(m.next_review)}." if m.next_review else "")


# Above this many modules the sidebar no longer lists every module on every page (that would
# make the site grow with the square of its size): it lists the tracks, and around the current
# module a window of its track, each with a link to the track's full list on the home page.
NAV_FULL_MODULES = 60
NAV_WINDOW = 5  # modules shown before and after the current one


@dataclass(frozen=True)
class NavTable:
    """The navigation of a curriculum, worked out once per render (lookups, not scans)."""

    tracks: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (key, title, ((id, title), ...))
    where: dict[str, tuple[int, int]]  # module id → (track index, position in the track)
    pages: tuple[tuple[str, str], ...]  # (id, title)
    full: bool
    handouts: dict[str, Handout]  # handout id → handout


def nav_table(cur: Curriculum) -> NavTable:
    titles = {t.id: t.title for t in cur.program.tracks}
    track_ids = track_map(cur.program, cur.modules)
    groups: dict[str, list[tuple[str, str]]] = {}
    for m in cur.modules:
        groups.setdefault(track_ids.get(m.id) or "", []).append((m.id, m.title))
    tracks = tuple((key, titles.get(key, "Modules"), tuple(mods)) for key, mods in groups.items())
    where = {ident: (i, j) for i, (_, _, mods) in enumerate(tracks) for j, (ident, _) in enumerate(mods)}
    return NavTable(tracks, where, tuple((p.id, p.title) for p in cur.pages), len(cur.modules) <= NAV_FULL_MODULES,
                    {h.id: h for m in cur.modules for h in m.handouts})  # (their ids are unique: check_ids)


def page_context(site: SiteView, title: str, kind: str, current: str, crumbs: Sequence[Link] = (),
                 near: str = "") -> PageContext:
    """What a page template gets besides its view; `current` is the page's site path without
    `.html` (the prefix to the site root follows from its depth). Its sidebar does not grow with
    the program beyond NAV_FULL_MODULES: `near` is the module whose neighbours a large program
    shows (default: the current module)."""
    root, nav = "../" * current.count("/"), site.nav
    current_module = current.removeprefix("facilitator/") if current.startswith("facilitator/") else ""
    here = nav.where.get(near or current_module)
    tracks: list[NavTrack] = []
    for i, (key, track, mods) in enumerate(nav.tracks):
        if nav.full:
            shown, more = mods, None
        else:
            shown = mods[max(0, here[1] - NAV_WINDOW) : here[1] + NAV_WINDOW + 1] if here and here[0] == i else ()
            anchor = f"#track-{key}" if key else "#modules"
            more = Link(f"All {len(mods)} modules of this track", f"{root}index.html{anchor}")
        links = tuple(Link(t, f"{root}facilitator/{ident}.html", current=(ident == current_module)) for ident, t in shown)
        tracks.append(NavTrack(track, links, more))
    pages = tuple(Link(t, f"{root}pages/{ident}.html", current=(current == f"pages/{ident}")) for ident, t in nav.pages)
    return PageContext(site, root, title, kind, tuple(tracks), pages, tuple(crumbs))


@dataclass(frozen=True)
class SiteContext:
    """What the pages of one build are made from, handed explicitly to every view: the curriculum,
    its session plans and calendar, the theme, `--today` and `--pdf`, and the site view. The pages
    of a translation get one in their `language` (which their paths carry), with the language's
    handouts, module titles and translated facilitator parts (all empty for the source language,
    whose own are shown)."""

    cur: Curriculum
    theme: Theme
    site: SiteView
    plans: Mapping[str, SessionPlan | None] = field(default_factory=dict)
    schedule: Schedule | None = None
    today: date | None = None
    pdf: bool = False
    language: str = ""  # a translation's pages: its language; "" for the source language's
    handouts: Mapping[str, Handout] = field(default_factory=dict)  # handout id → its translation
    titles: Mapping[str, str] = field(default_factory=dict)  # module id → its title in the language
    guides: Mapping[str, Translation] = field(default_factory=dict)  # module id → its translation, with the facilitator parts

    @property
    def words(self) -> Words:
        """The interface words of the site's language (the theme's catalogue, whatever English is given)."""
        return lambda key, _: self.text(key)

    def text(self, key: str) -> str:
        return translate(self.theme.catalogues, self.site.language, key)

    def fallback(self, hid: str) -> str:
        """The source language, where a translation's page shows handout `hid` untranslated; else ""."""
        return "" if not self.language or hid in self.handouts else self.cur.program.langs[0]


def site_context(cur: Curriculum, plans: Mapping[str, SessionPlan | None], theme: Theme,
                 schedule: Schedule | None = None, today: date | None = None, *, pdf: bool = False) -> SiteContext:
    p = cur.program
    site = SiteView(title=p.title, organization=p.organization, language=p.language, disclaimer=p.disclaimer,
                    logo=p.theme.logo, crisis=tuple(books.crisis_contact(c, p.language, theme.catalogues) for c in p.crisis),
                    nav=nav_table(cur), edition=words_date(edition_date(p, cur.modules)))
    return SiteContext(cur, theme, site, plans, schedule, today, pdf)


def handout_alternates(ctx: SiteContext, hid: str, root: str, *, large: bool = False,
                       fill: bool = False) -> tuple[Link, ...]:
    """Links to the other forms of a handout (in the context's language): the other print size
    and the PDFs (with --pdf), and with `fill` the PDF to fill in on screen."""
    language, large_print = ctx.language, ctx.cur.program.handouts.large_print
    other, other_pdf = ((ctx.text("regular_print"), ctx.text("regular_print_pdf")) if large
                        else (ctx.text("large_print"), ctx.text("large_print_pdf")))
    links = ((large_print, other, books.handout_page(hid, large=not large, language=language)),
             (ctx.pdf, ctx.text("pdf"), books.handout_pdf(hid, large=large, language=language)),
             (ctx.pdf and large_print, other_pdf, books.handout_pdf(hid, large=not large, language=language)),
             (ctx.pdf and fill, ctx.text("fill_pdf"), books.fill_pdf(hid)))
    return tuple(Link(title, root + path) for wanted, title, path in links if wanted)


def switch_links(ctx: SiteContext, path: str, root: str, have: Collection[str]) -> tuple[Link, ...]:
    """The page at site path `path` in the source language, in the other languages than the
    context's: the source's and those in `have` (title and note: the language code; their pages
    are in a folder of the language: facilitator/es/, handouts/es/large/)."""
    langs = ctx.cur.program.langs
    return tuple(Link(lang, root + (path if lang == langs[0] else path.replace("/", f"/{lang}/", 1)), lang)
                 for lang in langs if lang != (ctx.language or langs[0]) and (lang == langs[0] or lang in have))


_LINK_UP = re.compile(r'(href|src)="\.\./')
_HANDOUT = re.compile(r'href="\.\./\.\./handouts/([^"/]+)\.html"')


def localized(html: str, language: str) -> str:
    """The HTML of a translation's facilitator parts, on facilitator/<lang>/: one folder deeper,
    its handout cards to the handouts in the language (guide_view puts its labels in it)."""
    return _HANDOUT.sub(rf'href="../../handouts/{language}/\1.html"', _LINK_UP.sub(r'\1="../../', html))


def translated_guide(ctx: SiteContext, m: Module, t: Translation) -> tuple[Module, SessionSettings, SessionPlan | None]:
    """Module `m` with the facilitator parts of its translation `t`, the opening and closing in
    the language, and the source's session plan (the same minutes and parts) with their titles."""
    language = ctx.language
    segments = tuple(replace(mine, anchor=theirs.anchor, title_html=localized(mine.title_html, language),
                             html=localized(mine.html, language))
                     for mine, theirs in zip(t.segments, m.segments, strict=True))
    shown = replace(m, title=t.title or m.title, summary=t.summary or m.summary, objectives=t.objectives or m.objectives,
                    materials=t.materials or m.materials, overview_html=localized(t.overview_html, language),
                    segments=segments)
    settings = ctx.cur.program.session
    settings = replace(settings, opening=settings.opening.in_language(language),
                       closing=settings.closing.in_language(language))
    titles = {theirs.anchor: mine.title for mine, theirs in zip(t.segments, m.segments, strict=True)}
    titles |= {"opening": settings.opening.title, "closing": settings.closing.title}
    plan = ctx.plans.get(m.id)
    if plan is not None:
        plan = replace(plan, rows=tuple(replace(r, title=titles.get(r.anchor or r.kind, r.title)) for r in plan.rows))
    return shown, settings, plan


def _session_note(ctx: SiteContext, s: Session) -> str:
    if not ctx.language:
        return session_label(s)
    return s.date.isoformat() if s.date else ctx.text("week_day").format(week=s.week, day=s.day)


def module_view(ctx: SiteContext, index: int) -> ModuleView:
    """The facilitator page of `cur.modules[index]` in the context's language (a translation's:
    its own facilitator parts on the source's session plan)."""
    cur = ctx.cur
    nav, m, source = ctx.site.nav, cur.modules[index], not ctx.language
    root = "../" if source else "../../"
    t = ctx.guides.get(m.id)
    shown, settings, plan = translated_guide(ctx, m, t) if t else (m, cur.program.session, ctx.plans.get(m.id))
    times = agenda_clock(cur, None, plan) if plan else []
    handouts = tuple(Link(ctx.handouts.get(h, nav.handouts[h]).title, root + books.handout_page(h, language=ctx.language),
                          readability_words(readability_of(nav.handouts[h])) if source else "",
                          alternates=handout_alternates(ctx, h, root))
                     for h in m.session_handouts)  # (each one defined, else IOP007 stops the build)
    sessions = tuple(Link(f"{ctx.text('session')} {s.number}", f"{root}sessions/{s.number}.html", _session_note(ctx, s))
                     for s in (ctx.schedule.sessions if ctx.schedule else ()) if s.module_id == m.id)

    def neighbour(i: int) -> Link | None:
        if not 0 <= i < len(cur.modules):
            return None
        other = cur.modules[i]
        return Link(ctx.titles.get(other.id, other.title),
                    f"{other.id}.html" if source or other.id in ctx.guides else f"../{other.id}.html")

    pending = ctx.text("guide_review_pending") if t and t.review == "pending" else ""
    return guide_view(ModuleView, shown, plan, settings, times, ctx.words, title=shown.title,
                      track=track_title(cur.program, m), handouts=handouts,
                      previous=neighbour(index - 1), next=neighbour(index + 1), sessions=sessions, review=review_note(m) if source else pending,
                      switch=switch_links(ctx, f"facilitator/{m.id}.html", root,
                                          {t.language for t in cur.translations if t.module_id == m.id and has_guide(t, m)}))


def home_schedule(cur: Curriculum, schedule: Schedule, today: date | None) -> HomeSchedule | None:
    """What the home page says about the calendar: its span and, given `today`, what is next."""
    if not schedule.sessions:
        return None
    first, last, n = schedule.sessions[0], schedule.sessions[-1], len(schedule.sessions)
    if first.date is not None and last.date is not None:
        summary = f"{n} sessions from {long_date(first.date)} to {long_date(last.date)}."
    else:
        summary = f"{n} sessions over {cur.program.schedule.weeks} weeks."
    titles = {m.id: m.title for m in cur.modules}
    nxt = tuple(Link(f"Session {s.number}: {titles[s.module_id]}", f"sessions/{s.number}.html",
                     session_when(s, cur.program)) for s in upcoming(schedule, today))
    ended = long_date(last.date) if today is not None and last.date is not None and today > last.date else ""
    return HomeSchedule(summary, schedule.dated, long_date(today) if today else "", nxt, ended)


def render_index(ctx: SiteContext) -> Rendered:
    """The program's home page: tracks and modules, handouts, pages, the calendar, and what to print."""
    cur, schedule, today, pdf = ctx.cur, ctx.schedule, ctx.today, ctx.pdf
    listed = {key: mods for key, _, mods in ctx.site.nav.tracks}
    summaries = {m.id: m.summary for m in cur.modules}
    view = IndexView(
        tracks=tuple(IndexTrack(t.title, t.description, tuple(Link(title, f"facilitator/{ident}.html", summaries[ident])
                                                             for ident, title in listed.get(t.id, ())), f"track-{t.id}")
                     for t in cur.program.tracks)
        or (IndexTrack("Modules", "", tuple(Link(m.title, f"facilitator/{m.id}.html", m.summary) for m in cur.modules)),),
        pages=tuple(Link(p.title, f"pages/{p.id}.html", p.summary) for p in cur.pages),
        handouts=tuple(Link(h.title, f"handouts/{h.id}.html", readability_words(readability_of(h)))
                       for m in cur.modules for h in m.handouts),
        session_minutes=cur.program.session.minutes,
        module_count=len(cur.modules),
        schedule=home_schedule(cur, schedule, today) if schedule else None,
        tonight=fixed_card(cur, schedule, today, pdf=pdf),
        books=(
            Link("Client workbook", books.PACKET, "every handout in program order, for clients",
                 alternates=(Link("PDF", books.PACKET_PDF),) if pdf else ()),
            Link("Facilitator manual", books.MANUAL, "the whole guide in one document",
                 alternates=(Link("PDF", books.MANUAL_PDF),) if pdf else ()),
            *(Link(f"Client workbook ({lang})", books.language_packet(lang), f"every handout in the {lang} translation",
                   alternates=(Link("Bilingual", books.bilingual_packet(lang)),))
              for lang in cur.program.langs[1:]),
        ),
    )
    return render_page(ctx, "index.html", "index.html", page_context(ctx.site, cur.program.title, "index", "index"), view)


def render_site(ctx: SiteContext) -> tuple[list[OutputFile], dict[str, str]]:
    """Every page of the site in the source language, in a stable order (the calendar pages:
    sessionpages.py; the packet and the manual: render_books.py; the other languages:
    render_lang.py), and the main content of each page by path: what the collections bind. With
    `pdf`, pages link to their PDFs."""
    rendered = render_pages(ctx)
    files = [r.file for r in rendered] + [OutputFile("static/theme.css", theme_css(ctx.cur).encode("utf-8"))]
    return files, {r.file.path: r.main for r in rendered}


def render_pages(ctx: SiteContext, only: Collection[str] | None = None) -> list[Rendered]:
    """The pages of the context's language, or those of them that `only` names (the preview
    renders the pages it shows first, alone: the same bytes). In the source language the home
    page, every facilitator page, handout page and page of pages/; in a translation's, the
    facilitator pages it translates and every handout page."""
    cur, lang = ctx.cur, ctx.language

    def wanted(path: str) -> bool:
        return only is None or path in only

    out = [render_index(ctx)] if not lang and wanted("index.html") else []
    out += [render_module(ctx, i) for i, m in enumerate(cur.modules)
            if (not lang or m.id in ctx.guides) and wanted(module_page(m.id, lang))]
    out += [render_handout(ctx, m, h, large) for m in cur.modules for h in m.handouts for large in books.print_sizes(cur)
            if wanted(books.handout_page(h.id, large=large, language=lang))]
    return out + [render_extra_page(ctx, p) for p in cur.pages if not lang and wanted(f"pages/{p.id}.html")]


def module_page(ident: str, language: str = "") -> str:
    """Site path of a module's facilitator page (a translation's in facilitator/<language>/)."""
    return f"facilitator/{language}/{ident}.html" if language else f"facilitator/{ident}.html"


def render_extra_page(ctx: SiteContext, p: Page) -> Rendered:
    """A page of the curriculum's pages/ folder."""
    page = page_context(ctx.site, p.title, "page", f"pages/{p.id}", [Link("Home", "../index.html")])
    return render_page(ctx, "page.html", f"pages/{p.id}.html", page, replace(p, html=Markup(p.html)))


def render_module(ctx: SiteContext, index: int) -> Rendered:
    """The facilitator page of the module `cur.modules[index]` in the context's language."""
    view, m = module_view(ctx, index), ctx.cur.modules[index]
    path = module_page(m.id, ctx.language)
    crumbs = [Link(ctx.text("home"), "../" * path.count("/") + "index.html")]
    if view.track and not ctx.language:
        crumbs.append(Link(view.track, "../index.html"))
    page = page_context(ctx.site, view.title, "module", path.removesuffix(".html"), crumbs)
    return render_page(ctx, "module.html", path, page, view)


def render_handout(ctx: SiteContext, m: Module, source: Handout, large: bool) -> Rendered:
    """A handout page of module `m` in the context's language, or its large-print variant. A
    handout not yet translated shows the source's text, under a note that says so."""
    cur = ctx.cur
    h = ctx.handouts.get(source.id, source)
    fallback = ctx.fallback(source.id)
    path = books.handout_page(source.id, large=large, language=ctx.language)
    root = "../" * path.count("/")
    # The module's facilitator page in the language, or else (saying so) in the source language.
    guide = root + module_page(m.id, ctx.language if m.id in ctx.guides else "")
    module_title = ctx.titles.get(m.id, m.title)
    if ctx.language and m.id not in ctx.guides:
        module_title += f" ({ctx.text('guide_not_translated')})"
    crumbs = [Link(ctx.text("home"), f"{root}index.html"), Link(module_title, guide)]
    if large:
        crumbs.append(Link(h.title, f"{root}{books.handout_page(source.id, language=ctx.language)}"))
    url = cur.program.site_url + path if cur.program.site_url and not ctx.language else ""
    qr = Markup(books.qr_svg(url, f"QR code: this handout online at {url}")) if url else Markup("")
    alternates = handout_alternates(ctx, source.id, root, large=large, fill=not ctx.language and books.has_worksheet(h))
    have = {t.language for t in cur.translations for x in t.handouts if x.id == source.id}
    view = HandoutView(h.title, Markup(books.step_heads(spoken(h.html, ctx.words))), large, alternates, qr,
                       switch_links(ctx, books.handout_page(source.id, large=large), root, have), fallback)
    title = f"{h.title} {ctx.text('large_print_title')}" if large else h.title
    page = page_context(ctx.site, title, "handout", path.removesuffix(".html"), crumbs, near=m.id)
    return render_page(ctx, "handout.html", path, page, view)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string: quotes, backslashes and control characters escaped."""
    out = "".join(c if c.isprintable() and c not in "\"\\" else f"\\{ord(c):x} " for c in text)
    return f'"{out}"'


def crisis_line(heading: str, contacts: Iterable[tuple[str, str]]) -> str:
    """The crisis contacts (name, contact) in one line after `heading`, as a CSS string for the foot of every printed
    handout page. The hyphens of a phone number are non-breaking ones (U+2011): a number is never cut across two lines."""
    line = " · ".join(f"{name}: {books.unbroken_numbers(contact)}" for name, contact in contacts)
    return css_string(f"{heading} {line}" if line else "")


def theme_css(cur: Curriculum) -> str:
    """Program branding as CSS custom properties (a file, so the CSP needs no inline styles).

    Also the printed page: its size, the program title at the top of every page and the
    crisis contacts at the foot of every handout page (named page `handout`, see print.css).
    """
    size = "letter" if cur.program.handouts.paper == "letter" else "A4"
    line = crisis_line("Need help right now?", ((c.name, c.contact) for c in cur.program.crisis))
    return (
        "/* Generated from program.yml (theme.accent, handouts.paper, title, crisis). */\n"
        f":root {{ --accent: {cur.program.theme.accent}; }}\n"
        f"@page {{ size: {size}; @top-left {{ content: {css_string(cur.program.title)}; }} }}\n"
        f"@page handout {{ @bottom-left {{ content: {line}; }} }}\n"
        f"@page handout-large {{ @bottom-left {{ content: {line}; }} }}\n"
        # Printed on both sides: each handout of the workbook starts on a right-hand page.
        + (".packet .book-handout { break-before: right; }\n" if cur.program.handouts.duplex else "")
    )


def page_list(pages: Sequence[Page]) -> tuple[Page, ...]:
    return tuple(sorted(pages, key=lambda p: (p.order, p.title.lower(), p.id)))
