"""A lunr 2.3 search index, serialized, built in linear time (pure).

lunr.js 2.3.9, which the site ships, loads an index serialized as JSON. The `lunr` Python package
builds the same index, but spends about 30 µs per word of text on token objects, copied metadata
and a pipeline of function calls: half a minute for a program of 1,000 modules. This module
builds the identical serialized index — same terms, term numbers, field vectors and scores, to
the last digit (a test compares the two on the bundled curriculum) — by counting each document's
words first (in C) and running the pipeline (trim, stop words, stem) once per distinct word of
the whole program, not once per occurrence, then writing the JSON text directly.

What it reproduces from lunr (lunr.py 0.7 / lunr.js 2.3.9, `Builder.add`, `Builder.build`):

- a field's terms are its words after the pipeline; its length is how many there are;
- a term's number (`_index`) is the order in which the builder first met it: document by
  document, field by field, word by word;
- idf = ln(1 + |(N - d + 0.5) / (d + 0.5)|), where d counts (field, document) pairs holding the term;
- a term's score in a field is BM25 (k1 = 1.2, b = 0.75) times the field's boost, rounded to
  three decimals.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

LUNR_VERSION = "2.3.9"
K1 = 1.2
B = 0.75

# lunr's tokenizer splits on whitespace and hyphens after lower-casing.
_SEPARATOR = re.compile(r"[ \t\n\r\f\v\xa0-]+")
# lunr.js trims with JavaScript's ASCII-only \W (lunr.py's trimmer is Unicode-aware and differs on
# some words, such as "“let’s"). Trimming the JavaScript way makes the index match what lunr.js
# does to a query; lunr.py's own trimmer leaves a word trimmed this way as it is.
_JS_TRIM = re.compile(r"^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$")
# A score whose decimals were all zeros ("2." after stripping them): repr writes "2.0".
_WHOLE = re.compile(r"\.(?=,|$)")


@dataclass(frozen=True)
class Field:
    name: str
    boost: float = 1


@dataclass(frozen=True)
class Analyzer:
    """lunr's pipeline for one word: trim, stop words, stem (lunr's own trimmer, or a language's
    of lunr-languages: see searchlang.py). (`bag` asks once per distinct word of a field.)"""

    stem: Callable[[str], str]
    stop_words: frozenset[str]
    trim: re.Pattern[str] = _JS_TRIM

    def term(self, word: str) -> str | None:
        """The index term of `word`, or None when the pipeline drops it."""
        trimmed = self.trim.sub("", word)
        return (self.stem(trimmed) or None) if trimmed and trimmed not in self.stop_words else None


def bag(value: str, term: Callable[[str], str | None]) -> str:
    """The index terms of one field's text and how often each occurs, as text: "term count term
    count ...", the terms in the order lunr meets them (by the first word that gives each), each
    word's term given by `term` (None when the pipeline drops it: see `Analyzer.term`).

    Made per page, where the page's file is converted (in parallel, and cached); `build_json`
    then only numbers and scores the terms. Terms never hold a space: lunr splits words on them.
    """
    counts: dict[str, int] = {}
    # Counter counts the words in C; the pipeline then runs once per distinct word.
    for word, n in Counter(w for w in _SEPARATOR.split(value.lower()) if w).items():
        t = term(word)
        if t is not None:
            counts[t] = counts.get(t, 0) + n
    return " ".join(f"{t} {n}" for t, n in counts.items())


def build_json(fields: Sequence[Field], documents: Sequence[Sequence[str]], pipeline: str = "stemmer") -> str:
    """The serialized index of `documents`, each given as the `bag` of every field, as compact
    JSON text (`json.dumps(..., separators=(",", ":"), ensure_ascii=False)` of it, character for
    character). The text is written directly, in pieces: a program of 1,000 modules has some
    600,000 (term, field, document) entries, too many to hold as objects, and its index is 13 MB."""
    names = [f.name for f in fields]
    table = _Counted(len(names), documents)
    head = f'{{"version":"{LUNR_VERSION}","fields":{compact_json(names)}'
    return "".join((head, ',"fieldVectors":[', *_field_vectors(fields, table, len(documents)),
                    '],"invertedIndex":[', *_inverted_index(names, table, len(documents)),
                    f'],"pipeline":[{compact_json(pipeline)}]}}'))


class _Counted:
    """The terms of every (field, document) as `build_json` reads them: each term's number, in
    the order first met, and the documents that hold it, field by field."""

    def __init__(self, n_fields: int, documents: Sequence[Sequence[str]]) -> None:
        self.number: dict[str, int] = {}  # term → its number, in the order first met
        self.where: list[list[list[int]]] = []  # term number → field → the documents holding it
        self.counted: list[tuple[int, int, dict[int, int], int]] = []  # (field, document, term counts, length)
        self.totals = [0] * n_fields
        for ref, bags in enumerate(documents):
            for k, text in enumerate(bags):  # field `k` of document `ref`, given as its `bag`
                counts: dict[int, int] = {}
                items = text.split(" ") if text else []
                for t, n in zip(items[::2], items[1::2], strict=True):
                    i = self.number.get(t, -1)
                    if i < 0:
                        i = self.number[t] = len(self.where)
                        self.where.append([[] for _ in range(n_fields)])
                    counts[i] = int(n)
                    self.where[i][k].append(ref)
                length = sum(counts.values())
                self.totals[k] += length
                self.counted.append((k, ref, counts, length))


def _field_vectors(fields: Sequence[Field], table: _Counted, n_docs: int) -> Iterator[str]:
    """The BM25 score of each term in each (field, document), in the order counted."""
    average = [t / n_docs for t in table.totals] if n_docs else []
    held = [sum(len(r) for r in refs) for refs in table.where]  # (field, document) pairs holding each term
    idf = [math.log(1 + abs((n_docs - d + 0.5) / (d + 0.5))) for d in held]
    k1_plus_1 = K1 + 1
    for n, (k, ref, counts, length) in enumerate(table.counted):
        scored = ""
        if counts:  # (an empty field's average length may be 0)
            norm = K1 * (1 - B + B * (length / average[k]))
            boost = fields[k].boost
            # The operations in lunr's order, so that the floats come out the same; each score
            # written as repr(round(score, 3)): its three decimals without the trailing zeros.
            scored = _WHOLE.sub(".0", ",".join([
                f"{i},{f'{idf[i] * (k1_plus_1 * tf) / (norm + tf) * boost:.3f}'.rstrip('0')}"
                for i, tf in sorted(counts.items())]))
        yield f'{"," if n else ""}[{compact_json(f"{fields[k].name}/{ref}")},[{scored}]]'


def _inverted_index(names: Sequence[str], table: _Counted, n_docs: int) -> Iterator[str]:
    """Each term, in sorted order, with the documents that hold it in each field and its number."""
    keys = [f"{compact_json(n)}:" for n in names]
    entry = [f'"{r}":{{}}' for r in range(n_docs)]  # a document in a term's posting
    for j, term in enumerate(sorted(table.number)):
        i = table.number[term]
        per_field = ",".join(key + "{" + ",".join(map(entry.__getitem__, refs)) + "}"
                             for key, refs in zip(keys, table.where[i], strict=True))
        yield f'{"," if j else ""}[{compact_json(term)},{{{per_field},"_index":{i}}}]'


def compact_json(value: object) -> str:
    """`value` as compact JSON text, not ASCII-escaped (the form of the whole search index file)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
