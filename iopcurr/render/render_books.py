"""Render the client packet (handouts/packet.html) and the facilitator manual
(facilitator/manual.html) from the same templates and views as the site's own pages.

Each bound page is its template's `main` block as the page itself shows it (kept by
`render_site`, or rendered here from the same view), then rewritten by `books.bind` to live in
the collection (headings down, ids unique, links inside).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import partial

from iopcurr.model import Handout, OutputFile
from iopcurr.render import books
from iopcurr.render.pages import (
    Edition,
    Link,
    SiteContext,
    Theme,
    handout_values,
    index_values,
    module_values,
    page_context,
    page_values,
    render_stream,
    render_template,
)

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
    html, main = render_template(theme, template, **values)
    if main is None:
        inside = _MAIN.search(html)
        main = inside.group(1) if inside else html
    return main


def render_books(ctx: SiteContext, mains: Mapping[str, str] | None = None) -> Iterator[OutputFile]:
    """The packet and the manual. With `pdf`, they link to their PDFs.

    `mains` holds the main content of pages already rendered (`render_site(mains=...)`), by
    path; the others are rendered here. The manual's home part is the site's home page without
    "next sessions" (`--today`): a printed manual outlives the day it was made.
    """
    cur, theme, kept, source = ctx.cur, ctx.theme, mains or {}, Edition(ctx)
    owners = {h.id: m for m in cur.modules for h in m.handouts}
    home = Link(ctx.text("home"), "../index.html")
    handouts = books.packet_order(cur)
    scans: books.Scans = {}  # a handout is in both: read it once

    def handout(h: Handout, shift: int) -> books.Bound:
        path = books.handout_page(h.id)
        html = kept.get(path)
        if html is None:
            html = render_main(theme, "handout.html", **handout_values(source, owners[h.id], h, False))
        return books.Bound(path, f"handout-{h.id}", h.id, html, shift)

    # The packet: a cover, the contents, then every handout (h1 → h2).
    parts = [handout(h, 1) for h in handouts]
    binding = books.Binding(parts, books.PACKET, TEMPLATE_IDS, scans=scans)
    packet = books.PacketView(
        ctx.text("workbook"),
        tuple(books.BookItem(p.anchor, h.title, partial(binding.html, i), "handout")
              for i, (p, h) in enumerate(zip(parts, handouts, strict=True))),
        f"../{books.PACKET_PDF}" if ctx.pdf else None,
    )
    page = page_context(ctx.site, packet.title, "packet", "handouts/packet", [home])
    yield OutputFile(books.PACKET, render_stream(theme, "packet.html", ctx=page, site=ctx.site, root="../", view=packet))
    del parts, binding, packet

    # The manual: the home page (h1 → h2), then parts (h2) of pages, modules and handouts (h1 → h3).
    sections = [("home", cur.program.title,
                 books.Bound("index.html", "home", "", render_main(theme, "index.html", **index_values(replace(ctx, today=None))), 1))]
    for p in cur.pages:
        if p.id not in books.NOT_IN_MANUAL:
            html = kept.get(f"pages/{p.id}.html")
            if html is None:
                html = render_main(theme, "page.html", **page_values(ctx, p))
            sections.append(("pages", p.title, books.Bound(f"pages/{p.id}.html", f"page-{p.id}", p.id, html, 2)))
    for i, m in enumerate(cur.modules):
        html = kept.get(f"facilitator/{m.id}.html")
        if html is None:
            html = render_main(theme, "module.html", **module_values(source, i))
        sections.append(("modules", m.title, books.Bound(f"facilitator/{m.id}.html", f"module-{m.id}", m.id, html, 2)))
    sections += [("handouts", h.title, handout(h, 2)) for h in handouts]
    binding = books.Binding([b for _, _, b in sections], books.MANUAL, TEMPLATE_IDS, scans=scans, release=True)
    items = [(kind, books.BookItem(b.anchor, title, partial(binding.html, i), kind.removesuffix("s")))
             for i, (kind, title, b) in enumerate(sections)]
    manual = books.ManualView(
        "Facilitator manual",
        items[0][1].html,
        tuple(books.BookPart(f"part-{kind}", name, tuple(i for k, i in items if k == kind))
              for kind, name in PART_TITLES.items() if any(k == kind for k, _ in items)),
        f"../{books.MANUAL_PDF}" if ctx.pdf else None,
    )
    page = page_context(ctx.site, manual.title, "manual", "facilitator/manual", [home])
    yield OutputFile(books.MANUAL, render_stream(theme, "manual.html", ctx=page, site=ctx.site, root="../", view=manual))
