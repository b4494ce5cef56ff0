"""A lunr 2.3 search index, serialized, built in linear time (pure).

lunr.js 2.3.9, which the site ships, loads an index serialized as JSON. The `lunr` Python package
builds the same index, but spends about 30 µs per word of text on token objects, copied metadata
and a pipeline of function calls: half a minute for a program of 1,000 modules. This module
builds the identical serialized index — same terms, term numbers, field vectors and scores, to
the last digit (a test compares the two on the bundled curriculum) — by counting each document's
words first and running the pipeline (trim, stop words, stem) once per distinct word of the
whole program, not once per occurrence.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

LUNR_VERSION = "2.3.9"
K1 = 1.2
B = 0.75

# lunr's tokenizer splits on whitespace and hyphens after lower-casing.
_SEPARATOR = re.compile(r"[ \t\n\r\f\v\xa0-]+")
# lunr.js trims with JavaScript's ASCII-only \W (lunr.py's trimmer is Unicode-aware and differs on
# some words, such as "“let’s"). Trimming the JavaScript way makes the index match what lunr.js
# does to a query; lunr.py's own trimmer leaves a word trimmed this way as it is.
_JS_TRIM = re.compile(r"^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Field:
    name: str
    boost: float = 1


class Analyzer:
    """Word → index term (None when the pipeline drops the word), remembered across documents."""

    def __init__(self, stem: Callable[[str], str], stop_words: frozenset[str]) -> None:
        self._stem = stem
        self._stop = stop_words
        self._memo: dict[str, str | None] = {}

    def term(self, word: str) -> str | None:
        if word in self._memo:
            return self._memo[word]
        trimmed = _JS_TRIM.sub("", word)
        term = (self._stem(trimmed) or None) if trimmed and trimmed not in self._stop else None
        self._memo[word] = term
        return term

    def terms(self, text: str) -> dict[str, int]:
        """The terms of `text` with their counts, in the order of their first occurrence."""
        counts: dict[str, int] = {}
        memo = self._memo
        # Counter counts the words in C; the pipeline then runs once per distinct word.
        for word, n in Counter(_SEPARATOR.split(text.lower())).items():
            t = memo[word] if word in memo else self.term(word)
            if t is not None:
                counts[t] = counts.get(t, 0) + n
        return counts


def build(fields: Sequence[Field], documents: Sequence[Sequence[str]], analyzer: Analyzer) -> dict[str, Any]:
    """The serialized index of `documents` (each the text of every field, in order; ref = position)."""
    parsed: dict[str, Any] = json.loads(build_json(fields, documents, analyzer))
    return parsed


def build_json(fields: Sequence[Field], documents: Sequence[Sequence[str]], analyzer: Analyzer) -> str:
    """`build`'s index as compact JSON text (`json.dumps(..., separators=(",", ":"),
    ensure_ascii=False)` of it, character for character), written directly: a program of
    1,000 modules has some 600,000 (term, field, document) entries, too many to hold as objects."""
    names = [f.name for f in fields]
    number: dict[str, int] = {}  # term → its number, in the order first met
    where: list[list[list[int]]] = []  # term number → field → the documents holding it
    counted: list[tuple[int, int, dict[str, int], int]] = []  # (field, document, term counts, length)
    totals = [0] * len(names)
    for ref, values in enumerate(documents):
        for k, value in enumerate(values):
            counts = analyzer.terms(value)
            length = sum(counts.values())
            totals[k] += length
            counted.append((k, ref, counts, length))
            for term in counts:
                i = number.get(term)
                if i is None:
                    i = number[term] = len(where)
                    where.append([[] for _ in names])
                where[i][k].append(ref)
    n_docs = len(documents)
    average = [t / n_docs for t in totals] if n_docs else []
    idf = []
    for refs in where:
        with_term = sum(len(r) for r in refs)
        x = (n_docs - with_term + 0.5) / (with_term + 0.5)
        idf.append(math.log(1 + abs(x)))
    vectors = []
    for k, ref, counts, length in counted:
        scored = []
        if counts:  # (an empty field's average length may be 0)
            norm = K1 * (1 - B + B * (length / average[k]))
            boost = fields[k].boost
            for term, tf in counts.items():
                i = number[term]
                # The operations in lunr's order, so that the floats come out the same.
                score = idf[i] * ((K1 + 1) * tf) / (norm + tf)
                score *= boost
                scored.append((i, round(score, 3)))
        scored.sort()
        elements = ",".join(f"{i},{score!r}" for i, score in scored)
        vectors.append(f'["{_name(names[k])}/{ref}",[{elements}]]')
    keys = [f'"{_name(n)}":' for n in names]
    postings = []
    for term in sorted(number):
        i = number[term]
        per_field = ",".join(key + "{" + ",".join(f'"{r}":{{}}' for r in refs) + "}"
                             for key, refs in zip(keys, where[i], strict=True))
        postings.append(f'[{_string(term)},{{{per_field},"_index":{i}}}]')
    return (
        f'{{"version":"{LUNR_VERSION}","fields":{_string_list(names)},'
        f'"fieldVectors":[{",".join(vectors)}],"invertedIndex":[{",".join(postings)}],"pipeline":["stemmer"]}}'
    )


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _string_list(texts: Sequence[str]) -> str:
    return json.dumps(list(texts), ensure_ascii=False, separators=(",", ":"))


def _name(field: str) -> str:
    return _string(field)[1:-1]
