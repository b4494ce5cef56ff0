"""Shared module libraries: `library: [../shared-modules]` in program.yml adds the modules and pages
of other folders (or .zip archives of one) to the curriculum.

A library is a folder with `modules/`, `pages/` and `assets/` (its program.yml, if any, is not
read), or a .zip archive of such a folder; `iopcurr:curriculum` is the bundled curriculum. A
module or page of the curriculum with the same id as a library's overrides it, and an asset with
the same path a library's; the override of a module or page records which version of the
library's file it was made from in its front matter:

    overrides: {library: "3f2a9c1b7d4e"}

and `check` warns (IOP039) when the library's file no longer has that hash, or when the override
records none. Earlier libraries in the list win over later ones.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import io
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath
from types import MappingProxyType

import iopcurr
from iopcurr.errors import Problem
from iopcurr.model import Asset, Program
from iopcurr.source.blocks import ID
from iopcurr.source.loader import MAX_FILE_BYTES, SourceFile, Sources, decode_source, read_sources, split_front_matter

BUNDLED = "iopcurr:curriculum"
_FOLDERS = MappingProxyType({"modules": "module", "pages": "page"})  # folder → kind of file
MAX_ARCHIVE_BYTES = 50_000_000


def library_hash(text: str) -> str:
    """The version of a library file an override records: 12 hex digits of its text's SHA-256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def bundled_curriculum() -> Path | None:
    """The bundled curriculum: inside the installed package (iopcurr/curriculum), else beside the
    package in a checkout (curriculum/)."""
    packaged = importlib.resources.files("iopcurr") / "curriculum"
    if isinstance(packaged, Path) and (packaged / "modules").is_dir():
        return packaged
    checkout = Path(iopcurr.__file__).resolve().parent.parent / "curriculum"
    return checkout if (checkout / "modules").is_dir() else None


def with_libraries(source: Path, sources: Sources, entries: tuple[str, ...], program: Program) -> Sources:
    """`sources` with the modules, pages and assets of every library the curriculum does not have
    itself, and the problems of reading them and of the overrides."""
    problems = list(sources.problems)
    own = {(f.kind, f.id): f for f in sources.files}  # one per kind and id
    have = dict(own)  # then the libraries' files, the first library's of each kind and id
    theirs: dict[str, Asset] = {}  # the libraries' assets, the first library's at each path
    for i, entry in enumerate(entries):
        where, line = program.path_of(f"library.{i}"), program.line_of(f"library.{i}") or program.line_of("library")
        files, assets, more = library_files(source, entry, where, line)
        problems += more
        for asset in assets:
            theirs.setdefault(asset.rel, asset)
        for f in files:
            if (f.kind, f.id) in own:  # the curriculum's own file overrides this one
                problems += check_override(own[f.kind, f.id], f)
            have.setdefault((f.kind, f.id), f)
    return replace(sources, files=tuple(have.values()), problems=tuple(problems), assets=tuple(sorted({*sources.assets, *theirs})),
                   library_assets=tuple(theirs[rel] for rel in sorted(theirs) if rel not in sources.assets))


Found = tuple[list[SourceFile], list[Asset], list[Problem]]


def library_files(source: Path, entry: str, where: str, line: int | None) -> Found:
    """The modules, pages and assets of one library entry (a folder, a .zip archive or `iopcurr:curriculum`)."""
    if entry.startswith("iopcurr:") and entry != BUNDLED:
        return [], [], [Problem(where, line, f"unknown bundled library `{entry}`.", "IOP025",
                                hint=f"The bundled library is `{BUNDLED}`.")]
    path = bundled_curriculum() if entry == BUNDLED else source / entry
    if path is None:
        return [], [], [Problem(where, line, "the bundled curriculum is not installed with iopcurr.", "IOP025",
                                hint="Reinstall iopcurr, or copy the curriculum folder and name that folder.")]
    if path.is_file() and path.suffix == ".zip":
        return _archive_files(path, where, line)
    if not path.is_dir():
        return [], [], [Problem(where, line, f"the library {entry} is not a folder or a .zip archive ({path}).", "IOP025",
                                hint="Write the path of a folder holding modules/ (or of a .zip of one), relative to program.yml.")]
    found = read_sources(path)
    return list(found.files), [Asset(rel, str(path / rel)) for rel in found.assets], list(found.problems)


def _archive_files(path: Path, where: str, line: int | None) -> Found:
    """modules/*.md, pages/*.md and assets/** of a .zip archive, at its top or in its one top folder."""
    files: list[SourceFile] = []
    assets: list[Asset] = []
    problems: list[Problem] = []
    unpacked = 0  # bytes of assets taken out: at most MAX_ARCHIVE_BYTES (against zip bombs)
    try:
        if path.stat().st_size > MAX_ARCHIVE_BYTES:
            return [], [], [Problem(where, line, f"the library archive {path} is larger than {MAX_ARCHIVE_BYTES:,} bytes.", "IOP030")]
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
            for info in sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename):
                shown = f"{path}/{info.filename}"
                if "assets" in PurePosixPath(info.filename).parts[:2]:  # published as the curriculum's own assets/ are
                    asset = _archive_asset(archive, info, shown, MAX_ARCHIVE_BYTES - unpacked, problems)
                    if asset is not None:
                        unpacked += info.file_size
                        assets.append(asset)
                elif (found := _archive_source(archive, info, shown, problems)) is not None:
                    files.append(found)
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as exc:
        return [], [], [Problem(where, line, f"the library archive {path} cannot be read: {exc}.", "IOP025",
                                hint="Check that it is a .zip archive of a folder holding modules/.")]
    return files, assets, problems


def _archive_asset(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, room: int,
                   problems: list[Problem]) -> Asset | None:
    """The file under assets/ at `info`, unless it leads outside, is hidden or takes more than `room` bytes."""
    parts = PurePosixPath(info.filename).parts
    inner = parts[parts.index("assets"):]
    if info.filename.startswith("/") or ".." in parts or any("\\" in p for p in parts) \
            or (info.external_attr >> 16) & 0o170000 == 0o120000:  # a symbolic link
        problems.append(Problem(shown, None, "this is a link or a path to somewhere outside the library.",
                                "IOP029", hint="Put the file itself in the archive's assets/ folder."))
    elif info.file_size > room:
        problems.append(Problem(shown, None, f"the library's assets unpack to more than "
                                f"{MAX_ARCHIVE_BYTES:,} bytes.", "IOP030",
                                hint="Make its images smaller, or name the library's folder instead."))
    elif len(inner) > 1 and not any(p.startswith(".") for p in inner):  # hidden files are left out
        return Asset("/".join(inner), shown, archive.read(info))
    return None


def _archive_source(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str,
                    problems: list[Problem]) -> SourceFile | None:
    """The module or page at `info`: only modules/*.md and pages/*.md, at the top or in one folder."""
    name = PurePosixPath(info.filename)
    parts = name.parts
    if not (len(parts) in (2, 3) and parts[-2] in _FOLDERS) or name.suffix != ".md" or not ID.match(name.stem):
        return None
    if info.file_size > MAX_FILE_BYTES:
        problems.append(Problem(shown, None, f"the file is {info.file_size:,} bytes; the limit is {MAX_FILE_BYTES:,}.", "IOP030"))
        return None
    text, more = decode_source(archive.read(info), shown)
    problems += more
    return SourceFile(_FOLDERS[parts[-2]], name.stem, shown, text) if text is not None else None


def check_override(own: SourceFile, theirs: SourceFile) -> list[Problem]:
    """A warning (IOP039) when `own` overrides a library file whose version changed since, or
    does not record which version it was made from."""
    meta, lines, _body, _first, _problems = split_front_matter(own.text, own.path)
    now = library_hash(theirs.text)
    hint = (f"Compare it with {theirs.path}, take over what changed, then write "
            f"`overrides: {{library: \"{now}\"}}` in its front matter.")
    recorded = meta.get("overrides")
    line = lines.get("overrides", 1)
    if recorded is None:
        return [Problem(own.path, line, f"this file overrides the library's {theirs.kind} `{theirs.id}` "
                        "but does not record which version of it it was made from.", "IOP039", "warning", hint=hint)]
    if not isinstance(recorded, dict) or not isinstance(recorded.get("library"), str | int):
        return [Problem(own.path, line, "`overrides` must be a mapping like `{library: \"3f2a9c1b7d4e\"}`.", "IOP004",
                        hint=f"The library's version now is {now}.")]
    written = str(recorded["library"])
    if written != now:
        return [Problem(own.path, lines.get("overrides.library", line),
                        f"the library's {theirs.kind} `{theirs.id}` changed since this override was made "
                        f"(recorded {written}, now {now}).", "IOP039", "warning", hint=hint)]
    return []


def library_folders(source: Path, entries: tuple[str, ...]) -> list[Path]:
    """The folders of the libraries that are folders (for the live preview to watch)."""
    folders = (bundled_curriculum() if entry == BUNDLED else source / entry for entry in entries)
    return [folder.resolve() for folder in folders if folder is not None and folder.is_dir()]
