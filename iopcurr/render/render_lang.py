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

from collections.abc import Iterator, Mapping
from dataclasses import replace

from iopcurr.model import OutputFile
from iopcurr.render import books, pages, searchlang
from iopcurr.render.pages import SiteContext
from iopcurr.render.render_books import packet, render_books
from iopcurr.render.search import language_search_file
from iopcurr.source.translations import has_guide


def edition(ctx: SiteContext, language: str) -> SiteContext:
    """The context of the pages of `language`: a site view in the language (its crisis contacts,
    print styles and search index), and the translation's handouts, module titles and facilitator parts."""
    cur = ctx.cur
    crisis = tuple(books.crisis_contact(c, language, ctx.theme.catalogues) for c in cur.program.crisis)
    site = replace(ctx.site, language=language, crisis=crisis, language_css=f"static/theme.{language}.css",
                   search_language=language if language in searchlang.SNOWBALL_NAMES else "")
    mine = [t for t in cur.translations if t.language == language]  # each of a module of `cur` (pipeline.in_order)
    modules = {m.id: m for m in cur.modules}
    return replace(ctx, site=site, language=language, handouts={h.id: h for t in mine for h in t.handouts},
                   titles={t.module_id: t.title for t in mine if t.title},
                   guides={t.module_id: t for t in mine if has_guide(t, modules[t.module_id])})


def render_languages(ctx: SiteContext, kept: Mapping[str, str]) -> Iterator[OutputFile]:
    """Every page and file of every language after the source one. `kept`: the main content of
    the source language's pages, by path (`render_site`)."""
    cur = ctx.cur
    for language in cur.program.langs[1:]:
        ed = edition(ctx, language)
        rendered = pages.render_pages(ed)
        yield from (r.file for r in rendered)
        mains = {r.file.path: r.main for r in rendered}
        yield from render_books(ed, mains)
        yield bilingual(ed, mains, kept)
        yield OutputFile(ed.site.language_css, language_css(ed).encode("utf-8"))
        yield language_search_file(cur, language, {k: ed.text(f"kind_{k}") for k in ("module", "handout", "page")})


def bilingual(ctx: SiteContext, mains: Mapping[str, str], kept: Mapping[str, str]) -> OutputFile:
    """Each handout in the source language (`kept`), then in the context's language (`mains`):
    facing pages in print (the source on the left page, the translation on the right)."""
    language, source = ctx.language, ctx.cur.program.langs[0]
    parts: list[tuple[str, str, books.Bound]] = []
    for h in books.packet_order(ctx.cur):
        page = books.handout_page(h.id, language=language)
        original = f'<div lang="{source}" class="facing facing-source">{kept[books.handout_page(h.id)]}</div>'
        translation = f'<div lang="{language}" class="facing facing-translation">{mains[page]}</div>'
        parts += [(h.title, source, books.Bound(books.handout_page(h.id), f"handout-{h.id}", h.id, original, 1)),
                  (ctx.handouts.get(h.id, h).title, ctx.fallback(h.id),
                   books.Bound(page, f"handout-{h.id}-{language}", f"{h.id}-{language}", translation, 1))]
    return packet(ctx, books.bilingual_packet(language), ctx.text("bilingual_workbook"), parts)


def language_css(ctx: SiteContext) -> str:
    """The printed pages of the context's language: its crisis contacts at the foot of every handout page,
    and the bilingual packet's facing pages."""
    language = ctx.language
    contacts = (c.in_language(language) for c in ctx.cur.program.crisis)
    line = pages.crisis_line(ctx.text("crisis_heading"), ((c.name, c.contact) for c in contacts))
    return (
        f"/* Generated from program.yml (crisis, with its `{language}:` text) for the {language} pages. */\n"
        # The handout pages of print.css (margins, the footer at body size) in this language's words,
        # with room in large print for a footer longer than the source's.
        f"@page handout {{ @bottom-left {{ content: {line}; }} }}\n"
        f"@page handout-large {{ margin-bottom: 2.3in; @bottom-left {{ content: {line}; }} }}\n"
        "@media print {\n  .facing-source { break-before: left; }\n  .facing-translation { break-before: right; }\n}\n"
        "/* Longer words than the source's: a worksheet's cells may break them rather than widen the page. */\n"
        "html[lang] .handout td, html[lang] .handout th { overflow-wrap: anywhere; hyphens: auto; }\n"
        ".not-translated { border-left: 4px solid var(--accent); padding: 0.5rem 0.75rem; background: #fff8e1; }\n"
    )
