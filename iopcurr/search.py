"""The offline search index: Curriculum → one JavaScript file that lunr.js loads in the browser.

The index is built here, at build time, with the `lunr` Python package (a port of lunr.js whose
serialized indexes lunr.js 2.3 loads as they are). It is written as a script file that assigns
a global, not as JSON, because browsers refuse `fetch()` of a JSON file from `file://`; a
`<script src>` of a file of the site itself works from a USB stick and from a server alike.

Each page of the site is one document, made only of the text that page shows: a facilitator
page holds the module's facilitator text, a handout only its client text. A word in a facilitator
note therefore finds the facilitator page and never a handout, and a result's excerpt is always
text of the page it links to.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from iopcurr.model import Curriculum, OutputFile

INDEX_PATH = "static/search-index.js"
GLOBAL = "IOPCURR_SEARCH"

KINDS = {
    "module": "Facilitator guide",
    "handout": "Client handout",
    "page": "Facilitator page",
}

_TAG = re.compile(r"<[^>]+>")
# Elements whose text the page shows but that say nothing a reader would search for.
_SKIP = re.compile(r'<(p|span|ol) class="(block-label|visually-hidden|ws-box|ws-scale-points)"[^>]*>.*?</\1>', re.S)
# lunr's tokenizer splits on whitespace and hyphens after lower-casing; doing the same with one
# regex (and handing lunr the token list, which it accepts as is) gives the same index faster.
_SEPARATOR = re.compile(r"[ \t\n\r\f\v\xa0-]+")
# lunr.js trims with JavaScript's ASCII-only \W; lunr.py's trimmer differs on some words ("“let’s").
# Trimming the JavaScript way first makes both sides agree on every token.
_JS_TRIM = re.compile(r"^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$")
_SENTENCE = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True)
class SearchDoc:
    """One searchable page: where it is, what it is called, and the text it shows."""

    url: str  # relative to the site root
    title: str
    kind: str  # a key of KINDS
    summary: str
    text: str


def html_text(fragment: str) -> str:
    """The readable text of sanitized HTML, on one line."""
    text = _TAG.sub(" ", _SKIP.sub(" ", fragment))
    return " ".join(html.unescape(text).split())


def _first_sentence(text: str, limit: int = 160) -> str:
    first = _SENTENCE.split(text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def search_documents(cur: Curriculum) -> tuple[SearchDoc, ...]:
    """Every facilitator page, handout and free page, in the order the site lists them."""
    docs: list[SearchDoc] = []
    for m in cur.modules:
        parts = [m.summary, *m.objectives, *m.materials, html_text(m.overview_html)]
        for seg in m.segments:
            parts += [seg.title, html_text(seg.html)]
        text = " ".join(p for p in parts if p)
        docs.append(SearchDoc(f"facilitator/{m.id}.html", m.title, "module", m.summary, text))
    for m in cur.modules:
        for h in m.handouts:
            text = html_text(h.html)
            docs.append(SearchDoc(f"handouts/{h.id}.html", h.title, "handout", _first_sentence(text), text))
    for p in cur.pages:
        text = html_text(p.html)
        docs.append(SearchDoc(f"pages/{p.id}.html", p.title, "page", p.summary or _first_sentence(text), text))
    return tuple(docs)


def _tokens(text: str) -> list[str]:
    trimmed = (_JS_TRIM.sub("", t) for t in _SEPARATOR.split(text.lower()))
    return [t for t in trimmed if t]


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    from lunr.stemmer import porter_stemmer

    return str(porter_stemmer.stem(word))


def _builder() -> Any:
    """lunr's default builder (trimmer, stop words, Porter stemmer), with the stemmer memoized.

    Words repeat a lot, and stemming is most of the indexing time; the cache also lasts across
    the rebuilds of `iopcurr serve`. The memoized function keeps the label "stemmer", so the
    serialized index names the stemmer that lunr.js knows.
    """
    from lunr.builder import Builder
    from lunr.stemmer import stemmer
    from lunr.stop_word_filter import stop_word_filter
    from lunr.trimmer import trimmer

    def cached_stemmer(token: Any, i: int | None = None, tokens: list[Any] | None = None) -> Any:
        return token.update(lambda s, _metadata: _stem(s))

    cached_stemmer.label = "stemmer"  # type: ignore[attr-defined]
    builder = Builder()
    builder.pipeline.add(trimmer, stop_word_filter, cached_stemmer)
    builder.search_pipeline.add(stemmer)
    return builder


def build_index(docs: Sequence[SearchDoc]) -> dict[str, Any] | None:
    """The serialized lunr index of `docs` (refs are their positions in `docs`); None if no docs."""
    if not docs:
        return None  # lunr cannot index nothing; the browser then finds nothing
    from lunr import lunr

    documents = [
        {"id": str(i), "title": _tokens(d.title), "summary": _tokens(d.summary), "body": _tokens(d.text)}
        for i, d in enumerate(docs)
    ]
    fields = [
        {"field_name": "title", "boost": 10},
        {"field_name": "summary", "boost": 3},
        "body",
    ]
    index = lunr(ref="id", fields=fields, documents=documents, builder=_builder())
    serialized: dict[str, Any] = index.serialize()
    return serialized


def index_script(docs: Sequence[SearchDoc]) -> str:
    """The script that carries the documents and their index (deterministic for the same docs)."""
    data = {
        "kinds": KINDS,
        "docs": [{"url": d.url, "title": d.title, "kind": d.kind, "summary": d.summary, "text": d.text}
                 for d in docs],
        "index": build_index(docs),
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # JSON allows these two characters in strings; older JavaScript engines do not.
    payload = payload.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (
        "/* Search index generated by iopcurr at build time; lunr.js loads it. Do not edit. */\n"
        f"window.{GLOBAL} = {payload};\n"
    )


def search_file(cur: Curriculum) -> OutputFile:
    return OutputFile(INDEX_PATH, index_script(search_documents(cur)).encode("utf-8"))
