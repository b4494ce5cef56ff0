"""The pages of the other languages of `languages:` (pure): for each, the facilitator page of
every module whose translation has its facilitator parts (facilitator/<lang>/<id>.html), every
handout (handouts/<lang>/<id>.html and its large print), a packet (handouts/<lang>/packet.html), a
bilingual packet with each handout in the source language and then in the translation
(handouts/<lang>/bilingual.html, facing pages in print), the print styles that put its crisis
contacts at the foot of each printed page, and its search index.

A handout not yet translated is shown in the source language under a note that says so; a
handout whose module's facilitator parts are not translated links to the source language's
facilitator page, with a note that says so.
Interface strings come from the theme's catalogues (i18n.py); crisis contacts from `crisis:`
with their per-language text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial

from markupsafe import Markup

from iopcurr.model import Curriculum, Handout, Module, OutputFile, Schedule, Session, SessionPlan, Translation
from iopcurr.plan.thirds import clock
from iopcurr.render import books, searchlang
from iopcurr.render.i18n import catalogue_words, translate
from iopcurr.render.pages import (
    MAIN_MARKS,
    HandoutView,
    Link,
    ModuleView,
    SiteView,
    Theme,
    _context,
    css_string,
    guide_switch,
    guide_view,
    handout_alternates,
    handout_values,
    located_failures,
    nav_table,
    render_template,
    site_view,
    switch_links,
)
from iopcurr.render.search import language_search_file
from iopcurr.source.translations import has_guide, translated

TEMPLATE_IDS = ("main", "contents")


@dataclass(frozen=True)
class Edition:
    """One language of the client handouts: its site view and its handouts (the translation's,
    or the source's where there is none yet)."""

    language: str
    site: SiteView
    handouts: dict[str, Handout]  # handout id → its translation
    titles: dict[str, str]  # module id → its title in the language (the translation's `title`)
    guides: dict[str, Translation]  # module id → its translation, where it has the facilitator parts

    def text(self, theme: Theme, key: str) -> str:
        return translate(theme.catalogues, self.language, key)

    def guide_url(self, module_id: str, root: str) -> str:
        """The module's facilitator page in the language, or else in the source language."""
        return f"{root}facilitator/{self.language}/{module_id}.html" if module_id in self.guides \
            else f"{root}facilitator/{module_id}.html"


def edition(cur: Curriculum, language: str) -> Edition:
    site = site_view(cur)
    crisis = tuple((c.name, c.contact, c.note) for c in (c.in_language(language) for c in cur.program.crisis))
    css = language_css_path(language)
    site = replace(site, language=language, crisis=crisis, language_css=css,
                   search_language=language if searchlang.supported(language) else "")
    titles = {t.module_id: t.title for t in cur.translations if t.language == language and t.title}
    modules = {m.id: m for m in cur.modules}
    guides = {t.module_id: t for t in cur.translations
              if t.language == language and t.module_id in modules and has_guide(t, modules[t.module_id])}
    return Edition(language, site, translated(cur.translations, language), titles, guides)


def language_css_path(language: str) -> str:
    return f"static/theme.{language}.css"


def render_languages(cur: Curriculum, theme: Theme, *, pdf: bool = False,
                     kept: Mapping[str, str] | None = None,
                     plans: Mapping[str, SessionPlan | None] | None = None,
                     schedule: Schedule | None = None) -> Iterator[OutputFile]:
    """Every page and file of every language after the source one. `kept`: the main content of
    the source language's pages already rendered, by path (`render_site(mains=...)`)."""
    owners = {h.id: m for m in cur.modules for h in m.handouts}
    for language in cur.program.langs[1:]:
        ed = edition(cur, language)
        for i, m in enumerate(cur.modules):
            if m.id in ed.guides:
                sessions = tuple(s for s in (schedule.sessions if schedule else ()) if s.module_id == m.id)
                yield guide_page(cur, theme, ed, i, (plans or {}).get(m.id), sessions, pdf=pdf)
        mains: dict[str, str] = {}
        for h in books.packet_order(cur):
            m = owners[h.id]
            for large in (False, True) if cur.program.handouts.large_print else (False,):
                path, html, main = handout_page(cur, theme, ed, m, h, large=large, pdf=pdf)
                if not large:
                    mains[h.id] = main
                yield OutputFile(path, html.encode("utf-8"))
        yield packet(cur, theme, ed, mains, pdf=pdf)
        yield bilingual(cur, theme, ed, mains, _source_mains(cur, theme, kept or {}), pdf=pdf)
        yield OutputFile(language_css_path(language), language_css(cur, theme, ed).encode("utf-8"))
        kinds = {k: ed.text(theme, f"kind_{k}") for k in ("module", "handout", "page")}
        yield language_search_file(cur, language, kinds)


def handout_page(cur: Curriculum, theme: Theme, ed: Edition, m: Module, source: Handout, *,
                 large: bool, pdf: bool) -> tuple[str, str, str]:
    """(path, page, its main content) of a handout in the edition's language."""
    h = ed.handouts.get(source.id)
    fallback = "" if h is not None else cur.program.langs[0]
    shown = h or source
    root = "../../../" if large else "../../"
    path = books.handout_page(source.id, large=large, language=ed.language)
    title = f"{shown.title} {ed.text(theme, 'large_print_title')}" if large else shown.title
    title_of_module = ed.titles.get(m.id, m.title)
    if m.id not in ed.guides:
        title_of_module += f" ({ed.text(theme, 'guide_not_translated')})"
    module = Link(title_of_module, ed.guide_url(m.id, root))
    crumbs = [Link(ed.text(theme, "home"), f"{root}index.html"), module]
    if large:
        crumbs.append(Link(shown.title, f"{root}{books.handout_page(source.id, language=ed.language)}"))
    alternates = handout_alternates(cur, source.id, root, pdf=pdf, large=large, language=ed.language,
                                    words=lambda key, _english: ed.text(theme, key))
    view = HandoutView(source.id, shown.title, Markup(books.step_heads(shown.html)), module, large, alternates,
                       switch=switch_links(cur, source.id, root, large=large, here=ed.language), fallback=fallback)
    ctx = _context(cur, ed.site, root, title, "handout", path.removesuffix(".html"), crumbs, near=m.id)
    html, main = render_template(theme, "handout.html", ctx=ctx, site=ed.site, root=root, view=view)
    return path, html, main or ""


_LINK_UP = re.compile(r'(href|src)="\.\./')
_HANDOUT = re.compile(r'href="\.\./\.\./handouts/([^"/]+)\.html"')


def localized(html: str, language: str) -> str:
    """The HTML of a translation's facilitator parts, on facilitator/<lang>/: one folder deeper,
    its handout cards to the handouts in the language (guide_view puts its labels in it)."""
    return _HANDOUT.sub(rf'href="../../handouts/{language}/\1.html"', _LINK_UP.sub(r'\1="../../', html))


def guide_page(cur: Curriculum, theme: Theme, ed: Edition, index: int, plan: SessionPlan | None,
               sessions: tuple[Session, ...] = (), *, pdf: bool) -> OutputFile:
    """facilitator/<lang>/<id>.html: the module's facilitator page from its translation, on the
    source's session plan (the same minutes and parts; the translation's segment titles)."""
    m, t = cur.modules[index], ed.guides[cur.modules[index].id]
    root = "../../"
    segments = tuple(replace(mine, anchor=theirs.anchor, title_html=localized(mine.title_html, ed.language),
                             html=localized(mine.html, ed.language))
                     for mine, theirs in zip(t.segments, m.segments, strict=True))
    shown = replace(m, title=t.title or m.title, summary=t.summary or m.summary, objectives=t.objectives or m.objectives,
                    materials=t.materials or m.materials, overview_html=localized(t.overview_html, ed.language),
                    segments=segments)
    settings = cur.program.session
    settings = replace(settings, opening=settings.opening.in_language(ed.language),
                       closing=settings.closing.in_language(ed.language))
    titles = {theirs.anchor: mine.title for mine, theirs in zip(t.segments, m.segments, strict=True)}
    titles |= {"opening": settings.opening.title, "closing": settings.closing.title}
    if plan is not None:
        plan = replace(plan, rows=tuple(replace(r, title=titles.get(r.anchor or r.kind, r.title)) for r in plan.rows))
    style = cur.program.session.clock
    times = [(clock(r.start, style), clock(r.end, style)) for r in plan.rows] if plan else []

    words = catalogue_words(theme.catalogues, ed.language)

    def neighbour(i: int) -> Link | None:
        if not 0 <= i < len(cur.modules):
            return None
        other = cur.modules[i]
        return Link(ed.titles.get(other.id, other.title), f"{other.id}.html" if other.id in ed.guides else f"../{other.id}.html")

    nav = ed.site.nav or nav_table(cur)
    handouts = tuple(Link(ed.handouts.get(h, nav.handouts[h]).title, f"{root}{books.handout_page(h, language=ed.language)}",
                          alternates=handout_alternates(cur, h, root, pdf=pdf, language=ed.language, words=words))
                     for h in m.session_handouts if h in nav.handouts)
    track = nav.track_titles.get(nav.track_of.get(m.id) or "", "")
    view = guide_view(ModuleView, shown, plan, settings, times, words=words, id=m.id, title=shown.title,
                      track=track, handouts=handouts, previous=neighbour(index - 1), next=neighbour(index + 1),
                      review=ed.text(theme, "guide_review_pending") if t.review == "pending" else "",
                      sessions=tuple(Link(f"{ed.text(theme, 'session')} {s.number}", f"{root}sessions/{s.number}.html",
                                          s.date.isoformat() if s.date else ed.text(theme, "week_day").format(
                                              week=s.week, day=s.day)) for s in sessions),
                      switch=guide_switch(cur, m, root, here=ed.language))
    path = f"facilitator/{ed.language}/{m.id}.html"
    crumbs = [Link(ed.text(theme, "home"), f"{root}index.html")]
    ctx = _context(cur, ed.site, root, shown.title, "module", path.removesuffix(".html"), crumbs)
    html, _ = render_template(theme, "module.html", ctx=ctx, site=ed.site, root=root, view=view)
    return OutputFile(path, html.encode("utf-8"))


def packet(cur: Curriculum, theme: Theme, ed: Edition, mains: dict[str, str], *, pdf: bool) -> OutputFile:
    """Every handout in the edition's language, in program order."""
    into = books.language_packet(ed.language)
    handouts = books.packet_order(cur)
    parts = [books.Bound(books.handout_page(h.id, language=ed.language), f"handout-{h.id}", h.id, mains[h.id], 1)
             for h in handouts]
    binding = books.Binding(parts, into, TEMPLATE_IDS)
    items = tuple(books.BookItem(p.anchor, ed.handouts.get(h.id, h).title, partial(binding.html, i), "handout")
                  for i, (p, h) in enumerate(zip(parts, handouts, strict=True)))
    view = books.PacketView(ed.text(theme, "workbook"), items, f"../../{books.language_pdf(into)}" if pdf else None)
    return _collection(cur, theme, ed, into, view)


def bilingual(cur: Curriculum, theme: Theme, ed: Edition, mains: dict[str, str], kept: dict[str, str], *,
              pdf: bool) -> OutputFile:
    """Each handout in the source language, then in the edition's language: facing pages in
    print (the source on the left page, the translation on the right)."""
    into = books.bilingual_packet(ed.language)
    source = cur.program.langs[0]
    parts: list[books.Bound] = []
    titles: list[tuple[str, str]] = []
    for h in books.packet_order(cur):
        parts.append(books.Bound(books.handout_page(h.id), f"handout-{h.id}", h.id, kept[h.id], 1))
        titles.append((h.title, source))
        parts.append(books.Bound(books.handout_page(h.id, language=ed.language), f"handout-{h.id}-{ed.language}",
                                 f"{h.id}-{ed.language}", mains[h.id], 1))
        titles.append((ed.handouts.get(h.id, h).title, ed.language))
    binding = books.Binding(parts, into, TEMPLATE_IDS)

    def part(i: int, language: str) -> Markup:
        return Markup(f'<div lang="{language}" class="facing facing-{"source" if language == source else "translation"}">'
                      f"{binding.html(i)}</div>")

    items = tuple(books.BookItem(p.anchor, title, partial(part, i, language), "handout")
                  for i, (p, (title, language)) in enumerate(zip(parts, titles, strict=True)))
    view = books.PacketView(ed.text(theme, "bilingual_workbook"), items, f"../../{books.language_pdf(into)}" if pdf else None)
    return _collection(cur, theme, ed, into, view)


def _source_mains(cur: Curriculum, theme: Theme, kept: Mapping[str, str]) -> dict[str, str]:
    """The main content of the source language's handout pages: as `render_site` kept it, else
    rendered here from the same view (the same bytes)."""
    site = site_view(cur)
    out = {}
    for m in cur.modules:
        for h in m.handouts:
            main = kept.get(books.handout_page(h.id))
            if main is None:
                words = catalogue_words(theme.catalogues, site.language)
                main = render_template(theme, "handout.html", **handout_values(cur, site, m, h, words=words))[1]
            out[h.id] = main or ""
    return out


def _collection(cur: Curriculum, theme: Theme, ed: Edition, path: str, view: books.PacketView) -> OutputFile:
    ctx = _context(cur, ed.site, "../../", view.title, "packet", path.removesuffix(".html"),
                   [Link(ed.text(theme, "home"), "../../index.html")])
    out = io.StringIO()
    with located_failures():
        for piece in theme.env.get_template("packet.html").generate(ctx=ctx, site=ed.site, root="../../", view=view):
            out.write(piece)
    start, end = MAIN_MARKS
    html = out.getvalue().replace(start, "").replace(f"{end}\n", "").replace(end, "")
    return OutputFile(path, html.encode("utf-8"))


def language_css(cur: Curriculum, theme: Theme, ed: Edition) -> str:
    """The printed pages of the edition: its crisis contacts at the foot of every handout page,
    and the bilingual packet's facing pages."""
    contacts = " · ".join(f"{name}: {books.unbroken_numbers(contact)}" for name, contact, _ in ed.site.crisis)
    line = css_string(f"{ed.text(theme, 'crisis_heading')} {contacts}" if contacts else "")
    return (
        f"/* Generated from program.yml (crisis, with its `{ed.language}:` text) for the {ed.language} pages. */\n"
        # The handout pages of print.css (margins, the footer at body size) in this edition's words,
        # with room in large print for a footer longer than the source's.
        f"@page handout {{ @bottom-left {{ content: {line}; }} }}\n"
        f"@page handout-large {{ margin-bottom: 2.3in; @bottom-left {{ content: {line}; }} }}\n"
        "@media print {\n  .facing-source { break-before: left; }\n  .facing-translation { break-before: right; }\n}\n"
        "/* Longer words than the source's: a worksheet's cells may break them rather than widen the page. */\n"
        "html[lang] .handout td, html[lang] .handout th { overflow-wrap: anywhere; hyphens: auto; }\n"
        ".not-translated { border-left: 4px solid var(--accent); padding: 0.5rem 0.75rem; background: #fff8e1; }\n"
    )
