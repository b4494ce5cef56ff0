"""Render the client packet (handouts/packet.html) and the facilitator manual
(facilitator/manual.html) from the same templates and views as the site's own pages.

Each bound page is its template's `main` block, rendered as the page would be, then rewritten
by `books.bind` to live in the collection (headings down, ids unique, links inside).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup

from iopcurr import books
from iopcurr.model import Curriculum, OutputFile, Schedule, SessionPlan
from iopcurr.render import (
    Link,
    PageView,
    SiteView,
    Theme,
    _context,
    _render,
    _site,
    handout_view,
    index_view,
    module_view,
    sessions_by_module,
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
    """The page's content without the site around it: its template's `main` block.

    An override template without that block is rendered whole, and what its <main> element
    holds (or everything, without one) is taken.
    """
    key: object = None
    if theme.memo is not None:  # the live preview: a page whose view did not change is not rendered
        key = ("main", template, *sorted(values.items()))
        found = theme.memo.get(key)
        if found is not None:
            return found.decode("utf-8")
    tmpl = theme.env.get_template(template)
    block = tmpl.blocks.get("main")
    if block is not None:
        main = "".join(block(tmpl.new_context(dict(values))))
    else:
        html = tmpl.render(**values)
        inside = _MAIN.search(html)
        main = inside.group(1) if inside else html
    if theme.memo is not None:
        theme.memo.put(key, main.encode("utf-8"))
    return main


class _Mains:
    """The main content of every page that the collections bind, keyed by site path."""

    def __init__(
        self,
        cur: Curriculum,
        plans: dict[str, SessionPlan | None],
        theme: Theme,
        site: SiteView,
        schedule: Schedule | None,
        pdf: bool,
    ) -> None:
        self.html: dict[str, str] = {}
        ctx = _context(cur, site, "", cur.program.title, "index", "index")
        self.html["index.html"] = render_main(
            theme, "index.html", ctx=ctx, site=site, root="", view=index_view(cur, schedule, pdf=pdf)
        )
        scheduled = sessions_by_module(schedule)
        for i, m in enumerate(cur.modules):
            ctx = _context(cur, site, "../", m.title, "module", f"facilitator/{m.id}")
            view = module_view(cur, i, plans.get(m.id), scheduled.get(m.id, ()), pdf=pdf)
            self.html[f"facilitator/{m.id}.html"] = render_main(
                theme, "module.html", ctx=ctx, site=site, root="../", view=view
            )
            for h in m.handouts:
                ctx = _context(cur, site, "../", h.title, "handout", f"handouts/{h.id}")
                self.html[books.handout_page(h.id)] = render_main(
                    theme,
                    "handout.html",
                    ctx=ctx,
                    site=site,
                    root="../",
                    view=handout_view(cur, m, h, "../", pdf=pdf),
                )
        for p in cur.pages:
            ctx = _context(cur, site, "../", p.title, "page", f"pages/{p.id}")
            self.html[f"pages/{p.id}.html"] = render_main(
                theme,
                "page.html",
                ctx=ctx,
                site=site,
                root="../",
                view=PageView(p.id, p.title, p.summary, Markup(p.html)),
            )

    def bound(self, page: str, anchor: str, owner: str, shift: int) -> books.Bound:
        return books.Bound(page, anchor, owner, self.html[page], shift)


def render_books(
    cur: Curriculum,
    plans: dict[str, SessionPlan | None],
    theme: Theme,
    schedule: Schedule | None = None,
    *,
    pdf: bool = False,
) -> Iterator[OutputFile]:
    """The packet and the manual. With `pdf`, they link to their PDFs.

    The manual's home part is the site's home page without "next sessions" (`--today`): a
    printed manual outlives the day it was made.
    """
    site = _site(cur)
    mains = _Mains(cur, plans, theme, site, schedule, pdf)
    home = Link("Home", "../index.html")
    handouts = books.packet_order(cur)

    # The packet: a cover, the contents, then every handout (h1 → h2).
    parts = [mains.bound(books.handout_page(h.id), f"handout-{h.id}", h.id, 1) for h in handouts]
    html = books.bind(parts, books.PACKET, TEMPLATE_IDS, memo=theme.memo)
    packet = books.PacketView(
        "Client workbook",
        tuple(books.BookItem(p.anchor, h.title, x, "handout") for p, h, x in zip(parts, handouts, html, strict=True)),
        f"../{books.PACKET_PDF}" if pdf else None,
    )
    ctx = _context(cur, site, "../", packet.title, "packet", "handouts/packet", [home])
    yield OutputFile(books.PACKET, _render(theme, "packet.html", ctx=ctx, site=site, root="../", view=packet))

    # The manual: the home page (h1 → h2), then parts (h2) of pages, modules and handouts (h1 → h3).
    sections: list[tuple[str, str, books.Bound]] = [
        ("home", cur.program.title, mains.bound("index.html", "home", "", 1))
    ]
    sections += [
        ("pages", p.title, mains.bound(f"pages/{p.id}.html", f"page-{p.id}", p.id, 2))
        for p in cur.pages
        if p.id not in books.NOT_IN_MANUAL
    ]
    sections += [
        ("modules", m.title, mains.bound(f"facilitator/{m.id}.html", f"module-{m.id}", m.id, 2)) for m in cur.modules
    ]
    sections += [
        ("handouts", h.title, mains.bound(books.handout_page(h.id), f"handout-{h.id}", h.id, 2)) for h in handouts
    ]
    html = books.bind([b for _, _, b in sections], books.MANUAL, TEMPLATE_IDS, memo=theme.memo)
    items = [
        (kind, books.BookItem(b.anchor, title, x, kind.removesuffix("s")))
        for (kind, title, b), x in zip(sections, html, strict=True)
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
    yield OutputFile(books.MANUAL, _render(theme, "manual.html", ctx=ctx, site=site, root="../", view=manual))
