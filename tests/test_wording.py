from __future__ import annotations

import pytest
from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import run
from iopcurr.plan.wording import TERMS, find_terms, terms_markdown_table


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("He is an addict.", "addict"),
        ("Addicts are people.", "addict"),
        ("a history of substance abuse", "substance abuse"),
        ("She stayed clean for a year.", "clean"),
        ("a dirty urine test", "dirty"),
        ("my uncle the alcoholic", "alcoholic"),
        ("junkies", "junkie"),
    ],
)
def test_flags_stigmatizing_terms(text: str, term: str) -> None:
    assert [h.term for h in find_terms(text)] == [term]


@pytest.mark.parametrize(
    "text",
    [
        "Alcoholics Anonymous meets on Tuesdays.",
        "Substance Abuse and Mental Health Services Administration",
        "non-alcoholic beer",
        "a person with a substance use disorder who returned to use",
        "addiction is a treatable condition",
    ],
)
def test_leaves_proper_names_and_person_first_words(text: str) -> None:
    assert find_terms(text) == []


def test_line_and_column() -> None:
    (hit,) = find_terms("first line\nsecond: addict here\n")
    assert (hit.line, hit.column) == (2, 9)


def test_every_term_is_in_the_documented_table() -> None:
    table = terms_markdown_table()
    for shown, _pattern, suggestion in TERMS:
        assert shown in table and suggestion in table


def test_build_reports_term_with_file_line_and_suggestion(make_curriculum: MakeCurriculum) -> None:
    text = module_text("a").replace("Overview for the facilitator.", "Members who are addicts.")
    result = run(make_curriculum({"a": text}))
    (p,) = [p for p in result.problems if p.code == "IOP015"]
    assert (p.line, p.column, p.severity) == (10, 17, "error")
    assert p.hint == "Use: person with a substance use disorder."
