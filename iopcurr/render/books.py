"""The printed collections: the client packet and the facilitator manual, and the PDFs.

Pure: which handouts go into the packet and in what order, the URLs of the large-print pages
and of the PDFs, the views the collection templates get, and `bind`, which turns the main
content of several pages into the sections of one document.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from iopcurr.errors import Problem
from iopcurr.model import CrisisContact, Curriculum, Handout, Module
from iopcurr.render.htmlfrag import Document, bind_tags, scan, unique_ids
from iopcurr.render.i18n import Catalogues, translate

PACKET = "handouts/packet.html"
MANUAL = "facilitator/manual.html"
PACKET_PDF = "pdf/packet.pdf"
MANUAL_PDF = "pdf/manual.pdf"
FILL_PREFIX = "pdf/fill/"  # fillable PDFs of the handouts with worksheet parts

# The class that the title (the former h1) of each bound page gets.
TITLE_CLASS = "book-title"

# Pages of the site that are not for the manual (they are about writing the curriculum).
NOT_IN_MANUAL = frozenset({"authoring-guide"})


def handout_page(hid: str, *, large: bool = False, language: str = "") -> str:
    """Site path of a handout page; the large-print pages live in handouts/large/, a
    translation's in handouts/<language>/ (and handouts/<language>/large/)."""
    base = f"handouts/{language}/" if language else "handouts/"
    return f"{base}large/{hid}.html" if large else f"{base}{hid}.html"


def handout_pdf(hid: str, *, large: bool = False, language: str = "") -> str:
    return language_pdf(handout_page(hid, large=large, language=language))


def language_packet(language: str) -> str:
    """The packet of the handouts in `language`."""
    return f"handouts/{language}/packet.html"


def bilingual_packet(language: str) -> str:
    """The packet with each handout in the source language, then in `language` (facing pages)."""
    return f"handouts/{language}/bilingual.html"


def language_pdf(page: str) -> str:
    """The PDF of a printed page: pdf/handouts/es/packet.pdf for handouts/es/packet.html."""
    return "pdf/" + page.removesuffix(".html") + ".pdf"


def bundle_pdf(module_id: str) -> str:
    """One PDF of every handout a module's session prints (the Tonight card links it)."""
    return f"pdf/bundles/{module_id}.pdf"


def fill_pdf(hid: str) -> str:
    """The fillable PDF of a handout (only for one with something to fill in)."""
    return f"{FILL_PREFIX}{hid}.pdf"


def print_sizes(cur: Curriculum) -> tuple[bool, ...]:
    """`large` of each handout page: regular print, and large print where the program has it."""
    return (False, True) if cur.program.handouts.large_print else (False,)


def has_worksheet(h: Handout) -> bool:
    """Does the handout hold anything to fill in: writing lines, a checklist, a scale, a grid?"""
    return any(mark in h.html for mark in ('class="ws ', 'class="ws-check"'))


# A paragraph that is only bold words (`**My plan**`): a section head in all but name. Not one
# that holds a blank to fill in (`**I feel ___ when ___.**`), nor a long sentence.
_BOLD_HEAD = re.compile(r"<p><strong>([^<_]{1,70})</strong></p>")
# A head that brings its own number: "1. My week", "Step 2. List your options.", "Paso uno:".
_OWN_NUMBER = re.compile(r"(?:(?:Step|Paso)\s+\S+?[.:)]|\d+[.):])\s")


def step_heads(html: str) -> str:
    """A handout's section heads as real headings (`h2.ws-step`, numbered by the theme), so that
    readers see the steps and screen readers can jump between them. When the heads bring their
    own numbers, the theme adds none (`ws-numbered`): no head shows two numbers, or two that differ."""
    own = any(_OWN_NUMBER.match(head) for head in _BOLD_HEAD.findall(html))
    return _BOLD_HEAD.sub(rf'<h2 class="ws-step{" ws-numbered" if own else ""}">\1</h2>', html)


def qr_svg(url: str, label: str) -> str:
    """A QR code of `url` as inline SVG (made offline with `segno`), named `label` for screen
    readers; "" when segno is not installed."""
    try:
        import segno  # type: ignore[import-not-found, unused-ignore]  # optional: the pdf extra
    except ImportError:
        return ""
    svg: str = segno.make(url, error="m").svg_inline(scale=2, title=label, svgclass="ws-qr-code")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{htmllib.escape(label, quote=True)}" ', 1)


_PHONE = re.compile(r"(?<![\w-])\d(?:[\d-]*\d)?(?![\w-])")
_PHONE_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")
_TEXTS = re.compile(r"\btext\b", re.I)


def unbroken_numbers(text: str) -> str:
    """`text` with the hyphens inside phone numbers made non-breaking (U+2011), for the printed
    footer, where a number must never be cut across two lines."""
    return _PHONE_HYPHEN.sub("\u2011", text)


def crisis_contact(contact: CrisisContact, language: str, catalogues: Catalogues) -> tuple[str, Markup, str]:
    """A crisis contact as written for `language` (name, linked contact, note). It takes texts when
    its source-language words say "text" (a translation words that its own way)."""
    c = contact.in_language(language)
    send = translate(catalogues, language, "send_text")  # "send a text to"
    return c.name, contact_links(c.contact, bool(_TEXTS.search(contact.contact)), send), c.note


def contact_links(contact: str, texts: bool, send: str) -> Markup:
    """A crisis contact with its phone numbers (three digits or more) as `tel:` links that never
    break across lines, and, when it takes `texts`, an `sms:` link after the last mention of each
    number (where "... or send a text to 988" ends), in the words `send` ("send a text to")."""
    numbers = [(m, re.sub(r"\D", "", m.group(0))) for m in _PHONE.finditer(contact)]
    last = {digits: m for m, digits in numbers}
    out, at = [], 0
    for m, digits in numbers:
        if len(digits) < 3:
            continue
        out.append(escape(contact[at:m.start()]))
        out.append(Markup('<a class="tel" href="tel:{}">{}</a>').format(digits, m.group(0)))
        if texts and last[digits] is m:
            out.append(Markup(' <span class="sms no-print">(<a href="sms:{}">{} {}</a>)</span>')
                       .format(digits, send, m.group(0)))
        at = m.end()
    out.append(escape(contact[at:]))
    return Markup("").join(out)


def check_reserved(modules: Iterable[Module]) -> list[Problem]:
    """A module `manual` or a handout `packet` would overwrite a collection page."""
    problems = []
    for m in modules:
        if m.id == "manual":
            problems.append(Problem(m.path, None, f"the module id `{m.id}` is reserved for the facilitator manual ({MANUAL}).",
                                    "IOP006", hint="Rename the file."))
        problems += [Problem(h.path, h.line, f"the handout id `{h.id}` is reserved for the client packet ({PACKET}).",
                             "IOP006", hint="Choose another handout id.")
                     for h in m.handouts if h.id == "packet"]
    return problems


def packet_order(cur: Curriculum) -> tuple[Handout, ...]:
    """Every handout once, in program order: as its first session uses it (a module's session
    uses the module's own handouts, so none is left out)."""
    by_id = {h.id: h for m in cur.modules for h in m.handouts}
    used = dict.fromkeys(hid for m in cur.modules for hid in m.session_handouts)  # in order, once each
    return tuple(by_id[hid] for hid in used if hid in by_id)


def pdf_jobs(cur: Curriculum) -> tuple[tuple[str, str], ...]:
    """(HTML page, PDF file) for every PDF that `--pdf` writes."""
    jobs: list[tuple[str, str]] = []
    for language in ("", *cur.program.langs[1:]):
        for h in packet_order(cur):
            jobs += [(handout_page(h.id, large=large, language=language), handout_pdf(h.id, large=large, language=language))
                     for large in print_sizes(cur)]
            if has_worksheet(h) and not language:
                jobs.append((handout_page(h.id), fill_pdf(h.id)))
        if language:
            jobs += [(page, language_pdf(page)) for page in (language_packet(language), bilingual_packet(language))]
        else:
            jobs += [(PACKET, PACKET_PDF), (MANUAL, MANUAL_PDF)]
    return tuple(jobs)


MAX_HANDOUT_PAGES = 2  # a handout longer than this on paper is a warning (measured with WeasyPrint)


def page_count_jobs(cur: Curriculum) -> tuple[tuple[str, str], ...]:
    """(HTML page, PDF file) of each handout in regular print, in every language: the PDFs whose
    pages `long_handouts` counts."""
    return tuple((handout_page(h.id, language=lang), handout_pdf(h.id, language=lang))
                 for lang in ("", *cur.program.langs[1:]) for h in packet_order(cur))


def long_handouts(cur: Curriculum, pages: dict[str, int]) -> list[Problem]:
    """A warning for each handout, in every language, whose PDF (regular print, on the program's
    paper) has more than MAX_HANDOUT_PAGES pages: `pages` holds the page count of each PDF made."""
    editions = [("", h) for h in packet_order(cur)] + [(t.language, h) for t in cur.translations for h in t.handouts]
    problems = []
    for lang, h in editions:
        n = pages.get(handout_pdf(h.id, language=lang), 0)
        if n > MAX_HANDOUT_PAGES:
            problems.append(Problem(
                h.path, h.line,
                f"the handout `{h.id}`{f' ({lang})' if lang else ''} prints on {n} pages of "
                f"{cur.program.handouts.paper} paper (at most {MAX_HANDOUT_PAGES} is best for a take-home sheet).",
                "IOP030", severity="warning",
                hint="Cut text, make fewer writing lines, or split it into two handouts.",
            ))
    return problems


# ---------------------------------------------------------------- binding pages into one document


@dataclass(frozen=True)
class Bound:
    """One page bound into a document."""

    page: str  # its site path, e.g. "facilitator/cravings.html"
    anchor: str  # the id of its section in the document
    owner: str  # the prefix its own anchors may already carry (a module's id)
    html: str  # its main content
    shift: int  # heading levels to move down


def bind(parts: Sequence[Bound], into: str, reserved: Iterable[str] = ()) -> list[Markup]:
    """The content of each part, rewritten to live in the document at `into`: headings move down
    by the part's shift, every id is prefixed with the part's anchor and is unique in the whole
    document (against `reserved` too), and links to another bound page point inside it."""
    scans = [scan(p.html) for p in parts]  # the tags that binding may change
    taken = set(reserved) | {p.anchor for p in parts}
    ids = {p.page: unique_ids(found.ids, p.anchor, p.owner, taken) for p, found in zip(parts, scans, strict=True)}
    doc = Document(into, ids, {p.page: p.anchor for p in parts})
    return [Markup(bind_tags(p.html, found, p.shift, TITLE_CLASS, p.page, doc)) for p, found in zip(parts, scans, strict=True)]


# ---------------------------------------------------------------- views for the templates


@dataclass(frozen=True)
class BookItem:
    anchor: str
    title: str
    html: Markup  # its content, rewritten to live in the document
    kind: str = "module"  # "handout", "module" or "page"
    lang: str = ""  # the language of its title, when it is not the page's (a source handout among translations)


@dataclass(frozen=True)
class BookPart:
    anchor: str
    title: str
    items: tuple[BookItem, ...]


@dataclass(frozen=True)
class PacketView:
    title: str
    items: tuple[BookItem, ...]
    pdf: str | None  # URL of the PDF, when there is one


@dataclass(frozen=True)
class ManualView:
    title: str
    home: Markup
    parts: tuple[BookPart, ...]
    pdf: str | None
