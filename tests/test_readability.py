"""Honest reading grades: prose sentences only, two formulas (Flesch-Kincaid and SMOG), limits
from `handouts:`, words (never a bare grade) for facilitators, and grades that travel with their handouts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import textstat
from conftest import BUNDLED, MakeCurriculum, module_text
from hypothesis import given, settings
from hypothesis import strategies as st

from iopcurr.model import SMOG_SENTENCES, Handout, Module, Readability
from iopcurr.pipeline import read, run
from iopcurr.plan.checks import (
    check_handouts,
    grade_words,
    measure,
    prose_text,
    readability_of,
    readability_words,
)
from iopcurr.source.config import parse_program
from iopcurr.source.convert import parse_all

PROSE = (
    "A warning sign is a change in you. It shows up before a return to use.\n"
    "Other people may see your signs before you do.\n"
    "Pick your top signs and write what you will do about each one."
)
LABELS = "How I feel.\nBored.\nLonely.\nNumb.\nMy step:.\nWhat I will do instead:.\nName ____.\n"


def handout(text: str, ident: str = "h") -> Module:
    h = Handout(ident, ident.title(), "m", "modules/m.md", 40, "", text)
    return Module("m", "modules/m.md", "M", None, "", (), (), (), "", (), (h,), ())


def limits(yaml: str = "") -> object:
    program, problems = parse_program("title: T\n" + yaml)
    assert not problems
    return program


def test_prose_keeps_paragraphs_and_full_sentences_and_drops_labels_stubs_and_prompts() -> None:
    text = LABELS + PROSE + "\nI stay in my room.\nI stop calling my support people.\n"
    kept = prose_text(text).split("\n")
    assert kept == [*PROSE.split("\n"), "I stop calling my support people."]


def test_labels_and_prompts_no_longer_pull_the_grade_down() -> None:
    with_labels = measure(LABELS * 3 + PROSE)
    assert with_labels == measure(PROSE)
    assert with_labels.sentences == 4
    # measured the old way, over every line, the one-word labels made it look far easier
    import textstat

    assert textstat.flesch_kincaid_grade(LABELS * 3 + PROSE) < with_labels.grade


def test_two_formulas_and_smog_only_from_three_sentences() -> None:
    r = measure(PROSE)
    assert r.grade > 0 and r.smog > r.grade  # SMOG runs higher on plain short sentences
    assert r.sentences >= SMOG_SENTENCES
    short = measure("Call the number on this page when you need help tonight.")
    assert short.sentences == 1 and short.smog == 0.0
    assert measure(LABELS) == Readability(0.0, 0.0, 0)


# Words the CMU dictionary knows (one, two, three or more syllables, contractions, alternate
# pronunciations), words it does not (pyphen counts them) and punctuation textstat drops.
WORDS = ["I", "you", "don't", "can't", "we'll", "recovery", "counselor", "relationships", "craving", "read",
         "Naloxone", "HALT", "iopcurr", "zxqv", "self-care", "12", "3-step", "café", "'quoted'", "rock'n'roll",
         "mmm", "hmm", "every", "different", "interesting", "family", "tonight.", "now!", "why?", "—", "(call", "988)", "e.g.", "...", "a", "the", "unbelievably"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join), min_size=1, max_size=14))
def test_grades_are_textstat_s(lines: list[str]) -> None:
    """Our reading of the CMU dictionary gives textstat's own Flesch-Kincaid and SMOG."""
    text = "\n".join(lines)
    prose = prose_text(text)
    r = measure(text)
    if r.sentences:
        assert r.grade == max(0.0, round(float(textstat.flesch_kincaid_grade(prose)), 1))
        if r.sentences >= SMOG_SENTENCES:
            assert r.smog == round(float(textstat.smog_index(prose)), 1)


@pytest.mark.parametrize(("grade", "words"), [
    (0.2, "very easy"), (5.9, "very easy"), (6.0, "easy"), (7.5, "fairly easy"), (8.0, "plain English"),
    (9.9, "plain English"), (11.0, "fairly hard"), (14.0, "hard"), (18.0, "very hard"),
])
def test_grades_in_words_follow_flesch_s_bands(grade: float, words: str) -> None:
    assert grade_words(grade) == words


def test_the_guide_says_the_grades_in_words_never_in_numbers() -> None:
    assert readability_words(Readability(0.2, 5.4, 20)) == "very easy to read (Flesch-Kincaid and SMOG)"
    assert readability_words(Readability(2.5, 7.9, 20)) == "very easy to read by Flesch-Kincaid, fairly easy by SMOG"
    assert readability_words(Readability(4.0, 0.0, 2)) == "very easy to read by Flesch-Kincaid (too short for SMOG)"
    assert readability_words(Readability(0.0, 0.0, 0)) == "reading level: too little prose to measure"
    for r in (Readability(0.2, 5.4, 20), Readability(12.1, 14.0, 9)):
        assert not re.search(r"\d", readability_words(r))


def test_each_formula_has_its_own_limit_under_handouts() -> None:
    hard = ("People who are working on recovery often notice that their relationships with family members "
            "change considerably during treatment. Communication improves gradually when everybody "
            "participates honestly in conversations. Professional counselors recommend practicing these "
            "conversations regularly.")  # Flesch-Kincaid 18.7, SMOG 16.3
    problems = check_handouts(limits(), [handout(hard)])  # type: ignore[arg-type]
    assert [(p.code, p.line) for p in problems] == [("IOP014", 40), ("IOP014", 40)]
    assert "by Flesch-Kincaid" in problems[0].message and "`handouts.max_grade`) is 7" in problems[0].message
    assert "by SMOG" in problems[1].message and "`handouts.max_smog`) is 8" in problems[1].message
    assert "measured on its prose 3 sentences" in problems[0].message
    lenient = limits("handouts: {max_grade: 20, max_smog: 20}\n")
    assert check_handouts(lenient, [handout(hard)]) == []  # type: ignore[arg-type]


def test_max_smog_is_checked_like_the_other_settings() -> None:
    program, problems = parse_program("handouts: {max_smog: 2}\n")
    assert [(p.code, p.line) for p in problems] == [("IOP004", 1)]
    assert program.handouts.max_smog == 8.0
    _, problems = parse_program("handouts: {max_smgo: 9}\n")
    assert [p.hint for p in problems] == ["Did you mean `max_smog`?"]


def test_grades_travel_with_the_handouts(make_curriculum: MakeCurriculum) -> None:
    text = module_text("alpha").replace("You can do this. Write one step.", PROSE.replace("\n", "\n\n"))
    parsed, _ = parse_all(read(make_curriculum({"alpha": text})).files, jobs=1)
    handouts = [h for p in parsed if p.module for h in p.module.handouts]
    assert handouts and all(h.readability == measure(h.text) for h in handouts)
    assert all(readability_of(h) is h.readability for h in handouts)
    assert any(h.readability and h.readability.sentences >= 4 for h in handouts)


def test_the_facilitator_guide_shows_the_words(make_curriculum: MakeCurriculum) -> None:
    text = module_text("alpha").replace("You can do this. Write one step.", PROSE.replace("\n", "\n\n"))
    result = run(make_curriculum({"alpha": text}))
    assert result.ok, [p.format() for p in result.problems]
    files = {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}
    guide = files["facilitator/alpha.html"]
    assert readability_words(readability_of(
        next(h for m in result.curriculum.modules for h in m.handouts)  # type: ignore[union-attr]
    )) in guide
    assert "to read" in files["index.html"]
    assert "Flesch" not in files["handouts/alpha-sheet.html"]


def test_every_bundled_handout_passes_both_limits() -> None:
    result = run(Path(BUNDLED))
    cur = result.curriculum
    assert cur is not None
    assert [p.format() for p in result.problems if p.code == "IOP014"] == []
    grades = [readability_of(h) for m in cur.modules for h in m.handouts]
    assert all(r.sentences >= SMOG_SENTENCES for r in grades)
    assert max(r.grade for r in grades) <= cur.program.handouts.max_grade
    assert max(r.smog for r in grades) <= cur.program.handouts.max_smog
