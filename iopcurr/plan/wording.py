"""Person-first, non-stigmatizing language: the documented list of terms the checker flags.

Each entry: a regular expression (case-insensitive, whole words) and the words to use instead.
Proper names that contain a flagged word (an agency, a mutual-help group, a publication title)
are exempt. The authoring guide prints this list.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

TERMS: tuple[tuple[str, str, str], ...] = (
    # (shown term, pattern, suggestion)
    ("addict", r"\baddicts?\b", "person with a substance use disorder"),
    ("abuser", r"\b(?:substance |drug |alcohol )?abusers?\b", "person who uses substances"),
    ("substance abuse", r"\b(?:substance|drug|alcohol|opioid) abuse\b", "substance use (or substance use disorder)"),
    ("junkie", r"\bjunkies?\b", "person who uses drugs"),
    ("druggie", r"\bdruggies?\b", "person who uses drugs"),
    ("crackhead", r"\bcrackheads?\b", "person who uses cocaine"),
    ("pothead / stoner", r"\b(?:potheads?|stoners?)\b", "person who uses cannabis"),
    ("alcoholic", r"(?<!non-)\balcoholics?\b(?!\s+(?:anonymous|drinks?|beverages?))", "person with an alcohol use disorder"),
    ("a drunk", r"\b(?:a drunk|drunks)\b", "person who was intoxicated"),
    ("clean", r"\bclean\b", "in recovery, not using, negative (test), days without use"),
    ("dirty", r"\bdirty\b", "using, positive (test)"),
    ("relapser", r"\brelapsers?\b", "person who returned to use"),
    ("drug user", r"\bdrug users?\b", "person who uses drugs"),
    ("replacement therapy", r"\b(?:replacement|substitution) therap(?:y|ies)\b", "medication for (opioid) use disorder"),
)

# Proper names kept as they are written.
EXEMPT = (
    "Substance Abuse and Mental Health Services Administration",
    "Substance Abuse: Clinical Issues",
    "Alcoholics Anonymous",
    "National Institute on Drug Abuse",
    "National Institute on Alcohol Abuse and Alcoholism",
    "Center for Substance Abuse Treatment",
    "Narcotics Anonymous",
)

# Spanish (`es`): the terms the checker flags in Spanish translations, documented like TERMS.
TERMS_ES: tuple[tuple[str, str, str], ...] = (
    ("adicto", r"\badict[oa]s?\b", "persona con un trastorno por consumo de sustancias"),
    ("drogadicto", r"\bdrogadict[oa]s?\b", "persona que consume drogas"),
    ("drogadicción", r"\bdrogadicci[oó]n\b", "trastorno por consumo de sustancias"),
    ("limpio / limpia", r"\blimpi[oa]s?\b", "en recuperación, sin consumir, (prueba con resultado) negativo"),
    ("sucio / sucia", r"\bsuci[oa]s?\b", "(prueba con resultado) positivo, consumiendo"),
    ("abusador", r"\babusador(?:a|es|as)?\b", "persona que consume sustancias"),
    ("abuso de sustancias", r"\babuso de (?:sustancias|drogas|alcohol)\b", "consumo de sustancias (o trastorno por consumo)"),
    ("alcohólico", r"\balcoh[oó]lic[oa]s?\b(?!\s+an[oó]nim)", "persona con un trastorno por consumo de alcohol"),
    ("vicio / vicioso", r"\bvici(?:o|os|osa|oso|osas|osos)\b", "consumo, trastorno por consumo"),
    ("tecato / yonqui", r"\b(?:tecat[oa]s?|yonquis?|junkies?)\b", "persona que consume drogas"),
    ("borracho", r"\bborrach[oa]s?\b", "persona que estaba bajo los efectos del alcohol"),
    ("recaedor", r"\brecaedor(?:a|es|as)?\b", "persona que volvió a consumir"),
)
# Proper names kept as they are written (a program's Spanish name, mutual-help groups).
EXEMPT_ES = (
    "Alcohólicos Anónimos",
    "Narcóticos Anónimos",
    "Administración de Servicios de Salud Mental y Abuso de Sustancias",
    "Instituto Nacional sobre el Abuso de Drogas",
)
TERMS_BY_LANGUAGE: Mapping[str, tuple[tuple[str, str, str], ...]] = MappingProxyType({"en": TERMS, "es": TERMS_ES})
# Each language's terms compiled, and one pattern of its proper names.
_COMPILED = MappingProxyType({language: tuple((shown, re.compile(p, re.IGNORECASE), s) for shown, p, s in terms)
                              for language, terms in TERMS_BY_LANGUAGE.items()})
_EXEMPT = MappingProxyType({language: re.compile("|".join(map(re.escape, names)), re.IGNORECASE)
                            for language, names in {"en": EXEMPT, "es": EXEMPT_ES}.items()})


@dataclass(frozen=True)
class Hit:
    line: int
    column: int
    term: str
    found: str
    suggestion: str


# Literal text that every match of a term contains, in lowercase. Case-insensitive patterns are
# slow on long texts, so a term is searched for only where its needle occurs; a term missing
# here is always searched for.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "addict": ("addict",),
    "abuser": ("abuser",),
    "substance abuse": ("substance abuse", "drug abuse", "alcohol abuse", "opioid abuse"),  # not child abuse
    "junkie": ("junkie",),
    "druggie": ("druggie",),
    "crackhead": ("crackhead",),
    "pothead / stoner": ("pothead", "stoner"),
    "alcoholic": ("alcoholic",),
    "a drunk": ("drunk",),
    "clean": ("clean",),
    "dirty": ("dirty",),
    "relapser": ("relapser",),
    "drug user": ("drug user",),
    "replacement therapy": ("therap",),
}
# Characters that re.IGNORECASE matches to ASCII letters other than through str.lower(): where
# one occurs, every term is searched for.
_FOLDS_ODDLY = frozenset("\u0130\u0131\u017f\u212a")


def find_terms(text: str, language: str = "en") -> list[Hit]:
    """Every flagged term of `language`'s list in `text` (none for a language without a list),
    with 1-based line and column."""
    terms = _COMPILED.get(language, ())
    if language == "en" and not any(c in text for c in _FOLDS_ODDLY):  # (frozenset.intersection walks the whole text)
        lowered = text.lower()
        terms = tuple(t for t in terms if any(n in lowered for n in _NEEDLES.get(t[0], ("",))))
    return _hits(text, terms, _EXEMPT[language]) if terms else []


def _hits(text: str, terms: tuple[tuple[str, re.Pattern[str], str], ...], exempt: re.Pattern[str]) -> list[Hit]:
    """Every match of `terms` in `text` outside the proper names `exempt` matches, in text order."""
    masked = exempt.sub(lambda m: " " * len(m.group(0)), text)
    starts = [0, *(m.end() for m in re.finditer("\n", masked))]  # where each line begins
    hits = []
    for shown, pattern, suggestion in terms:
        for m in pattern.finditer(masked):
            line = bisect.bisect_right(starts, m.start())
            hits.append(Hit(line, m.start() - starts[line - 1] + 1, shown, m.group(0), suggestion))
    return sorted(hits, key=lambda h: (h.line, h.column))


def terms_markdown_table(language: str = "en") -> str:
    """The flagged terms of `language` as a table for the authoring guide."""
    rows = [f"| flagged{'' if language == 'en' else f' ({language})'} | use instead |", "| --- | --- |"]
    rows += [f"| {shown} | {suggestion} |" for shown, _, suggestion in TERMS_BY_LANGUAGE.get(language, ())]
    return "\n".join(rows)
