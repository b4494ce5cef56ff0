"""Render the client packet (handouts/packet.html) and the facilitator manual
(facilitator/manual.html) from the same templates and views as the site's own pages.

Each bound page is its template's `main` block as the page itself shows it (`render_site`
returns it with the page), then rewritten by `books.bind` to live in
the collection (headings down, ids unique, links inside).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from iopcurr.model import OutputFile
from iopcurr.render import books, pages
from iopcurr.render.pages import Link, SiteContext

PART_TITLES = {
    "pages": "Pages for facilitators",
    "modules": "Modules",
    "handouts": "Appendix: client handouts",
}
# Ids of the collection templates themselves (base.html's skip-link target, contents, parts).
TEMPLATE_IDS = ("main", "contents", "home", *(f"part-{kind}" for kind in PART_TITLES))


def bound_page(mains: Mapping[str, str], path: str, kind: str, ident: str, shift: int) -> books.Bound:
    """The page at `path` (its main content in `mains`, from `render_site`) to bind, `shift` levels down."""
    return books.Bound(path, f"{kind}-{ident}", ident, mains[path], shift)


def render_books(ctx: SiteContext, mains: Mapping[str, str]) -> Iterator[OutputFile]:
    """The packet in the context's language and, in the source language, the manual, binding the main content
    of its pages (`mains`, by path, as `render_site` returns it). With `pdf`, they link to their PDFs."""
    handouts = [(ctx.handouts.get(h.id, h).title, ctx.fallback(h.id),
                 bound_page(mains, books.handout_page(h.id, language=ctx.language), "handout", h.id, 1))
                for h in books.packet_order(ctx.cur)]
    yield packet(ctx, books.language_packet(ctx.language) if ctx.language else books.PACKET, ctx.text("workbook"), handouts)
    if not ctx.language:
        yield manual(ctx, mains)


def render_collection(ctx: SiteContext, template: str, path: str, view: books.PacketView | books.ManualView) -> OutputFile:
    """A collection page (the packet or the manual) from its view, under the home page's crumb."""
    current = path.removesuffix(".html")
    page = pages.page_context(ctx.site, view.title, template.removesuffix(".html"), current,
                              [Link(ctx.text("home"), "../" * current.count("/") + "index.html")])
    return pages.render_page(ctx, template, path, page, view).file


def packet(ctx: SiteContext, into: str, title: str, parts: Sequence[tuple[str, str, books.Bound]]) -> OutputFile:
    """A cover, the contents, then every handout in the context's language (h1 → h2), in program
    order: `parts` are their titles, the language of each title where it is not the page's ("" where
    it is), and their pages."""
    bound = books.bind([b for _, _, b in parts], into, TEMPLATE_IDS)
    items = tuple(books.BookItem(b.anchor, name, html, "handout", lang)
                  for (name, lang, b), html in zip(parts, bound, strict=True))
    pdf = books.language_pdf(into) if ctx.language else books.PACKET_PDF
    view = books.PacketView(title, items, "../" * into.count("/") + pdf if ctx.pdf else None)
    return render_collection(ctx, "packet.html", into, view)


def manual(ctx: SiteContext, mains: Mapping[str, str]) -> OutputFile:
    """The home page (h1 → h2), then parts (h2) of pages, modules and handouts (h1 → h3). The home
    part is the site's home page without "next sessions" (`--today`): a printed manual outlives
    the day it was made."""
    cur = ctx.cur
    home = pages.render_index(replace(ctx, today=None)).main
    sections = [("home", cur.program.title, books.Bound("index.html", "home", "", home, 1))]
    sections += [("pages", p.title, bound_page(mains, f"pages/{p.id}.html", "page", p.id, 2))
                 for p in cur.pages if p.id not in books.NOT_IN_MANUAL]
    sections += [("modules", m.title, bound_page(mains, f"facilitator/{m.id}.html", "module", m.id, 2)) for m in cur.modules]
    sections += [("handouts", h.title, bound_page(mains, books.handout_page(h.id), "handout", h.id, 2))
                 for h in books.packet_order(cur)]
    bound = books.bind([b for _, _, b in sections], books.MANUAL, TEMPLATE_IDS)
    items = [(kind, books.BookItem(b.anchor, title, html, kind.removesuffix("s")))
             for (kind, title, b), html in zip(sections, bound, strict=True)]
    parts = tuple(books.BookPart(f"part-{kind}", name, tuple(i for k, i in items if k == kind))
                  for kind, name in PART_TITLES.items() if any(k == kind for k, _ in items))
    view = books.ManualView("Facilitator manual", items[0][1].html, parts, f"../{books.MANUAL_PDF}" if ctx.pdf else None)
    return render_collection(ctx, "manual.html", books.MANUAL, view)
