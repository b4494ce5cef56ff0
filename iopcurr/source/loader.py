"""Curriculum folder → source files (IO), and source files → Modules and Pages (pure).

`read_sources` and `git_history` (with their helpers) touch the disk; everything else takes text.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from iopcurr.errors import Problem, did_you_mean
from iopcurr.model import Asset, Commit, Module, Page, Program
from iopcurr.source.blocks import ID
from iopcurr.source.markup import Converter
from iopcurr.source.yamlread import load_yaml

MAX_FILE_BYTES = 512_000  # 20 times the longest bundled module; converts in about 3 seconds
# `cravings.es.md` in modules/: the Spanish translation of module `cravings` (see translations.py)
TRANSLATION_NAME = re.compile(r"^([a-z0-9][a-z0-9-]*)\.([a-z]{2,3}(?:-[a-z0-9]{2,8})*)$")
# Control characters other than tab and newline: invisible, invalid in HTML, and some of them
# (\x02, \x03) are Python-Markdown's own placeholders.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")

MODULE_KEYS = ("title", "track", "summary", "objectives", "materials", "handouts",
               "reviewed_by", "reviewed_on", "next_review", "changes", "overrides")
PAGE_KEYS = ("title", "summary", "order", "overrides")  # overrides: {library: HASH} (library.py)


@dataclass(frozen=True)
class SourceFile:
    kind: str  # "module", "page" or "translation" (then `id` is `<module id>.<language>`)
    id: str
    path: str  # as shown in messages (the source folder joined with the relative path)
    text: str


@dataclass(frozen=True)
class Sources:
    program_path: str
    program_text: str | None
    files: tuple[SourceFile, ...]
    assets: tuple[str, ...]  # relative paths under the curriculum (assets/..., override static)
    problems: tuple[Problem, ...]
    site_path: str | None = None  # sites/<name>.yml merged over program.yml, for a site's build
    site_text: str | None = None
    history: tuple[Commit, ...] | None = None  # commits touching modules/ (changes.py); None: no git
    library_assets: tuple[Asset, ...] = ()  # of the libraries, at paths `assets` has and the curriculum not
    program: tuple[Program, tuple[Problem, ...]] | None = None  # read from the texts above (pipeline.read)


def assets_of(source: Path, sources: Sources) -> list[Asset]:
    """Every asset the site publishes: the curriculum's own (which win), then the libraries'."""
    theirs = {a.rel: a for a in sources.library_assets}
    return [theirs.get(rel) or Asset(rel, str(source / rel)) for rel in sources.assets]


def read_sources(source: Path) -> Sources:
    """Read program.yml, modules/*.md and pages/*.md, and list assets/. Refuses what leads outside."""
    problems: list[Problem] = []
    root = source.resolve()
    program_path = source / "program.yml"
    program_text = _read_text(program_path, root, problems) if program_path.exists() or program_path.is_symlink() else None
    files: list[SourceFile] = []
    for kind, folder in (("module", "modules"), ("page", "pages")):
        base = source / folder
        if not base.is_dir():
            continue
        if not _inside(base, root):
            problems.append(outside(base))
            continue
        files += [f for path in sorted(base.iterdir()) if (f := _source_file(path, kind, root, problems))]
    assets = _assets(source, root, problems)
    return Sources(str(program_path), program_text, tuple(files), tuple(assets), tuple(problems))


def _source_file(path: Path, kind: str, root: Path, problems: list[Problem]) -> SourceFile | None:
    """The file at `path` in modules/ or pages/, or None (with a problem, unless it is hidden, an
    editor's backup or lock file, or unreadable)."""
    folder = path.parent.name
    if path.name.startswith((".", "#")) or path.name.endswith("~"):
        return None
    if path.is_dir():
        problems += _unread(path, path.parent, folder)
        return None
    if path.suffix != ".md":
        problems.append(Problem(str(path), None, f"{path.name!r} is not a .md file, so it is left out.", "IOP018", "warning",
                                hint=f"Rename it to {_suggest_id(path.stem)}.md, or move it out of {folder}/."))
        return None
    if kind == "module" and TRANSLATION_NAME.match(path.stem):
        kind = "translation"
    elif not ID.match(path.stem):
        problems.append(Problem(str(path), None, f"the file name {path.name!r} cannot be part of a web address.", "IOP018",
                                hint=f"Rename it to {_suggest_id(path.stem)}.md (lowercase letters, digits, hyphens)."))
        return None
    text = _read_text(path, root, problems)
    return SourceFile(kind, path.stem, str(path), text) if text is not None else None


def _assets(source: Path, root: Path, problems: list[Problem]) -> list[str]:
    """The files under assets/, relative to `source`."""
    asset_dir = source / "assets"
    if not asset_dir.is_dir():
        return []
    if not _inside(asset_dir, root):
        problems.append(outside(asset_dir))
        return []
    assets = []
    for path in sorted(asset_dir.rglob("*")):  # lists linked folders but does not enter them
        if not _inside(path, root):
            problems.append(outside(path))
        elif path.is_file() and not path.name.startswith("."):
            assets.append(path.relative_to(source).as_posix())
    return assets


GIT_SECONDS = 10
_FORMAT = "%x1e%ad%x1f%s"  # a record separator, the date, a unit separator, the subject
_MODULE_FILE = re.compile(r"modules/([^.]*)\.md")  # not a translation (`cravings.es.md`)


def git_history(source: Path) -> tuple[Commit, ...] | None:
    """The commits touching `source/modules/*.md`, newest first, or None when there is no git or
    no repository (IO: runs `git log` in the folder)."""
    git = shutil.which("git")
    if git is None or not (source / "modules").is_dir():
        return None
    try:
        done = subprocess.run(
            [git, "-c", "log.showSignature=false", "log", "--no-merges", "--no-color", "--date=short",
             f"--format={_FORMAT}", "--name-only", "--relative", "--", "modules"],
            cwd=source, capture_output=True, timeout=GIT_SECONDS, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_log(done.stdout.decode("utf-8", "replace")) if done.returncode == 0 else None


def parse_log(text: str) -> tuple[Commit, ...]:
    """`git log` output in `_FORMAT` with `--name-only` → commits (pure)."""
    out = []
    for record in text.split("\x1e")[1:]:
        head, _, names = record.partition("\n")
        day, _, subject = head.partition("\x1f")
        ids = tuple(m.group(1) for m in map(_MODULE_FILE.fullmatch, names.split()) if m)
        if ids and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.strip()):
            out.append(Commit(day.strip(), " ".join(subject.split()), ids))
    return tuple(out)


def _unread(sub: Path, base: Path, folder: str) -> list[Problem]:
    """A warning for every .md file in a subfolder of modules/ or pages/: only the files directly
    in those folders are read (tracks in program.yml group modules, not folders)."""
    if sub.is_symlink():
        return []
    hint = "; to group modules, list them under `tracks:` in program.yml." if folder == "modules" else "."
    return [Problem(str(md), None, f"{md.name!r} is in a subfolder of {folder}/, and subfolders are not read, "
                    "so it is left out.", "IOP018", "warning", hint=f"Move it to {base / md.name}{hint}")
            for md in sorted(sub.rglob("*.md"))
            if not any(part.startswith(".") for part in md.relative_to(base).parts)]


def outside(path: Path) -> Problem:
    return Problem(str(path), None, "this is a link to somewhere outside the curriculum folder.", "IOP029",
                   hint="Copy what it points to into the curriculum instead.")


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # unreadable, or a loop of links
        return False


def _read_text(path: Path, root: Path, problems: list[Problem]) -> str | None:
    shown = str(path)
    if not _inside(path, root):
        problems.append(outside(path))
        return None
    try:
        if not path.is_file():
            problems.append(Problem(shown, None, "this is not a regular file.", "IOP025", hint="Replace it with a text file."))
            return None
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(shown, None, f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}.", "IOP030"))
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(shown, None, f"the file cannot be read: {exc.strerror or exc}.", "IOP025",
                                hint="Check that it exists and that you may read it."))
        return None
    text, more = decode_source(data, shown)
    problems += more
    return text


def decode_source(data: bytes, shown: str) -> tuple[str | None, list[Problem]]:
    """File bytes → text with `\\n` line ends, no byte-order mark and no control characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(shown, line, f"the file is not UTF-8 text (bad byte 0x{data[exc.start]:02x} at offset {exc.start}).",
                              "IOP016", hint="Save it as UTF-8 in your editor.", column=column)]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text), []


def _suggest_id(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "module"


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], dict[str, int], str, int, list[Problem]]:
    """→ (meta, key lines, body, first line of body, problems)."""
    body, first = body_of(text)
    if first == 1:  # no front matter, or one never closed
        unclosed = [Problem(path, 1, "the front matter is never closed.", "IOP001", hint="End it with a line holding only `---`.")]
        return {}, {}, text, 1, unclosed if text.startswith("---\n") else []
    meta, key_lines, problems = load_yaml("\n".join(text.split("\n")[1 : first - 2]), path, first_line=2)
    if meta is not None and not isinstance(meta, dict):
        problems.append(Problem(path, 2, "the front matter must be `key: value` lines.", "IOP002"))
        meta = {}
    return meta or {}, key_lines, body, first, problems


def _text(meta: dict[str, Any], key: str, lines: dict[str, int], path: str, problems: list[Problem]) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        problems.append(Problem(path, lines.get(key, 1), f"`{key}` must be text.", "IOP004"))
        return ""
    return str(value)


def text_list(meta: dict[str, Any], key: str, lines: dict[str, int], path: str, problems: list[Problem]) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or any(isinstance(v, dict | list) or v is None for v in value):
        problems.append(Problem(path, lines.get(key, 1), f"`{key}` must be a list of text items.", "IOP004",
                                hint=f"Write `{key}:` and then one `  - item` per line."))
        return ()
    return tuple(str(v) for v in value)


def _date(meta: dict[str, Any], key: str, lines: dict[str, int], path: str, problems: list[Problem]) -> str:
    """A front matter date (`2027-01-04`, quoted or not) as YYYY-MM-DD, or ""."""
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()[:10]  # YYYY-MM-DD, of a datetime too
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value.strip()).isoformat()
    problems.append(Problem(path, lines.get(key, 1), f"`{key}` must be a date written YYYY-MM-DD, not {value!r}.",
                            "IOP004", hint=f"Write e.g. `{key}: 2027-01-04`."))
    return ""


def _changes(meta: dict[str, Any], lines: dict[str, int], path: str, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """`changes:` — `- 2026-12-05: what changed`, one line each → ((date, text), ...), newest first."""
    value = meta.get("changes")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        day, text = next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else ("", "")
        when = _date({"changes": day}, "changes", {}, path, []) if isinstance(text, str) and text.strip() else ""
        if not when:
            problems.append(Problem(path, lines.get("changes", 1), f"each of `changes` must be one line `- YYYY-MM-DD: what "
                                    f"changed`, not {item!r}.", "IOP004",
                                    hint='Write e.g. `  - 2026-12-05: "Rewrote the group agreement."`'))
            continue
        out.append((when, " ".join(str(text).split())))
    return tuple(sorted(out, key=lambda c: c[0], reverse=True))


def _front(src: SourceFile, known: tuple[str, ...], noun: str) -> tuple[dict[str, Any], dict[str, int], str, int, list[Problem], str]:
    """→ (meta, key lines, body, first line of body, problems, title) of a module or page: its
    unknown keys reported, its `title` else the id (and a problem, unless a YAML error says why)."""
    meta, lines, body, first, problems = split_front_matter(src.text, src.path)
    for key in meta:
        if key not in known:
            hint = did_you_mean(str(key), known, f"Known keys: {', '.join(known)}.")
            problems.append(Problem(src.path, lines.get(str(key), 1), f"unknown front matter key `{key}`.", "IOP003", hint=hint))
    title = _text(meta, "title", lines, src.path, problems)
    if not title and not any(p.code == "IOP001" for p in problems):
        problems.append(Problem(src.path, 1, f"the {noun} has no `title`.", "IOP005", hint="Add `title: ...` to the front matter."))
    return meta, lines, body, first, problems, title or src.id


def parse_module(src: SourceFile, converter: Converter) -> tuple[Module, list[Problem]]:
    """One module file → Module."""
    meta, lines, body, first, problems, title = _front(src, MODULE_KEYS, "module")
    reviewed_by = _text(meta, "reviewed_by", lines, src.path, problems)
    reviewed_on = _date(meta, "reviewed_on", lines, src.path, problems)
    next_review = _date(meta, "next_review", lines, src.path, problems)
    if reviewed_on and next_review and next_review <= reviewed_on:
        problems.append(Problem(src.path, lines.get("next_review", 1), f"`next_review` ({next_review}) is not after "
                                f"`reviewed_on` ({reviewed_on}).", "IOP004", hint="Set the date the next review is due, after the last one."))
    converted = converter.convert(body, src.path, first, src.id)
    problems += list(converted.problems)
    if not converted.segments:
        problems.append(Problem(src.path, first, "the module has no session segments.", "IOP017",
                                hint="Write the session as `## ` headings: check-in, topic, practice and summary."))
    return Module(
        id=src.id,
        path=src.path,
        title=title,
        track=_text(meta, "track", lines, src.path, problems) or None,
        summary=_text(meta, "summary", lines, src.path, problems),
        objectives=text_list(meta, "objectives", lines, src.path, problems),
        materials=text_list(meta, "materials", lines, src.path, problems),
        handout_refs=text_list(meta, "handouts", lines, src.path, problems),
        overview_html=converted.overview_html,
        segments=converted.segments,
        handouts=converted.handouts,
        block_kinds=converted.block_kinds,
        lines=MappingProxyType(dict(lines)),
        refs=converted.refs,
        anchors=converted.anchors,
        stamps=converted.stamps,
        reviewed_by=reviewed_by,
        reviewed_on=reviewed_on,
        next_review=next_review,
        changes=_changes(meta, lines, src.path, problems),
    ), problems


def parse_page(src: SourceFile, converter: Converter) -> tuple[Page, list[Problem]]:
    meta, lines, body, first, problems, title = _front(src, PAGE_KEYS, "page")
    order = meta.get("order", 50)
    if isinstance(order, bool) or not isinstance(order, int):
        problems.append(Problem(src.path, lines.get("order", 1), "`order` must be a whole number.", "IOP004"))
        order = 50
    converted = converter.convert(body, src.path, first, src.id, segmented=False)
    problems += list(converted.problems)
    if converted.handouts:
        problems.append(Problem(src.path, converted.handouts[0].line, "pages cannot define handouts.", "IOP019", hint="Move the handout into a module."))
    return Page(src.id, src.path, title, _text(meta, "summary", lines, src.path, problems), order,
                converted.overview_html, converted.refs, converted.anchors), problems


def body_of(text: str) -> tuple[str, int]:
    """The body of a file and its first line: what follows the front matter, when it is closed
    (by a line `---` or `...`)."""
    if text.startswith("---\n"):
        lines = text.split("\n")
        for i in range(1, len(lines)):
            if lines[i].rstrip() in ("---", "..."):
                return "\n".join(lines[i + 1 :]), i + 2
    return text, 1
