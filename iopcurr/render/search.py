"""The offline search index: Curriculum → one JavaScript file that lunr.js loads in the browser.

The index is built here, at build time, by `lunrindex` (the serialized index lunr.js 2.3 loads,
identical to what the `lunr` Python package would make, in a fraction of the time; the package
still provides the stemmer and the stop words). It is written as a script file that assigns
a global, not as JSON, because browsers refuse `fetch()` of a JSON file from `file://`; a
`<script src>` of a file of the site itself works from a USB stick and from a server alike.

Each page of the site is one document, made only of the text that page shows: a facilitator
page holds the module's facilitator text, a handout only its client text. A word in a facilitator
note therefore finds the facilitator page and never a handout, and a result's excerpt is always
text of the page it links to.

A page's document, its words already turned into index terms, is made with the file it comes from
(`module_documents`, `page_documents`, called by `parsed.parse_source`): in the conversion workers
of a cold build, and from the cache after. Building the index then only numbers and scores terms.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache, partial

from iopcurr.model import Curriculum, Handout, Module, OutputFile, Page, SearchDoc, Translation
from iopcurr.plan.safety import without_controls
from iopcurr.render import lunrindex, searchlang
from iopcurr.render.lunrindex import Analyzer, Field, compact_json
from iopcurr.source.translations import has_guide

INDEX_PATH = "static/search-index.js"
GLOBAL = "IOPCURR_SEARCH"

KINDS = {"module": "Facilitator guide", "handout": "Client handout", "page": "Facilitator page"}

_TAG = re.compile(r"<[^>]+>")
# Elements whose text the page shows but that say nothing a reader would search for.
_SKIP = re.compile(r'<(p|span|ol) class="(block-label|visually-hidden|ws-box|ws-scale-points)"[^>]*>.*?</\1>', re.S)
_SENTENCE = re.compile(r"(?<=[.!?])\s")


def html_text(fragment: str) -> str:
    """The readable text of sanitized HTML, on one line (for the index, and the names of a
    fillable PDF's fields)."""
    text = _TAG.sub(" ", _SKIP.sub(" ", fragment))
    return " ".join(html.unescape(text).split())


def _first_sentence(text: str, limit: int = 160) -> str:
    first = _SENTENCE.split(text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def search_documents(cur: Curriculum) -> tuple[SearchDoc, ...]:
    """Every facilitator page, handout and free page, in the order the site lists them."""
    return (*(m.search[0] for m in cur.modules), *(d for m in cur.modules for d in m.search[1:]),
            *(d for p in cur.pages for d in p.search))


def module_documents(m: Module) -> tuple[SearchDoc, ...]:
    """A module's facilitator page, then each of its handouts (made where the module is read:
    see `parsed.parse_source`)."""
    return (document(f"facilitator/{m.id}.html", m.title, "module", m.summary, _guide_text(m)),
            *_handout_documents(m.handouts, "handouts/", "en"))


def translation_documents(t: Translation) -> tuple[SearchDoc, ...]:
    """The translated facilitator page of a module (facilitator/<lang>/, where the translation has
    its segments) and its translated handouts (handouts/<lang>/), with the language's terms."""
    guide = (document(f"facilitator/{t.language}/{t.module_id}.html", t.title, "module", t.summary, _guide_text(t),
                      t.language),) if t.segments else ()
    return (*guide, *_handout_documents(t.handouts, f"handouts/{t.language}/", t.language))


def _guide_text(g: Module | Translation) -> str:
    """The facilitator text of a module or of its translation, on one line."""
    parts = [g.summary, *g.objectives, *g.materials, html_text(g.overview_html)]
    for seg in g.segments:
        parts += [seg.title, html_text(seg.html)]
    return " ".join(p for p in parts if p)


def _handout_documents(handouts: Sequence[Handout], folder: str, language: str) -> list[SearchDoc]:
    texts = [html_text(h.html) for h in handouts]
    return [document(f"{folder}{h.id}.html", h.title, "handout", _first_sentence(text), text, language)
            for h, text in zip(handouts, texts, strict=True)]


def language_search_file(cur: Curriculum, language: str, kinds: dict[str, str]) -> OutputFile:
    """static/search-index.<lang>.js: the search index of the handouts in `language`, which the pages
    of the translation load (a handout not yet translated is found in the source language's index)."""
    modules = {m.id: m for m in cur.modules}
    docs = [d for t in cur.translations if t.language == language for d in t.search
            if not d.url.startswith("facilitator/") or has_guide(t, modules[t.module_id])]
    pipeline = searchlang.PIPELINE_NAMES.get(language, "stemmer")
    return OutputFile(f"static/search-index.{language}.js", index_bytes(docs, kinds, pipeline))


def page_documents(p: Page) -> tuple[SearchDoc, ...]:
    text = html_text(p.html)
    return (document(f"pages/{p.id}.html", p.title, "page", p.summary or _first_sentence(text), text),)


def document(url: str, title: str, kind: str, summary: str, text: str, language: str = "en") -> SearchDoc:
    """A page's document, its fields' words already index terms of `language`."""
    term = partial(_term, language)
    return SearchDoc(url, title, kind, summary, text, tuple(lunrindex.bag(v, term) for v in (title, summary, text)))


@lru_cache(maxsize=4)
def _analyzer(language: str = "en") -> Analyzer:
    """The pipeline of `language`: lunr-languages' where searchlang.py has it, else lunr's default:
    trimmer, English stop words, Porter stemmer (the `lunr` package's stemmer and stop words, as
    lunr.js has them). (Where NLTK is installed, importing lunr imports it too, for languages the
    index does not use.)"""
    if language in searchlang.SNOWBALL_NAMES:
        return searchlang.analyzer(language)
    from lunr.stemmer import porter_stemmer
    from lunr.stop_word_filter import WORDS

    return Analyzer(lambda word: str(porter_stemmer.stem(word)), frozenset(WORDS))


@lru_cache(maxsize=1 << 17)
def _term(language: str, word: str) -> str | None:
    """`_analyzer(language).term`, memoized: words repeat from page to page, and the memo lasts
    across the files a worker converts and the rebuilds of `iopcurr serve`."""
    return _analyzer(language).term(word)


FIELDS = (Field("title", 10), Field("summary", 3), Field("body"))


def index_bytes(docs: Sequence[SearchDoc], kinds: dict[str, str] | None = None, pipeline: str = "stemmer") -> bytes:
    """The script that carries the documents and their index (deterministic for the same docs), as
    UTF-8: the same text as `json.dumps` of {"kinds", "docs", "index"} (compact, not ASCII-escaped).
    Each part is encoded as soon as it is written and the parts are joined once: the index of a
    large program runs to tens of megabytes."""
    head = ("/* Search index generated by iopcurr at build time; lunr.js loads it. Do not edit. */\n"
            f'window.{GLOBAL} = {{"kinds":{compact_json(kinds or KINDS)},"docs":[')
    listed = b",".join(_utf8(compact_json({"url": d.url, "title": d.title, "kind": d.kind, "summary": d.summary,
                                    "text": d.text})) for d in docs)
    # (lunr cannot index nothing: no documents give a null index, and the browser finds nothing)
    index = lunrindex.build_json(FIELDS, [d.bags for d in docs], pipeline) if docs else "null"
    return b"".join((_utf8(head), listed, b'],"index":', _utf8(index), b"};\n"))


def _utf8(text: str) -> bytes:
    # (without control characters and lone surrogates, which YAML escapes can put in a title)
    data = without_controls(text).encode("utf-8")
    # JSON allows U+2028 and U+2029 in strings; older JavaScript engines do not. (Their UTF-8
    # bytes occur in UTF-8 text only as those characters.)
    return data.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


def search_file(cur: Curriculum) -> OutputFile:
    return OutputFile(INDEX_PATH, index_bytes(search_documents(cur)))
