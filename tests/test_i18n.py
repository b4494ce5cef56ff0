"""Languages (issue 21): translations of handouts, their pages and packets, interface catalogues,
stale translations, Spanish checks and Spanish search."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BUNDLED, NODE_MODULES, REPO, MakeCurriculum, module_text, need_tool, need_weasyprint

from iopcurr.pipeline import Settings, run
from iopcurr.source.config import parse_program
from iopcurr.source.translations import guide_stamp, source_stamp

THEME = REPO / "themes" / "default"
PROGRAM_ES = """\
title: Test Program
organization: Test Clinic
language: en
languages: [en, es]
crisis:
  - name: Crisis Line
    contact: Call 988
    note: Any time.
    es: {name: Línea de crisis, contact: Llame al 988 y marque el 2, note: A toda hora.}
"""


def translation(module: str, handouts: str, stamp: str = "", **meta: str) -> str:
    fields = {"title": "Módulo", "translation_of": module, "language": "es", "source": stamp, "review": "pending"}
    fields.update(meta)
    head = "\n".join(f"{k}: {v}" for k, v in fields.items() if v)
    return f"---\n{head}\n---\n\n{handouts}"


SHEET_ES = """::: handout {#alpha-sheet title="Hoja de alfa"}
Usted puede hacerlo. Escriba un paso.

::: lines {n=2}
Mi paso:
:::

:::
"""


def es_curriculum(make_curriculum: MakeCurriculum, sheet: str = SHEET_ES, program: str = PROGRAM_ES,
                  extra: dict[str, str] | None = None, name: str = "cur") -> Path:
    alpha = module_text("alpha")
    modules = {"alpha": alpha, "beta": module_text("beta"),
               "alpha.es": translation("alpha", sheet, source_stamp(alpha)), **(extra or {})}
    return make_curriculum(modules=modules, program=program, name=name)


def files_of(root: Path) -> dict[str, bytes]:
    result = run(root)
    assert result.ok, "\n".join(p.format() for p in result.problems)
    return {f.path: f.content for f in result.files}


# ---------------------------------------------------------------- languages and translation files


def test_languages_default_to_the_content_language_and_the_first_is_the_source() -> None:
    assert parse_program("language: fr\n")[0].langs == ("fr",)
    program, problems = parse_program("language: en\nlanguages: [en, es]\n")
    assert program.langs == ("en", "es") and not problems
    _, problems = parse_program("language: en\nlanguages: [es, en]\n")
    assert [p.code for p in problems] == ["IOP004"] and "source language" in problems[0].message


def test_a_translation_file_is_read_as_a_translation_and_never_as_a_module(make_curriculum: MakeCurriculum) -> None:
    result = run(es_curriculum(make_curriculum))
    assert result.ok and result.curriculum is not None
    assert [m.id for m in result.curriculum.modules] == ["alpha", "beta"]
    (t,) = result.curriculum.translations
    assert (t.module_id, t.language, t.review) == ("alpha", "es", "pending")
    assert [h.title for h in t.handouts] == ["Hoja de alfa"]
    assert not result.problems


def test_spanish_handout_pages_large_print_and_packets(make_curriculum: MakeCurriculum) -> None:
    files = files_of(es_curriculum(make_curriculum))
    page = files["handouts/es/alpha-sheet.html"].decode()
    assert '<html lang="es">' in page and "Hoja de alfa" in page and "Escriba un paso" in page
    assert '<html lang="es">' in files["handouts/es/large/alpha-sheet.html"].decode()
    assert "Letra grande" in files["handouts/es/large/alpha-sheet.html"].decode()
    packet = files["handouts/es/packet.html"].decode()
    assert packet.index('id="handout-alpha-sheet"') < packet.index('id="handout-beta-sheet"')
    bilingual = files["handouts/es/bilingual.html"].decode()
    english, spanish = bilingual.index("You can do this"), bilingual.index("Usted puede hacerlo")
    assert english < spanish < bilingual.index('id="handout-beta-sheet"')
    assert '<div lang="en" class="facing facing-source">' in bilingual
    assert '<div lang="es" class="facing facing-translation">' in bilingual


def test_a_handout_not_yet_translated_falls_back_to_english_with_a_visible_note(make_curriculum: MakeCurriculum) -> None:
    files = files_of(es_curriculum(make_curriculum))
    page = files["handouts/es/beta-sheet.html"].decode()
    assert "Esta hoja todavía no está traducida al español" in page
    assert '<div class="handout-body" lang="en">' in page and "You can do this" in page
    english = files["handouts/beta-sheet.html"].decode()
    assert "handouts/es/beta-sheet.html" not in english, "no switch to a page that is not translated"


def test_every_translated_handout_page_links_to_the_other_language(make_curriculum: MakeCurriculum) -> None:
    files = files_of(es_curriculum(make_curriculum))
    english = files["handouts/alpha-sheet.html"].decode()
    assert '<a href="../handouts/es/alpha-sheet.html" hreflang="es" lang="es">Español</a>' in english
    spanish = files["handouts/es/alpha-sheet.html"].decode()
    assert '<a href="../../handouts/alpha-sheet.html" hreflang="en" lang="en">English</a>' in spanish
    large = files["handouts/es/large/alpha-sheet.html"].decode()
    assert 'href="../../../handouts/large/alpha-sheet.html"' in large


def test_crisis_contacts_in_the_page_language_on_screen_and_in_print(make_curriculum: MakeCurriculum) -> None:
    files = files_of(es_curriculum(make_curriculum))
    page = files["handouts/es/alpha-sheet.html"].decode()
    assert "¿Necesita ayuda ahora mismo?" in page
    assert 'Línea de crisis:</strong> Llame al <a class="tel" href="tel:988">988</a> y marque el 2' in page
    assert "Need help right now?" not in page
    css = files["static/theme.es.css"].decode()
    assert "¿Necesita ayuda ahora mismo? Línea de crisis: Llame al 988 y marque el 2" in css
    assert 'static/theme.es.css' in page and 'static/theme.es.css' not in files["handouts/alpha-sheet.html"].decode()


def test_a_crisis_line_that_takes_texts_has_a_text_link_in_every_language(make_curriculum: MakeCurriculum) -> None:
    """Whether a contact takes texts is read from its source-language words ("text"); the link,
    in the page's words, follows the last mention of each number (where the text part ends)."""
    program = PROGRAM_ES.replace("contact: Call 988", "contact: Call or text 988").replace(
        "contact: Llame al 988 y marque el 2,", "contact: Llame al 988 o envíe AYUDA por mensaje de texto al 988,")
    files = files_of(es_curriculum(make_curriculum, program=program))
    english, spanish = files["handouts/alpha-sheet.html"].decode(), files["handouts/es/alpha-sheet.html"].decode()
    assert '(<a href="sms:988">send a text to 988</a>)' in english
    assert spanish.count('href="sms:988"') == 1 and spanish.count('href="tel:988"') == 2
    assert ('mensaje de texto al <a class="tel" href="tel:988">988</a> <span class="sms no-print">'
            '(<a href="sms:988">enviar un mensaje de texto al 988</a>)</span>') in spanish
    assert "send a text" not in spanish
    plain = files_of(es_curriculum(make_curriculum, name="plain"))  # "Call 988": no texts, in no language
    assert not any(b"sms:" in plain[path] for path in ("handouts/alpha-sheet.html", "handouts/es/alpha-sheet.html"))


def test_spanish_pages_speak_spanish_to_screen_readers(make_curriculum: MakeCurriculum) -> None:
    sheet = SHEET_ES.replace("::: lines {n=2}\nMi paso:\n:::\n", "::: lines {n=1}\nMi paso:\n:::\n\n"
                             "::: scale {from=1 to=5}\n¿Cuánto?\n:::\n\n- [ ] Llamar\n- [ ] Caminar\n\n"
                             "| Señal | Qué hago |\n| --- | --- |\n| Sueño | Descanso |\n")
    files = files_of(es_curriculum(make_curriculum, sheet=sheet))
    spanish = files["handouts/es/alpha-sheet.html"].decode()
    for said in ("Espacio para escribir (1 línea).", 'aria-label="Encierre en un círculo un número del 1 al 5"',
                 'aria-label="Lista para marcar"', 'aria-label="Tabla: Señal, Qué hago"'):
        assert said in spanish and said in files["handouts/es/large/alpha-sheet.html"].decode()
    assert not re.search(r"Space to write|Circle a number|\"Checklist\"|\"Table", spanish)
    packet, bilingual = files["handouts/es/packet.html"].decode(), files["handouts/es/bilingual.html"].decode()
    assert "Espacio para escribir" in packet  # (the packet binds the pages)
    # Titles in another language than the page's are marked so (WCAG 3.1.2): beta's handout is not translated.
    assert '<a href="#handout-beta-sheet" lang="en">Sheet for Beta</a>' in packet
    assert '<a href="#handout-alpha-sheet">Hoja de alfa</a>' in packet
    assert '<a href="#handout-alpha-sheet" lang="en">Sheet for Alpha</a>' in bilingual
    assert '<a href="#handout-alpha-sheet-es">Hoja de alfa</a>' in bilingual
    assert "Space to write (2 lines)." in files["handouts/alpha-sheet.html"].decode()  # the English page: English


def test_session_pages_give_copies_per_language(make_curriculum: MakeCurriculum) -> None:
    program = PROGRAM_ES + "handouts: {copies: {en: 10, es: 5}}\nschedule: {weeks: 1, days: [mon], first_date: 2027-03-01}\n"
    result = run(es_curriculum(make_curriculum, program=program), Settings(today=date(2027, 2, 27)))
    files = {f.path: f.content for f in result.files}
    page = files["sessions/1.html"].decode()
    assert re.search(r'<strong>10 copies</strong>; <a href="../handouts/es/\w+-sheet.html" hreflang="es">Español</a>: '
                     r"<strong>5 copies</strong>", page)
    # The Tonight card (fixed at build time, and night.js's data), the run sheet, the bundle and the
    # calendar file give the same source-language count; the sign-in sheet has a row per member.
    assert "Handouts, 10 copies each:" in files["index.html"].decode()
    assert '"copies": 10' in files["static/sessions.js"].decode()
    assert re.search(r"Handouts \(10 copies each\):", files["runsheets/1.html"].decode())
    assert re.search(r"10 copies of each", files["bundles/1.html"].decode())
    assert "Handouts to print (10 copies each):" in files["schedule.ics"].decode().replace("\r\n ", "")
    assert files["paperwork/1.html"].decode().count("<tr><td>") == 12 + 2  # group_size + extra_copies
    _, problems = parse_program("languages: [en, es]\nhandouts: {copies: {fr: 3}}\n")
    assert [p.code for p in problems] == ["IOP007"]


def test_a_translation_of_no_module_or_into_an_unlisted_language_is_reported(make_curriculum: MakeCurriculum) -> None:
    root = es_curriculum(make_curriculum, extra={"gamma.es": translation("gamma", SHEET_ES),
                                                 "beta.fr": translation("beta", "", language="fr")})
    problems = {(Path(p.path).name, p.code, p.severity) for p in run(root).problems}
    assert ("gamma.es.md", "IOP007", "error") in problems
    assert ("beta.fr.md", "IOP007", "warning") in problems


# ---------------------------------------------------------------- interface strings


def catalogue(lang: str) -> dict[str, str]:
    data: dict[str, str] = yaml.safe_load((THEME / "i18n" / f"{lang}.yml").read_text("utf-8"))
    return data


def test_every_catalogue_has_every_key_and_every_key_a_template_uses() -> None:
    english = catalogue("en")
    used = {m.group(1) for path in (THEME / "templates").glob("*.html")
            for m in re.finditer(r"""\bt\(\s*["']([a-z_]+)["']""", path.read_text("utf-8"))}
    assert used, "the templates show interface strings with t()"
    # ... and so does the code: ctx.text("key"), words("key", …), and the keys it makes
    from iopcurr.plan.thirds import PART_NAMES
    from iopcurr.source.markup import LABELS

    code = "\n".join(path.read_text("utf-8") for path in (REPO / "iopcurr").rglob("*.py"))
    used |= {m.group(1) for m in re.finditer(r"""(?:\.text\(|\bwords\()["']([a-z_]+)["']""", code)}
    used |= {f"block_{kind}" for kind in LABELS} | {f"part_{q}" for q in PART_NAMES}
    assert {"guide_not_translated", "block_script", "session", "large_print"} <= used
    script = (THEME / "static" / "night.js").read_text("utf-8")  # its words come in data-t-* attributes
    for pattern, template in ((r'(?:this|self)\.t\((?:[^"()]*\? )?"([a-z-]+)"(?: : "([a-z-]+)")?', "_timer.html"),
                              (r'say\(box, "([a-z-]+)"()', "_tonight.html")):
        keys = {k for m in re.finditer(pattern, script) for k in m.groups() if k}
        html = (THEME / "templates" / template).read_text("utf-8")
        missing = [k for k in keys if not re.search(rf'data-t-{k}="{{{{ t\("[a-z_]+"\) }}}}"', html)]
        assert keys and not missing, f"{template} lacks data-t-* of {missing}"
        assert template != "_timer.html" or {"end", "next", "done", "row", "cut-item"} <= keys
    assert used <= set(english), f"keys used but missing in en.yml: {sorted(used - set(english))}"
    for path in sorted((THEME / "i18n").glob("*.yml")):
        keys = set(catalogue(path.stem))
        assert keys == set(english), f"{path.name}: missing {sorted(set(english) - keys)}, extra {sorted(keys - set(english))}"


def visible_chrome(page: str) -> str:
    """The page without the handout's own text (which a fallback shows in English on purpose),
    the module titles of the navigation (content, not interface) and the site's title."""
    page = re.sub(r'<div class="handout-body" lang="en">.*?</div>\n<aside', "<aside", page, flags=re.S)
    # the English side of the bilingual packet (its section's title too), and the links marked English
    page = re.sub(r'<section [^>]*>\n<div lang="en" class="facing facing-source">.*?</div>\n</section>', "", page, flags=re.S)
    page = re.sub(r'<a [^>]*\blang="en"[^>]*>.*?</a>', "", page, flags=re.S)
    page = re.sub(r"<nav class=\"sidebar\".*?</nav>", "", page, flags=re.S)
    page = re.sub(r'<section class="ritual">.*?</section>', "", page, flags=re.S)  # program.yml's opening and closing
    page = re.sub(r"<head>.*?</head>", "", page, flags=re.S)
    # what a reader sees or hears: the text, and the attributes shown or spoken
    return re.sub(r"<[^>]*>", lambda tag: " ".join(m.group(1) for m in re.finditer(
        r'\b(?:aria-label|title|alt|placeholder|data-[\w-]+)="([^"]*)"', tag.group())) or " ", page)


def test_no_spanish_page_shows_an_english_interface_string(bundled_site: Path) -> None:
    english, spanish = catalogue("en"), catalogue("es")
    # (a lone lowercase word, such as "of" or "none", is an English word of the content too)
    strings = sorted({v for k, v in english.items() if v != spanish[k] and k != "language_name"
                      and not re.fullmatch(r"[a-z]+", v)}, key=len, reverse=True)
    pages = sorted(p for p in bundled_site.rglob("*.html") if '<html lang="es">' in p.read_text("utf-8"))
    assert pages == sorted([*(bundled_site / "handouts" / "es").rglob("*.html"), *(bundled_site / "facilitator" / "es").glob("*.html")])
    assert len(pages) >= 2 * 37 + 2 + 1 and bundled_site / "facilitator" / "es" / "orientation.html" in pages
    for path in pages:
        text = path.read_text("utf-8")
        assert '<html lang="es">' in text, path
        chrome = visible_chrome(text)
        found = [s for s in strings if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", chrome)]
        assert not found, f"{path.relative_to(bundled_site)} shows English interface strings: {found}"


PROGRAM_IN_SPANISH = ("title: Programa\nlanguage: es\nsession: {minutes: 90, start: \"18:00\"}\n"
                      "schedule: {weeks: 2, days: [mon], first_date: 2027-01-04, timezone: America/Chicago}\n")


def spanish_module(ident: str) -> str:
    """A module written in Spanish, shaped like conftest's MODULE."""
    return (f"---\ntitle: {ident.title()}\nsummary: Un módulo.\nobjectives: [Decir una cosa.]\nmaterials: [Lápices]\n"
            "---\n\nIntroducción.\n\n## Cómo llegan\n\n::: script\n\"Hagamos una ronda.\"\n:::\n\n## Tema: el tema\n\n"
            "::: discussion\n- ¿Qué piensa?\n:::\n\n::: roleplay\nDos personas practican.\n:::\n\n::: facilitator\nNota.\n:::\n\n"
            f"## Práctica y cierre\n\n::: handout {{#{ident}-sheet title=\"Hoja\"}}\nUsted puede.\n:::\n\n"
            "::: homework\nPruebe el paso.\n:::\n")


def test_the_pages_of_a_spanish_program_show_no_english_interface_string(make_curriculum: MakeCurriculum) -> None:
    core = spanish_module("beta").replace("::: roleplay\n", "::: roleplay {.core}\n")  # (the run sheet lists core ones)
    files = files_of(make_curriculum(modules={"alpha": spanish_module("alpha"), "beta": core}, program=PROGRAM_IN_SPANISH))
    english, spanish = catalogue("en"), catalogue("es")
    strings = sorted({v for k, v in english.items() if v != spanish[k] and k != "language_name"
                      and not re.fullmatch(r"[a-z]+", v)}, key=len, reverse=True)
    expected = {"sessions/2.html": ["Sesión 2 de 2", "Orden del día", "Cómo llegan", "Sesión 1: Alpha"],
                "runsheets/2.html": ["Hoja de la sesión: sesión 2, Beta", "Recoger la última tarea para la casa",
                                     "Sesión 1: Alpha", "Temporizador de segmentos", "Dramatización"],
                "paperwork/2.html": ["Hoja de asistencia", "Lista de fidelidad", "Práctica y cierre"],
                "bundles/2.html": ["Hojas de la sesión 2: Beta", "copias de cada hoja"],
                "facilitator/beta.html": ["Plan de la sesión", "Diga", "Nota para el facilitador", "Dramatización",
                                          "Hoja para los participantes:", "Práctica y cierre"]}
    for path, words in expected.items():
        page = files[path].decode()
        assert '<html lang="es">' in page and all(w in page for w in words), (path, [w for w in words if w not in page])
        found = [s for s in strings if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", visible_chrome(page))]
        assert not found, f"{path} shows English interface strings: {found}"


def test_the_bundled_site_has_a_spanish_page_for_every_handout(bundled_site: Path) -> None:
    english = {p.name for p in (bundled_site / "handouts").glob("*.html")} - {"packet.html"}
    spanish = {p.name for p in (bundled_site / "handouts" / "es").glob("*.html")} - {"packet.html", "bilingual.html"}
    assert english == spanish and len(english) == 37
    for name in english:
        assert "no está traducida" not in (bundled_site / "handouts" / "es" / name).read_text("utf-8"), name


# ---------------------------------------------------------------- stale translations


def test_the_stamp_script_prints_the_engines_stamp() -> None:
    out = subprocess.run([sys.executable, str(REPO / "curriculum" / "translations" / "source_hash.py"), "cravings"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    text = (REPO / "curriculum" / "modules" / "cravings.md").read_text("utf-8")
    assert out.strip() == f"cravings: {source_stamp(text)} (facilitator parts: {guide_stamp(text)})"


def test_every_bundled_translation_is_current(bundled_copy: Path) -> None:
    assert not [p.format() for p in run(bundled_copy).problems if p.code == "IOP040"]


def test_editing_an_english_handout_makes_check_warn_about_its_spanish_version(bundled_copy: Path) -> None:
    path = bundled_copy / "modules" / "cravings.md"
    text = path.read_text("utf-8")
    sentence = "A craving is a strong pull to use. It is normal in recovery."
    assert sentence in text
    path.write_text(text.replace(sentence, sentence + " It will pass."), "utf-8")
    stale = [p for p in run(bundled_copy).problems if p.code == "IOP040"]
    assert len(stale) == 1 and stale[0].severity == "warning"
    assert stale[0].path.endswith("cravings.es.md") and stale[0].line == 5  # the `source:` line
    assert "the es handouts of `cravings` are stale" in stale[0].message and "`craving-log`" in stale[0].message
    assert "source: " in (stale[0].hint or "")


def test_a_changed_list_names_the_handout_the_language_and_the_counts(make_curriculum: MakeCurriculum) -> None:
    root = es_curriculum(make_curriculum)
    alpha = root / "modules" / "alpha.md"
    alpha.write_text(alpha.read_text("utf-8").replace("You can do this. Write one step.",
                                                      "You can do this.\n\n- Write one step.\n- Try it."), "utf-8")
    (problem,) = [p for p in run(root).problems if p.code == "IOP040"]
    assert "handout `alpha-sheet` (es) is stale" in problem.message
    assert '"Sheet for Alpha"' in problem.message and "2 list items in English, 0 in es" in problem.message
    assert problem.line is not None and problem.line > 5  # the handout's line in the translation


# ---------------------------------------------------------------- Spanish checks


def test_spanish_handouts_are_scored_with_fernandez_huerta_against_their_limit(make_curriculum: MakeCurriculum) -> None:
    hard = SHEET_ES.replace("Usted puede hacerlo. Escriba un paso.",
                            "La administración farmacológica concomitante de benzodiacepinas incrementa considerablemente "
                            "la probabilidad de depresión respiratoria potencialmente irreversible. "
                            "Consecuentemente, recomendamos comunicarse inmediatamente con profesionales especializados.")
    problems = run(es_curriculum(make_curriculum, hard)).problems
    (grade,) = [p for p in problems if p.code == "IOP014"]
    assert "(es)" in grade.message and "Fernández-Huerta" in grade.message and "handouts.min_ease.es" in grade.message
    assert not [p for p in run(es_curriculum(make_curriculum, name="plain")).problems if p.code == "IOP014"]
    strict = PROGRAM_ES + "handouts: {min_ease: {es: 120}}\n"
    (limit,) = [p for p in run(es_curriculum(make_curriculum, name="strict", program=strict)).problems if p.code == "IOP014"]
    assert "the lowest allowed (`handouts.min_ease.es`) is 120" in limit.message


def test_the_spanish_reading_ease_and_the_stamps_are_kept_in_the_conversion_cache(
        make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    """The ease is worked out with the conversion: a build whose files all come from the cache
    checks it against a new limit with the same figure (and the module's stamps, against the
    translation's)."""
    from textstat.backend.metrics import fernandez_huerta

    from iopcurr.pipeline import build
    from iopcurr.plan.checks import prose_text

    root = es_curriculum(make_curriculum)
    first = build(root, tmp_path / "site")
    assert first.ok and first.curriculum is not None
    (translation,) = first.curriculum.translations
    for h in translation.handouts:
        assert h.ease == round(float(fernandez_huerta(prose_text(h.text), "es")), 1)
    (root / "program.yml").write_text(PROGRAM_ES + "handouts: {min_ease: {es: 120}}\n", "utf-8")
    again = build(root, tmp_path / "site")
    assert again.stats is not None and again.stats.converted == 0  # every file from the cache
    # (the module's stamps, worked out with the conversion too, still match the translation's)
    assert again.curriculum is not None and again.curriculum.modules[0].stamps[0] == translation.source
    assert not [p for p in (*first.problems, *again.problems) if p.code == "IOP040"]
    (limit,) = [p for p in again.problems if p.code == "IOP014"]
    assert f"reading ease of {translation.handouts[0].ease:g} by Fernández-Huerta" in limit.message


def test_the_spanish_wording_list_flags_stigmatizing_terms_but_not_proper_names(make_curriculum: MakeCurriculum) -> None:
    sheet = SHEET_ES.replace("Usted puede hacerlo.", "Un adicto no está limpio. Vaya a Alcohólicos Anónimos.")
    problems = [p for p in run(es_curriculum(make_curriculum, sheet)).problems if p.code == "IOP015"]
    assert sorted(p.message for p in problems) == ["'adicto' is a stigmatizing term.", "'limpio' is a stigmatizing term."]
    assert all(p.path.endswith("alpha.es.md") for p in problems), problems
    assert [p.line for p in problems] == [10, 10], "the line of the file the word is on"


def test_the_bundled_spanish_handouts_pass_the_spanish_checks(bundled_copy: Path) -> None:
    assert not [p.format() for p in run(bundled_copy).problems if p.code in ("IOP014", "IOP015")]


# ---------------------------------------------------------------- Spanish search


def index_of(script: bytes) -> dict[str, Any]:
    text = script.decode("utf-8")
    data: dict[str, Any] = json.loads(text[text.index("{"): text.rindex("}") + 1])
    return data


def test_one_search_index_per_language_with_the_spanish_stemmer(bundled_site: Path) -> None:
    data = index_of((bundled_site / "static" / "search-index.es.js").read_bytes())
    assert data["index"]["pipeline"] == ["stemmer-es"]
    assert data["kinds"]["handout"] == "Hoja para clientes"
    urls = sorted(d["url"] for d in data["docs"])
    assert all(u.startswith("handouts/es/") for u in urls[1:]) and len(urls) == 37 + 1
    assert urls[0] == "facilitator/es/orientation.html"  # the one bundled translation with the facilitator parts
    terms = {entry[0] for entry in data["index"]["invertedIndex"]}
    assert {"antoj", "enoj"} <= terms and "que" not in terms
    english = index_of((bundled_site / "static" / "search-index.js").read_bytes())
    assert not [d for d in english["docs"] if "/es/" in d["url"]]


def test_the_theme_ships_the_lunr_languages_files_that_package_json_pins() -> None:
    version = json.loads((REPO / "package.json").read_text("utf-8"))["devDependencies"]["lunr-languages"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pinned exactly"
    need_tool(str(NODE_MODULES / "lunr-languages"))
    assert json.loads((NODE_MODULES / "lunr-languages" / "package.json").read_text("utf-8"))["version"] == version
    for name in ("lunr.stemmer.support.min.js", "lunr.es.min.js"):
        assert (NODE_MODULES / "lunr-languages" / "min" / name).read_bytes() == (THEME / "static" / name).read_bytes(), name


def test_the_spanish_stop_words_and_word_characters_are_lunr_languages_own() -> None:
    from iopcurr.render.searchlang import ES_STOP_WORDS, ES_WORD_CHARACTERS

    need_tool(str(NODE_MODULES / "lunr-languages"))
    js = (NODE_MODULES / "lunr-languages" / "lunr.es.js").read_text("utf-8")
    words = re.search(r"lunr\.es\.stopWordFilter = lunr\.generateStopWordFilter\('([^']*)'", js)
    chars = re.search(r'lunr\.es\.wordCharacters = "([^"]*)"', js)
    assert words and chars
    assert frozenset(words.group(1).split()) == ES_STOP_WORDS
    assert chars.group(1).encode("latin-1", "backslashreplace").decode("unicode_escape") == ES_WORD_CHARACTERS


@pytest.mark.parametrize(("word", "expected"), [("antojos", "craving-log.html"), ("enojo", "anger-meter-cues.html")])
def test_spanish_search_finds_words_from_a_spanish_handout_by_file_url(browser: Any, bundled_site: Path,
                                                                      word: str, expected: str) -> None:
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((bundled_site / "handouts" / "es" / "weekly-schedule.html").as_uri())
    page.fill("#search-input", word)
    page.locator("#search-status").filter(has_text="para «").wait_for(timeout=15_000)
    hrefs = [page.locator(".search-results li a").nth(i).get_attribute("href")
             for i in range(page.locator(".search-results li").count())]
    assert f"../../handouts/es/{expected}" in hrefs
    assert all(h and h.startswith("../../handouts/es/") for h in hrefs), "Spanish pages find Spanish handouts"
    assert "resultado" in page.locator("#search-status").inner_text()
    assert page.locator(".search-results .search-kind").first.inner_text().strip() == "· Hoja para clientes"
    assert all(r.startswith("file://") for r in requests)
    page.close()


def test_pdfs_of_the_spanish_handouts_and_packets_with_the_spanish_crisis_footer(make_curriculum: MakeCurriculum) -> None:
    need_weasyprint()
    from pypdf import PdfReader

    result = run(es_curriculum(make_curriculum), Settings(pdf=True))
    assert result.ok
    files = {f.path: f.content for f in result.files}
    for path in ("pdf/handouts/es/alpha-sheet.pdf", "pdf/handouts/es/large/alpha-sheet.pdf",
                 "pdf/handouts/es/packet.pdf", "pdf/handouts/es/bilingual.pdf"):
        assert files[path].startswith(b"%PDF"), path
    pdf = PdfReader(io.BytesIO(files["pdf/handouts/es/alpha-sheet.pdf"]))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Hoja de alfa" in text and "¿Necesita ayuda ahora mismo?" in text and "Need help" not in text
    bilingual = PdfReader(io.BytesIO(files["pdf/handouts/es/bilingual.pdf"]))
    pages = [page.extract_text() for page in bilingual.pages]
    english = next(i for i, t in enumerate(pages) if "You can do this" in t)
    spanish = next(i for i, t in enumerate(pages) if "Usted puede hacerlo" in t)
    assert english % 2 == 1 and spanish == english + 1, "English on a left page, Spanish facing it"
    page = files["handouts/es/alpha-sheet.html"].decode()
    assert 'href="../../pdf/handouts/es/alpha-sheet.pdf">PDF</a>' in page
    assert "PDF en letra grande" in page


def test_the_translated_outputs_are_byte_identical_from_build_to_build(make_curriculum: MakeCurriculum) -> None:
    root = es_curriculum(make_curriculum)
    first, second = files_of(root), files_of(root)
    assert [p for p in first if "/es/" in p or p.endswith(".es.js") or p.endswith(".es.css")]
    assert first == second


def test_a_theme_override_catalogue_changes_the_words_of_the_client_pages(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum(modules={"alpha": module_text("alpha")},
                           program="title: T\nlanguage: en\ntheme: {override: mytheme}\n")
    (root / "mytheme" / "i18n").mkdir(parents=True)
    (root / "mytheme" / "i18n" / "en.yml").write_text(
        "print_handout: Print me\nlarge_print: Big letters\ncrisis_heading: Help now\nhome: Start\nworkbook: My book\n", "utf-8")
    files = files_of(root)
    page = files["handouts/alpha-sheet.html"].decode()
    assert "Print me" in page and ">Big letters</a>" in page and "Help now" in page and ">Start</a>" in page
    assert "Skip to main content" in page, "keys the override leaves out keep the theme's words"
    assert "<h1>My book</h1>" in files["handouts/packet.html"].decode()


# ---------------------------------------------------------------- facilitator parts of a translation

GUIDE_ES = """Introducción para el facilitador.

## Cómo llegan: lo que les preocupa

::: script
"Vamos a hacer una ronda."
:::

## Tema: el tema

::: discussion
- ¿Qué piensa usted?
:::

::: facilitator
Nota SECRETA del facilitador.
:::

## Práctica y cierre

""" + SHEET_ES + """
::: homework
Pruebe el paso.
:::
"""


def guide_curriculum(make_curriculum: MakeCurriculum, guide: str = GUIDE_ES, stamp: str | None = None,
                     schedule: str = "", name: str = "cur") -> Path:
    alpha = module_text("alpha")
    text = translation("alpha", guide, source_stamp(alpha), guide_source=guide_stamp(alpha) if stamp is None else stamp)
    return make_curriculum(modules={"alpha": alpha, "beta": module_text("beta"), "alpha.es": text},
                           program=PROGRAM_ES + schedule, name=name)


def test_a_translation_with_the_facilitator_parts_gets_a_spanish_facilitator_page(make_curriculum: MakeCurriculum) -> None:
    ritual = "session: {opening: {title: Opening, es: {title: Apertura, text: Bienvenidos.}}}\n"
    root = guide_curriculum(make_curriculum, schedule=ritual)
    result = run(root)
    assert result.ok and not [p for p in result.problems if p.code == "IOP040"], [p.format() for p in result.problems]
    files = {f.path: f.content.decode() for f in result.files if f.path.endswith((".html", ".js"))}
    assert "facilitator/es/alpha.html" in files["static/search-index.es.js"]
    page = files["facilitator/es/alpha.html"]
    assert '<html lang="es">' in page
    assert "Plan de la sesión" in page and "Objetivos" in page and "Introducción para el facilitador." in page
    assert '<p class="block-label">Diga</p>' in page and '<p class="block-label">Nota para el facilitador</p>' in page
    assert "Hoja para los participantes:</strong> <a href=\"../../handouts/es/alpha-sheet.html\">" in page
    assert "Cómo llegan: lo que les preocupa" in page and "Tarea para la casa" in page
    assert '<h2 id="opening">Apertura <span' in page and "<p>Bienvenidos.</p>" in page, "the opening in Spanish"
    assert '<h2 id="opening">Opening <span' in files["facilitator/alpha.html"]
    assert '<a href="../../facilitator/alpha.html" hreflang="en" lang="en">English</a>' in page
    assert '<a href="../facilitator/es/alpha.html" hreflang="es" lang="es">Español</a>' in files["facilitator/alpha.html"]
    assert "facilitator/es/beta.html" not in files, "no Spanish page without the facilitator parts"
    assert "hreflang=\"es\"" not in files["facilitator/beta.html"]
    handout = files["handouts/es/alpha-sheet.html"]
    assert 'href="../../facilitator/es/alpha.html"' in handout and "aún no traducida" not in handout


def test_spanish_handouts_of_an_untranslated_guide_link_to_the_english_one_with_a_note(make_curriculum: MakeCurriculum) -> None:
    files = files_of(es_curriculum(make_curriculum))
    assert not any(p.startswith("facilitator/es/") for p in files)
    page = files["handouts/es/alpha-sheet.html"].decode()
    assert '<a href="../../facilitator/alpha.html">Módulo (guía del facilitador en inglés: aún no traducida)</a>' in page


def test_a_stale_or_unstamped_facilitator_part_warns(make_curriculum: MakeCurriculum) -> None:
    root = guide_curriculum(make_curriculum, stamp="0123456789ab")
    problems = [p for p in run(root).problems if p.code == "IOP040"]
    assert len(problems) == 1 and "facilitator parts of `alpha` are stale" in problems[0].message
    assert problems[0].severity == "warning" and problems[0].path.endswith("alpha.es.md")
    (root / "modules" / "alpha.md").write_text(module_text("alpha").replace("## Topic: the topic",
                                                                            "## Topic: the topic {minutes=20}"), "utf-8")
    (message,) = [p.message for p in run(root).problems if p.code == "IOP040" and "facilitator" in p.message]
    assert '"Topic: the topic" differ' in message
    root = guide_curriculum(make_curriculum, stamp="", guide=GUIDE_ES.replace("## Tema: el tema\n", ""), name="short")
    (message,) = [p.message for p in run(root).problems if p.code == "IOP040"]
    assert "2 `##` segments and the English has 3" in message
    files = {f.path: f.content for f in run(root).files}
    assert "facilitator/es/alpha.html" not in files and b"facilitator/es/" not in files["static/search-index.es.js"]


def test_the_timer_and_the_tonight_card_speak_the_page_language_in_chromium(browser: Any, make_curriculum: MakeCurriculum,
                                                        tmp_path: Path) -> None:
    from datetime import datetime, timezone

    result = run(make_curriculum(program=PROGRAM_IN_SPANISH))
    assert result.ok, [p.format() for p in result.problems]
    for f in result.files:
        (tmp_path / "site" / f.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "site" / f.path).write_bytes(f.content)
    sheet = tmp_path / "site" / "runsheets" / "1.html"
    assert '<html lang="es">' in sheet.read_text("utf-8") and "Temporizador de segmentos" in sheet.read_text("utf-8")
    context = browser.new_context(timezone_id="America/Chicago")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.clock.install(time=datetime(2027, 1, 5, 0, 0, tzinfo=timezone.utc))  # noqa: UP017 (6:00 PM in Chicago)
    page.goto(sheet.as_uri())
    page.get_by_role("button", name="Empezar la sesión").click()
    now = page.locator("[data-timer-now]")
    assert now.inner_text().startswith("Ahora: ") and "(1 de " in now.inner_text() and "min, hasta las 6:" in now.inner_text()
    page.clock.run_for("40:00")  # the opening ran 35 minutes over
    assert "Pasado por 35 min; debía terminar a las" in now.inner_text()
    assert "Para terminar a tiempo:" in page.locator("[data-timer-cut]").inner_text()
    assert "se pasó de tiempo" in page.locator("[data-timer-say]").inner_text()
    assert page.get_by_role("button", name="Siguiente segmento").is_visible()
    page.get_by_role("button", name="Reiniciar").click()
    assert page.locator("[data-timer-say]").inner_text() == "Temporizador reiniciado."
    page.goto((tmp_path / "site" / "index.html").as_uri())  # the Tonight card, filled in by night.js
    card = " ".join(page.locator("[data-tonight]").inner_text().split())
    assert card.startswith("Ahora: Sesión 1, Alpha") and "Imprimir las hojas de esta noche" in card, card
    assert "Hojas, " in card and "copias de cada una:" in card and "Guía del facilitador" in card
    assert not errors
    context.close()


def test_with_an_override_base_without_main_marks_the_spanish_packets_still_hold_every_handout(
        make_curriculum: MakeCurriculum) -> None:
    """An override's own base.html does not mark its `main` block: the packets bind what each
    page's <main> holds, in every language (the Spanish ones were once bound empty)."""
    root = es_curriculum(make_curriculum, program=PROGRAM_ES + "theme:\n  override: theme\n")
    (root / "theme" / "templates").mkdir(parents=True)
    (root / "theme" / "templates" / "base.html").write_text(
        '<!doctype html>\n<html lang="{{ site.language }}"><head><title>x</title></head>\n'
        '<body><main id="main">{% block main %}{% endblock %}</main></body></html>\n', "utf-8")
    files = files_of(root)
    assert "<!--iopcurr:main" not in files["handouts/es/alpha-sheet.html"].decode()
    for packet, sentences in (("handouts/packet.html", ["You can do this"]),
                              ("handouts/es/packet.html", ["Usted puede hacerlo"]),
                              ("handouts/es/bilingual.html", ["You can do this", "Usted puede hacerlo"])):
        text = files[packet].decode()
        assert all(s in text for s in sentences), packet
        assert text.count('id="handout-beta-sheet') >= 1, packet


def test_the_stamps_worked_out_with_the_conversion_are_those_read_from_the_file() -> None:
    """A module's stamps come from the outline its conversion reads (blocks.stamps): the same as
    `source_stamp` and `guide_stamp` read from its file."""
    from iopcurr.source.convert import parse_all
    from iopcurr.source.loader import SourceFile

    files = sorted((BUNDLED / "modules").glob("*.md"))
    sources = [SourceFile("module", f.stem, str(f), f.read_text("utf-8")) for f in files if f.stem.count(".") == 0]
    parsed, _ = parse_all(sources, jobs=1)
    for src, p in zip(sources, parsed, strict=True):
        assert p.module is not None
        assert p.module.stamps == (source_stamp(src.text, src.path), guide_stamp(src.text, src.path)), src.path

