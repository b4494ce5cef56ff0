"""Our linear-time index builder makes exactly the index that the `lunr` package makes."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from iopcurr.pipeline import run
from iopcurr.render import lunrindex
from iopcurr.render.search import FIELDS, _analyzer, module_documents, page_documents, search_documents

REPO = Path(__file__).resolve().parent.parent
_SEP = re.compile(r"[ \t\n\r\f\v\xa0-]+")
_TRIM = re.compile(r"^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$")


def _words(text: str) -> list[str]:
    return [w for w in (_TRIM.sub("", t) for t in _SEP.split(text.lower())) if w]


def ours(documents: list[tuple[str, ...]]) -> dict[str, Any]:
    """The index as `lunrindex` builds it, from the texts of each document's fields."""
    bags = [[lunrindex.bag(v, _analyzer().term) for v in values] for values in documents]
    parsed: dict[str, Any] = json.loads(lunrindex.build_json(FIELDS, bags))
    return parsed


def lunr_py(documents: list[tuple[str, ...]]) -> dict[str, Any]:
    """The index as the `lunr` package builds it, with its own trimmer, stop words and stemmer."""
    from lunr import lunr
    from lunr.builder import Builder
    from lunr.stemmer import stemmer
    from lunr.stop_word_filter import stop_word_filter
    from lunr.trimmer import trimmer

    builder = Builder()
    builder.pipeline.add(trimmer, stop_word_filter, stemmer)
    builder.search_pipeline.add(stemmer)
    fields: list[Any] = [{"field_name": f.name, "boost": f.boost} for f in FIELDS]
    docs = [{"id": str(i), **{f.name: _words(v) for f, v in zip(FIELDS, d, strict=True)}}
            for i, d in enumerate(documents)]
    serialized: dict[str, Any] = lunr(ref="id", fields=fields, documents=docs, builder=builder).serialize()
    return serialized


def test_the_bundled_curriculum_gives_the_same_index_as_lunr_py() -> None:
    result = run(REPO / "curriculum")
    assert result.curriculum is not None
    docs = search_documents(result.curriculum)
    theirs = lunr_py([(d.title, d.summary, d.text) for d in docs])
    assert lunrindex.build_json(FIELDS, [d.bags for d in docs]) == json.dumps(theirs, ensure_ascii=False, separators=(",", ":"))  # same terms, numbers, order and scores
    assert len(theirs["invertedIndex"]) > 1000


def test_each_file_brings_its_own_documents_as_they_would_be_made_at_the_end() -> None:
    # The documents (text and index terms) are made where each file is read, in the conversion
    # workers; they must be what the finished module or page gives.
    result = run(REPO / "curriculum")
    assert result.curriculum is not None
    for m in result.curriculum.modules:
        assert m.search and m.search == module_documents(replace(m, search=()))
        assert [d.url for d in m.search] == [f"facilitator/{m.id}.html", *(f"handouts/{h.id}.html" for h in m.handouts)]
    for p in result.curriculum.pages:
        assert p.search and p.search == page_documents(replace(p, search=()))
    bags = [b for m in result.curriculum.modules for d in m.search for b in d.bags]
    assert all(len(b.split(" ")) % 2 == 0 for b in bags if b)


def test_tricky_words_stop_words_and_empty_fields() -> None:
    documents = [
        ("Anger — the Meter", "", "“Let’s” go: anger, ANGER, angers; the and of. café ñ -- x"),
        ("", "", ""),
        ("Cravings & urges", "Urge surfing, step by step.", "relapse-prevention re-lapse 2nd 10 … ‘quoted’"),
    ]
    index = ours(documents)
    assert json.dumps(index) == json.dumps(lunr_py(documents))
    terms = [t for t, _ in index["invertedIndex"]]
    assert "anger" in terms and "the" not in terms and "caf" in terms


words = st.sampled_from(["anger", "the", "meters", "Relapse", "re-lapse", "“quoted”", "café", "and", "x",
                         "running", "runs", "—", "2027", "it's", "urges"])
texts = st.lists(words, max_size=30).map(" ".join)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(texts, texts, texts), min_size=1, max_size=6))
def test_any_documents_give_the_same_index_as_lunr_py(documents: list[tuple[str, str, str]]) -> None:
    assert json.dumps(ours(documents)) == json.dumps(lunr_py(documents))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=30))
def test_scores_are_written_as_lunr_rounds_them(counts: list[int]) -> None:
    """Scores of every size, whole ones included, as `round(score, 3)` and `json.dumps` write them."""
    bags = [" ".join(f"t{j} {n}" for j, n in enumerate(counts[: i + 1])) for i in range(len(counts))]
    index = json.loads(lunrindex.build_json([lunrindex.Field("body", 1.5)], [[b] for b in bags]))
    text = lunrindex.build_json([lunrindex.Field("body", 1.5)], [[b] for b in bags])
    assert text == json.dumps(index, ensure_ascii=False, separators=(",", ":"))
