"""Render the client packet (handouts/packet.html) and the facilitator manual
(facilitator/manual.html) from the same templates and views as the site's own pages.

Each bound page is its template's `main` block as the page itself shows it (kept by
`render_site`, or rendered here from the same view), then rewritten by `books.bind` to live in
the collection (headings down, ids unique, links inside).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from iopcurr.model import Handout, Module, OutputFile, Page
from iopcurr.render import books, pages
from iopcurr.render.pages import Link, SiteContext, Theme

_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S | re.I)
PART_TITLES = {
    "pages": "Pages for facilitators",
    "modules": "Modules",
    "handouts": "Appendix: client handouts",
}
# Ids of the collection templates themselves (base.html's skip-link target, contents, parts).
TEMPLATE_IDS = ("main", "contents", "home", *(f"part-{kind}" for kind in PART_TITLES))


def render_main(theme: Theme, template: str, **values: object) -> str:
    """The page's content without the site around it: what its `main` block writes.

    An override template that does not mark that block is taken whole, and what its <main>
    element holds (or everything, without one) is taken.
    """
    html, main = pages.render_template(theme, template, **values)
    if main is None:
        inside = _MAIN.search(html)
        main = inside.group(1) if inside else html
    return main


@dataclass(frozen=True)
class _Mains:
    """The main content of the pages that the collections bind: what `render_site` kept of
    them, else rendered here from the same views (to the same, for one it kept empty)."""

    ctx: SiteContext
    kept: Mapping[str, str]
    owners: Mapping[str, Module]  # handout id → its module

    def handout(self, h: Handout, shift: int) -> books.Bound:
        path = books.handout_page(h.id)
        html = self.kept.get(path) or render_main(
            self.ctx.theme, "handout.html", **pages.handout_values(self.ctx, self.owners[h.id], h, False))
        return books.Bound(path, f"handout-{h.id}", h.id, html, shift)

    def module(self, index: int) -> books.Bound:
        m = self.ctx.cur.modules[index]
        path = f"facilitator/{m.id}.html"
        html = self.kept.get(path) or render_main(
            self.ctx.theme, "module.html", **pages.module_values(self.ctx, index))
        return books.Bound(path, f"module-{m.id}", m.id, html, 2)

    def page(self, p: Page) -> books.Bound:
        path = f"pages/{p.id}.html"
        html = self.kept.get(path) or render_main(self.ctx.theme, "page.html", **pages.page_values(self.ctx, p))
        return books.Bound(path, f"page-{p.id}", p.id, html, 2)


def render_books(ctx: SiteContext, mains: Mapping[str, str] | None = None) -> Iterator[OutputFile]:
    """The packet and the manual. With `pdf`, they link to their PDFs.

    `mains` holds the main content of pages already rendered (`render_site(mains=...)`), by
    path; the others are rendered here.
    """
    content = _Mains(ctx, mains or {}, {h.id: m for m in ctx.cur.modules for h in m.handouts})
    handouts = [(h.title, content.handout(h, 1)) for h in books.packet_order(ctx.cur)]
    yield packet(ctx, books.PACKET, ctx.text("workbook"), handouts)
    yield manual(content)


def render_collection(ctx: SiteContext, template: str, path: str, view: books.PacketView | books.ManualView) -> OutputFile:
    """A collection page (the packet or the manual) from its view, under the home page's crumb."""
    current = path.removesuffix(".html")
    page = pages.page_context(ctx.site, view.title, template.removesuffix(".html"), current,
                              [Link(ctx.text("home"), "../" * current.count("/") + "index.html")])
    return OutputFile(path, pages.render_bytes(ctx.theme, template, ctx=page, site=ctx.site, root=page.root, view=view))


def packet(ctx: SiteContext, into: str, title: str, parts: Sequence[tuple[str, books.Bound]]) -> OutputFile:
    """A cover, the contents, then every handout in the context's language (h1 → h2), in program
    order: `parts` are their titles and pages."""
    bound = books.bind([b for _, b in parts], into, TEMPLATE_IDS)
    items = tuple(books.BookItem(b.anchor, name, html, "handout") for (name, b), html in zip(parts, bound, strict=True))
    pdf = books.language_pdf(into) if ctx.language else books.PACKET_PDF
    view = books.PacketView(title, items, "../" * into.count("/") + pdf if ctx.pdf else None)
    return render_collection(ctx, "packet.html", into, view)


def manual(content: _Mains) -> OutputFile:
    """The home page (h1 → h2), then parts (h2) of pages, modules and handouts (h1 → h3). The home
    part is the site's home page without "next sessions" (`--today`): a printed manual outlives
    the day it was made."""
    ctx = content.ctx
    cur = ctx.cur
    home = render_main(ctx.theme, "index.html", **pages.index_values(replace(ctx, today=None)))
    sections = [("home", cur.program.title, books.Bound("index.html", "home", "", home, 1))]
    sections += [("pages", p.title, content.page(p)) for p in cur.pages if p.id not in books.NOT_IN_MANUAL]
    sections += [("modules", m.title, content.module(i)) for i, m in enumerate(cur.modules)]
    sections += [("handouts", h.title, content.handout(h, 2)) for h in books.packet_order(cur)]
    bound = books.bind([b for _, _, b in sections], books.MANUAL, TEMPLATE_IDS)
    items = [(kind, books.BookItem(b.anchor, title, html, kind.removesuffix("s")))
             for (kind, title, b), html in zip(sections, bound, strict=True)]
    parts = tuple(books.BookPart(f"part-{kind}", name, tuple(i for k, i in items if k == kind))
                  for kind, name in PART_TITLES.items() if any(k == kind for k, _ in items))
    view = books.ManualView("Facilitator manual", items[0][1].html, parts, f"../{books.MANUAL_PDF}" if ctx.pdf else None)
    return render_collection(ctx, "manual.html", books.MANUAL, view)
