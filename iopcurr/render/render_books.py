"""Render the client packet (handouts/packet.html) and the facilitator manual
(facilitator/manual.html) from the same templates and views as the site's own pages.

Each bound page is its template's `main` block as the page itself shows it (kept by
`render_site`, or rendered here from the same view), then rewritten by `books.bind` to live in
the collection (headings down, ids unique, links inside).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from functools import partial

from iopcurr.model import Curriculum, Module, OutputFile, Page, Schedule, SessionPlan
from iopcurr.render import books
from iopcurr.render.i18n import catalogue_words
from iopcurr.render.pages import (
    MAIN_MARKS,
    Link,
    SiteView,
    Theme,
    _context,
    handout_values,
    index_view,
    located_failures,
    module_values,
    page_values,
    render_template,
    sessions_by_module,
    site_view,
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


class _Mains:
    """The main content of the pages that the collections bind: what `render_site` kept of
    them, else rendered here from the same views."""

    def __init__(
        self,
        cur: Curriculum,
        plans: dict[str, SessionPlan | None],
        theme: Theme,
        site: SiteView,
        schedule: Schedule | None,
        pdf: bool,
        kept: Mapping[str, str],
    ) -> None:
        self.cur, self.plans, self.theme, self.site, self.pdf, self.kept = cur, plans, theme, site, pdf, kept
        self.scheduled = sessions_by_module(schedule, catalogue_words(theme.catalogues, site.language))
        self.schedule = schedule
        self.modules = {m.id: i for i, m in enumerate(cur.modules)}
        self.handouts = {h.id: (m, h) for m in cur.modules for h in m.handouts}

    def home(self, anchor: str, shift: int) -> books.Bound:
        cur, site = self.cur, self.site
        ctx = _context(cur, site, "", cur.program.title, "index", "index")
        view = index_view(cur, self.schedule, pdf=self.pdf)
        html = render_main(self.theme, "index.html", ctx=ctx, site=site, root="", view=view)
        return books.Bound("index.html", anchor, "", html, shift)

    def module(self, m: Module, anchor: str, shift: int) -> books.Bound:
        path = f"facilitator/{m.id}.html"
        html = self.kept.get(path)
        if html is None:
            values = module_values(self.cur, self.site, self.modules[m.id], self.plans.get(m.id),
                                   self.scheduled.get(m.id, ()), pdf=self.pdf,
                                   words=catalogue_words(self.theme.catalogues, self.site.language))
            html = render_main(self.theme, "module.html", **values)
        return books.Bound(path, anchor, m.id, html, shift)

    def handout(self, hid: str, anchor: str, shift: int) -> books.Bound:
        path = books.handout_page(hid)
        html = self.kept.get(path)
        if html is None:
            m, h = self.handouts[hid]
            words = catalogue_words(self.theme.catalogues, self.site.language)
            html = render_main(self.theme, "handout.html",
                               **handout_values(self.cur, self.site, m, h, pdf=self.pdf, words=words))
        return books.Bound(path, anchor, hid, html, shift)

    def page(self, p: Page, anchor: str, shift: int) -> books.Bound:
        path = f"pages/{p.id}.html"
        html = self.kept.get(path)
        if html is None:
            html = render_main(self.theme, "page.html", **page_values(self.cur, self.site, p))
        return books.Bound(path, anchor, p.id, html, shift)


def render_books(
    cur: Curriculum,
    plans: dict[str, SessionPlan | None],
    theme: Theme,
    schedule: Schedule | None = None,
    *,
    pdf: bool = False,
    mains: Mapping[str, str] | None = None,
) -> Iterator[OutputFile]:
    """The packet and the manual. With `pdf`, they link to their PDFs.

    `mains` holds the main content of pages already rendered (`render_site(mains=...)`), by
    path; the others are rendered here. The manual's home part is the site's home page without
    "next sessions" (`--today`): a printed manual outlives the day it was made.
    """
    site = site_view(cur)
    pages = _Mains(cur, plans, theme, site, schedule, pdf, mains or {})
    words = catalogue_words(theme.catalogues, site.language)
    home = Link(words("home", "Home"), "../index.html")
    handouts = books.packet_order(cur)
    scans: books.Scans = {}  # a handout is in both: read it once

    # The packet: a cover, the contents, then every handout (h1 → h2).
    parts = [pages.handout(h.id, f"handout-{h.id}", 1) for h in handouts]
    binding = books.Binding(parts, books.PACKET, TEMPLATE_IDS, scans=scans)
    packet = books.PacketView(
        words("workbook", "Client workbook"),
        tuple(
            books.BookItem(p.anchor, h.title, partial(binding.html, i), "handout")
            for i, (p, h) in enumerate(zip(parts, handouts, strict=True))
        ),
        f"../{books.PACKET_PDF}" if pdf else None,
    )
    ctx = _context(cur, site, "../", packet.title, "packet", "handouts/packet", [home])
    yield OutputFile(books.PACKET, _stream(theme, "packet.html", ctx=ctx, site=site, root="../", view=packet))
    del parts, binding, packet

    # The manual: the home page (h1 → h2), then parts (h2) of pages, modules and handouts (h1 → h3).
    sections: list[tuple[str, str, books.Bound]] = [("home", cur.program.title, pages.home("home", 1))]
    sections += [
        ("pages", p.title, pages.page(p, f"page-{p.id}", 2)) for p in cur.pages if p.id not in books.NOT_IN_MANUAL
    ]
    sections += [("modules", m.title, pages.module(m, f"module-{m.id}", 2)) for m in cur.modules]
    sections += [("handouts", h.title, pages.handout(h.id, f"handout-{h.id}", 2)) for h in handouts]
    binding = books.Binding([b for _, _, b in sections], books.MANUAL, TEMPLATE_IDS, scans=scans,
                            release=True)
    items = [
        (kind, books.BookItem(b.anchor, title, partial(binding.html, i), kind.removesuffix("s")))
        for i, (kind, title, b) in enumerate(sections)
    ]
    manual = books.ManualView(
        "Facilitator manual",
        items[0][1].html,
        tuple(
            books.BookPart(f"part-{kind}", name, tuple(i for k, i in items if k == kind))
            for kind, name in PART_TITLES.items()
            if any(k == kind for k, _ in items)
        ),
        f"../{books.MANUAL_PDF}" if pdf else None,
    )
    ctx = _context(cur, site, "../", manual.title, "manual", "facilitator/manual", [home])
    yield OutputFile(books.MANUAL, _stream(theme, "manual.html", ctx=ctx, site=site, root="../", view=manual))


def _stream(theme: Theme, template: str, **values: object) -> bytes:
    """A collection page, encoded piece by piece as the template makes it: its parts are
    rewritten as it reaches them, so the page is never held as one string besides its bytes."""
    out = io.BytesIO()
    with located_failures():
        for piece in theme.env.get_template(template).generate(**values):
            out.write(piece.encode("utf-8"))
    start, end = MAIN_MARKS
    return out.getvalue().replace(start.encode(), b"").replace(f"{end}\n".encode(), b"").replace(end.encode(), b"")
