"""Interface strings: one catalogue per language in the theme (`i18n/<lang>.yml`), read once per
theme load, and the Jinja global `t("key")` that shows a string in the page's language.

The page's language is `site.language` of the template's values: the pages of a translation
get a SiteView in that language (see render_lang.py). A key missing in the page's language falls
back to English, then to the key itself; a test keeps every catalogue complete.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import jinja2
import yaml

from iopcurr.errors import IopError

SOURCE = "en"
Catalogues = Mapping[str, Mapping[str, str]]
Words = Callable[[str, str], str]  # (catalogue key, the English words) → the words a page shows


def english(key: str, words: str) -> str:
    """The English words of a page built without the theme's catalogues."""
    return words


def load_catalogues(folders: Sequence[Path]) -> Catalogues:
    """language → key → string, from `<folder>/i18n/*.yml`; earlier folders (the override) win."""
    found: dict[str, dict[str, str]] = {}
    for folder in reversed(folders):
        for path in sorted((folder / "i18n").glob("*.yml")):  # none where there is no such folder
            try:  # (libyaml's loader where PyYAML has it: a build reads the catalogues every time)
                data = yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
            except UnicodeDecodeError:
                raise IopError("this catalogue of interface words is not UTF-8 text; save it as UTF-8.",
                               path=str(path), code=1) from None
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                raise IopError(f"this catalogue of interface words is not valid YAML ({getattr(exc, 'problem', exc)}). "
                               "Write one `key: text` per line; quote a text that holds a colon or starts with [ or {.",
                               path=str(path), line=mark.line + 1 if mark else None, code=1) from None
            if isinstance(data, dict):
                found.setdefault(path.stem, {}).update({str(k): str(v) for k, v in data.items()})
    return MappingProxyType({lang: MappingProxyType(strings) for lang, strings in found.items()})


def translate(catalogues: Catalogues, language: str, key: str) -> str:
    """The string `key` in `language` (English, then the key itself, where it is missing)."""
    for lang in (language, language.split("-")[0], SOURCE):
        if key in catalogues.get(lang, {}):
            return catalogues[lang][key]
    return key


def template_function(catalogues: Catalogues) -> Callable[..., str]:
    """`t("key")` for templates, in the language of the page; `t("key", "es")` in another one."""

    @jinja2.pass_context
    def t(context: jinja2.runtime.Context, key: str, language: str = "") -> str:
        page_language = str(getattr(context.get("site"), "language", SOURCE) or SOURCE)
        return translate(catalogues, language or page_language, key)

    return t


# What worksheets and tables say to screen readers: markup.py writes it in English (a file is
# converted without knowing the language of the page it goes on).
_SPOKEN = re.compile(r'Space to write \((?P<n>\d+) lines?\)\.'
                     r'|aria-label="(?:Circle a number from (?P<low>-?\d+) to (?P<high>-?\d+)'
                     r'|(?P<checklist>Checklist)|Table(?P<headers>: [^"]*)?)"')


def spoken(html: str, words: Words) -> str:
    """`html` with what its worksheets and tables say to screen readers in the page's `words`."""

    def say(m: re.Match[str]) -> str:
        if m["n"]:
            return (words("ws_line", "Space to write (1 line).") if m["n"] == "1" else
                    words("ws_lines", "Space to write ({n} lines).").format(n=m["n"]))
        if m["low"]:
            label = words("ws_scale", "Circle a number from {low} to {high}").format(low=m["low"], high=m["high"])
        else:
            label = words("ws_checklist", "Checklist") if m["checklist"] else words("table", "Table")
        return f'aria-label="{htmllib.escape(label, quote=True)}{m["headers"] or ""}"'  # (the headers: escaped already)

    return _SPOKEN.sub(say, html)
