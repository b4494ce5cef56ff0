"""Translations of a module: `modules/<id>.<lang>.md` beside `modules/<id>.md` (pure).

A translation holds front matter (`title`, `translation_of`, `language`, `source`, `review`) and
`::: handout {#same-id title="…"}` blocks and, if the team has them, the facilitator parts: an
overview and the same `##` segments as the module. Its `source` stamp records which version of
the English handouts it was made from (`source_stamp`), its `guide_source` stamp which version of
the facilitator parts (`guide_stamp`); when they change, `check_translations` warns with the
handout or segment, the language and what changed. What it lacks falls back to the source
language, with a visible note.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from iopcurr.errors import Problem
from iopcurr.model import Module, Program, Translation
from iopcurr.source.blocks import LIST_ITEM, Block, Outline, Text, outline, stamp_lines, stamps
from iopcurr.source.loader import MODULE_KEYS, SourceFile, body_of, split_front_matter, text_list
from iopcurr.source.markup import Converter

TRANSLATION_KEYS = ("title", "translation_of", "language", "source", "guide_source", "review", "summary",
                    "objectives", "materials")
# Attributes of a worksheet block that a translation translates (the others must stay the same).
TRANSLATED_ATTRS = frozenset({"low", "high", "columns", "labels", "title", "caption"})


def handout_blocks(text: str, path: str) -> list[Block]:
    """The handout blocks of a module or translation file, as iopcurr's block reader reads them."""
    return [b for b in _outline(text, path).blocks if b.kind == "handout"]


def source_stamp(text: str, path: str = "") -> str:
    """The version stamp of a module's handouts, as read from its file's `text` (`blocks.stamps`)."""
    return stamps(_outline(text, path))[0]


def _outline(text: str, path: str) -> Outline:
    body, first = body_of(text)
    return outline(body, path, first)


def guide_stamp(text: str, path: str = "") -> str:
    """The version stamp of a module's facilitator parts, as read from its file's `text`."""
    return stamps(_outline(text, path))[1]


def has_guide(t: Translation, module: Module) -> bool:
    """Whether `t` has the facilitator parts of `module`: one segment for each of its segments."""
    return bool(t.segments) and len(t.segments) == len(module.segments)


def shape_of(block: Block) -> tuple[int, tuple[str, ...]]:
    """What a translation keeps of a handout: its count of list items and its worksheet blocks
    with their untranslated attributes (`n`, `rows`, the number of columns, ...)."""
    items = 0
    sheets: list[str] = []
    for child in block.children:
        if isinstance(child, Text):
            items += sum(1 for line in child.lines if LIST_ITEM.match(line.lstrip()))
        else:
            attrs = {k: str(len(v.split("|"))) if k in ("columns", "labels") else v
                     for k, v in child.attrs if k in ("columns", "labels") or k not in TRANSLATED_ATTRS}
            sheets.append(f"{child.kind} {sorted(attrs.items())}")
            inner_items, inner = shape_of(child)
            items += inner_items
            sheets += inner
    return items, tuple(sheets)


def parse_translation(src: SourceFile, converter: Converter) -> tuple[Translation, list[Problem]]:
    """One `<id>.<lang>.md` file → its Translation (the handouts converted as a module's are)."""
    module_id, _, language = src.id.partition(".")
    meta, lines, body, first, problems = split_front_matter(src.text, src.path)
    for key in meta:
        if key not in TRANSLATION_KEYS:
            where = "the module" if key in MODULE_KEYS else "nothing"
            problems.append(Problem(src.path, lines.get(str(key), 1), f"unknown front matter key `{key}` in a translation.",
                                    "IOP003", hint=f"A translation takes {', '.join(TRANSLATION_KEYS)} "
                                    f"(`{key}` belongs to {where})."))
    for key, expected in (("translation_of", module_id), ("language", language)):
        value = meta.get(key)
        if value is not None and str(value) != expected:
            problems.append(Problem(src.path, lines.get(key, 1), f"`{key}: {value}` does not match the file name "
                                    f"({module_id}.{language}.md).", "IOP004", hint=f"Write `{key}: {expected}`."))
    converted = converter.convert(body, src.path, first, module_id)
    problems += [p for p in converted.problems if p.code != "IOP017"]
    return Translation(
        module_id=module_id,
        language=language,
        path=src.path,
        title=str(meta.get("title") or ""),
        source=str(meta.get("source") or ""),
        review=str(meta.get("review") or ""),
        handouts=converted.handouts,
        lines=MappingProxyType(dict(lines)),
        overview_html=converted.overview_html if converted.segments else "",
        segments=converted.segments,
        guide_source=str(meta.get("guide_source") or ""),
        summary=str(meta.get("summary") or ""),
        objectives=text_list(meta, "objectives", lines, src.path, problems),
        materials=text_list(meta, "materials", lines, src.path, problems),
    ), problems


def check_translations(program: Program, modules: Sequence[Module], translations: Sequence[Translation],
                       sources: dict[str, str], texts: dict[str, str]) -> list[Problem]:
    """Translations into a language of `languages`, of a module that exists, whose handouts are
    the module's, made from the current English (`sources`: module id → its file's text; `texts`:
    translation path → its text)."""
    problems: list[Problem] = []
    by_id = {m.id: m for m in modules}
    for t in translations:
        if t.language not in program.langs[1:]:
            problems.append(Problem(t.path, 1, f"this is a translation into `{t.language}`, which `languages` in "
                                    "program.yml does not list, so it is left out.", "IOP007", "warning",
                                    hint=f"Add it: `languages: [{', '.join((*program.langs, t.language))}]`."))
            continue
        module = by_id.get(t.module_id)
        if module is None or t.module_id not in sources:
            problems.append(Problem(t.path, 1, f"there is no module `{t.module_id}` to translate.", "IOP007",
                                    hint=f"Name the file after its module: modules/<module id>.{t.language}.md."))
            continue
        english = {h.id: h for h in module.handouts}
        for h in t.handouts:
            if h.id not in english:
                problems.append(Problem(t.path, h.line, f"handout `{h.id}` is not a handout of module `{t.module_id}`.",
                                        "IOP007", hint=f"Its handouts: {', '.join(english) or 'none'}."))
        now = module.stamps[0]
        if not t.source:
            problems.append(Problem(t.path, 1, "the translation has no `source:` stamp, so it cannot be checked "
                                    "against the English.", "IOP040", "warning", hint=f"Add `source: {now}` once it "
                                    "matches the English handouts."))
        elif t.source != now:
            problems += stale(t, module, sources[t.module_id], texts.get(t.path, ""), now)
        if t.segments:
            problems += stale_guide(t, module, sources[t.module_id])
    return problems


def stale_guide(t: Translation, module: Module, english_text: str) -> list[Problem]:
    """The facilitator parts of a translation: one segment for each of the module's, made from
    the current English (`guide_source`)."""
    now = module.stamps[1]
    line = t.lines.get("guide_source", t.segments[0].line)
    hint = f"Bring the translation in line with the English, then set `guide_source: {now}` and `review: pending`."
    if not has_guide(t, module):  # the rule by which the pages show the translated guide
        return [Problem(t.path, t.segments[0].line, f"the {t.language} facilitator parts of `{t.module_id}` have "
                        f"{len(t.segments)} `##` segments and the English has {len(module.segments)}, so the "
                        f"{t.language} pages show the English guide.", "IOP040", "warning",
                        hint="Translate every segment of the module, in the same order, with the same `{…}` attributes.")]
    if not t.guide_source:
        return [Problem(t.path, line, "the translation has facilitator parts but no `guide_source:` stamp, so they "
                        "cannot be checked against the English.", "IOP040", "warning",
                        hint=f"Add `guide_source: {now}` once they match the English.")]
    if t.guide_source == now:
        return []
    english = _outline(english_text, module.path).sections
    timed = [f"\"{e.title}\"" for e, mine in zip(english, t.segments, strict=False)
             if (e.attr("minutes"), e.attr("third")) != (str(mine.minutes or ""), str(mine.third or ""))]
    what = (f"the minutes or part of {', '.join(timed)} differ" if timed
            else f"the English overview or the text of its {len(english)} segments changed")
    return [Problem(t.path, line, f"the {t.language} facilitator parts of `{t.module_id}` are stale: {what} since "
                    f"they were translated (guide_source {t.guide_source}, now {now}).", "IOP040", "warning", hint=hint)]


def stale(t: Translation, module: Module, english_text: str, text: str, now: str) -> list[Problem]:
    """One warning per handout whose shape no longer matches, or one for the whole file."""
    english = {b.attr("id"): b for b in handout_blocks(english_text, module.path)}
    mine = {b.attr("id"): b for b in handout_blocks(text, t.path)} if text else {}
    titles = {h.id: h.title for h in module.handouts}
    hint = f"Bring the translation in line with the English, then set `source: {now}` and `review: pending`."
    out = []
    for hid, block in english.items():
        if hid not in mine:
            continue
        (e_items, e_sheets), (t_items, t_sheets) = shape_of(block), shape_of(mine[hid])
        changes = []
        if e_items != t_items:
            changes.append(f"{e_items} list items in English, {t_items} in {t.language}")
        if e_sheets != t_sheets:
            changes.append(f"worksheet blocks differ ({len(e_sheets)} in English, {len(t_sheets)} in {t.language})")
        if changes:
            out.append(Problem(t.path, mine[hid].line, f"handout `{hid}` ({t.language}) is stale: the English "
                               f"\"{titles.get(hid, hid)}\" changed since it was translated: {'; '.join(changes)}.",
                               "IOP040", "warning", hint=hint))
    if not out:
        changed = ", ".join(f"`{hid}` (\"{titles.get(hid, hid)}\", {len(stamp_lines([b])) - 1} lines)" for hid, b in english.items())
        out.append(Problem(t.path, t.lines.get("source", 1), f"the {t.language} handouts of `{t.module_id}` are stale: the English "
                           f"handouts changed since they were translated (source {t.source}, now {now}): {changed}.",
                           "IOP040", "warning", hint=hint))
    return out


def check_translated_handouts(program: Program, translations: Sequence[Translation]) -> list[Problem]:
    """Each Spanish handout's prose at least `handouts.min_ease.es` by Fernández-Huerta (higher is
    easier; `checks.spanish_ease`, worked out with the conversion): the one reading formula known
    here for a language other than English."""
    limit = dict(program.handouts.min_ease).get("es")
    if limit is None or "es" not in program.langs[1:]:
        return []
    problems = []
    for h in (h for t in translations if t.language == "es" for h in t.handouts):
        if (ease := h.ease) is not None and ease < limit:
            problems.append(Problem(h.path, h.line, f"handout `{h.id}` (es) has a reading ease of {ease:g} by "
                                    f"Fernández-Huerta; the lowest allowed (`handouts.min_ease.es`) is {limit:g}.",
                                    "IOP014", hint="Usa frases cortas y palabras comunes: short sentences, common words."))
    return problems
