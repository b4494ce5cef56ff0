"""The conversion cache: one JSON file per source file version, under the output folder.

    site/.iopcurr-cache/CACHEDIR.TAG
    site/.iopcurr-cache/parsed/<sha256>.json      one `Cached` (a `Parsed` and its grades), named by `parsed.cache_key`
    site/.iopcurr-cache/grades.json               reading grades of the handouts, by a hash of their text

Safe to delete at any time (the next build converts everything again). An entry is used only if
its checksum matches and it decodes into a `Cached` of the expected shape; anything else is
treated as missing and overwritten. Writes are atomic (temporary file, then rename) and
best-effort: a cache that cannot be written never fails a build.

A build adds its new entries to a `pending` folder beside the output, and `commit`s them only when
it succeeds: a failed build leaves the output folder, cache included, exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from iopcurr import codec
from iopcurr.parsed import Cached, code_fingerprint

CACHE_NAME = ".iopcurr-cache"  # the cache's folder in an output folder (write.CACHE_DIR)
TAG_NAME = "CACHEDIR.TAG"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by iopcurr.\n"
    "# It holds converted Markdown; it is safe to delete.\n"
)
_ENTRY = re.compile(r"^[0-9a-f]{64}\.json$")
GRADES = "grades.json"  # reading grades by handout text, so that a rebuild need not load textstat


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def is_cache_folder(folder: Path) -> bool:
    """A folder iopcurr made for its cache (so an output folder holding only it is ours)."""
    try:
        return folder.is_dir() and not folder.is_symlink() and (folder / TAG_NAME).read_text("utf-8") == TAG
    except (OSError, UnicodeDecodeError):
        return False


def _prepare(folder: Path) -> None:
    (folder / "parsed").mkdir(parents=True, exist_ok=True)
    if not is_cache_folder(folder):
        (folder / TAG_NAME).write_text(TAG, "utf-8")


class ParseCache:
    """Read and write `Parsed` entries in `folder` (normally `<out>/.iopcurr-cache`)."""

    def __init__(self, folder: Path, pending: Path | None = None) -> None:
        self.folder = folder
        self.entries = folder / "parsed"
        self.pending = pending
        self.hits = 0
        self.misses = 0
        self.rejected = 0  # entries present but corrupt or of another shape
        self._ready = False

    def get(self, key: str) -> Cached | None:
        path = self.entries / f"{key}.json"
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        parsed = self._decode(key, data)
        if parsed is None:
            self.rejected += 1
            self.misses += 1
        else:
            self.hits += 1
        return parsed

    def _decode(self, key: str, data: bytes) -> Cached | None:
        head, sep, body = data.partition(b"\n")
        if not sep or head != f"{key} {hashlib.sha256(body).hexdigest()}".encode():
            return None
        try:
            entry = codec.loads(body, Cached)
        except (codec.DecodeError, TypeError, ValueError):
            return None
        parsed = entry.parsed
        handouts = parsed.module.handouts if parsed.module else ()
        if (parsed.module is None) == (parsed.page is None) or len(entry.grades) != len(handouts):
            return None
        return entry

    def put(self, key: str, body: str) -> None:
        """Store an encoded `Cached` (as `codec.dumps` makes it) under `key`. Errors are ignored."""
        raw = body.encode("utf-8")
        data = f"{key} {hashlib.sha256(raw).hexdigest()}\n".encode() + raw
        folder = self.pending or self.folder
        try:
            if not self._ready:
                _prepare(folder)
                self._ready = True
            target = folder / "parsed" / f"{key}.json"
            if self.pending is not None:  # this build's own folder, taken over only once it succeeds
                target.write_bytes(data)
                return
            tmp = folder / "parsed" / f".{key}.{os.getpid()}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError:
            pass

    def load_grades(self) -> dict[str, float]:
        """Reading grades of handout texts from earlier builds (`text_key` → grade)."""
        try:
            data = json.loads((self.folder / GRADES).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        grades = data.get("grades") if isinstance(data, dict) and data.get("code") == code_fingerprint() else None
        if not isinstance(grades, dict):
            return {}
        return {k: float(v) for k, v in grades.items()
                if isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)}

    def save_grades(self, grades: dict[str, float]) -> None:
        """Keep the reading grades of this build's handouts for the next (best-effort)."""
        folder = self.pending or self.folder
        try:
            _prepare(folder)
            tmp = folder / f".{GRADES}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"code": code_fingerprint(), "grades": grades}, sort_keys=True), "utf-8")
            os.replace(tmp, folder / GRADES)
        except OSError:
            pass

    def commit(self) -> None:
        """Move the pending entries into the cache (after a build succeeded)."""
        if self.pending is None or not self.pending.is_dir():
            return
        try:
            _prepare(self.folder)
            for name in os.listdir(self.pending / "parsed"):
                if _ENTRY.match(name):
                    os.replace(self.pending / "parsed" / name, self.entries / name)
            if (self.pending / GRADES).is_file():
                os.replace(self.pending / GRADES, self.folder / GRADES)
        except OSError:
            pass
        self.discard()

    def discard(self) -> None:
        """Forget the pending entries (after a build failed)."""
        if self.pending is not None and is_cache_folder(self.pending):
            shutil.rmtree(self.pending, ignore_errors=True)
        self._ready = False

    def prune(self, keep: Iterable[str]) -> int:
        """Remove entries (and stray temporary files) not in `keep`; returns how many went."""
        wanted = {f"{k}.json" for k in keep}
        removed = 0
        try:
            names = os.listdir(self.entries)
        except OSError:
            return 0
        for name in names:
            if name in wanted or not (_ENTRY.match(name) or name.endswith(".tmp")):
                continue
            try:
                (self.entries / name).unlink()
                removed += 1
            except OSError:
                pass
        return removed
