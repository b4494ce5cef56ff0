"""The conversion cache: one JSON file per source file version, under the output folder.

    site/.iopcurr-cache/CACHEDIR.TAG
    site/.iopcurr-cache/parsed/<sha256>.json      one `Parsed`, its handouts graded, named by `parsed.cache_key`

Safe to delete at any time (the next build converts everything again). An entry is used only if
its checksum matches and it decodes into a `Parsed` of the expected shape; anything else is
treated as missing and overwritten. The checksum is keyed (HMAC-SHA256) with a secret kept
outside every site folder (`secret_path`, made on first use): an entry planted in an output
folder (its HTML edited, its checksum recomputed) is not taken for converted and sanitized
Markdown. Writes are atomic (temporary file, then rename) and
best-effort: a cache that cannot be written never fails a build.

A build adds its new entries to a `pending` folder beside the output, and `commit`s them only when
it succeeds: a failed build leaves the output folder, cache included, exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import shutil
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import jinja2

from iopcurr.source import codec
from iopcurr.source.parsed import Parsed

CACHE_DIR = ".iopcurr-cache"  # the cache's folder in an output folder; safe to delete
TAG_NAME = "CACHEDIR.TAG"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by iopcurr.\n"
    "# It holds converted Markdown; it is safe to delete.\n"
)
_ENTRY = re.compile(r"^[0-9a-f]{64}\.json$")


def secret_path() -> Path:
    """Where the cache's key is kept: `$XDG_CACHE_HOME/iopcurr/cache-key` (`~/.cache/...`)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    return (Path(base) if base else Path.home() / ".cache") / "iopcurr" / "cache-key"


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """The theme's templates as earlier builds compiled them, in `$XDG_CACHE_HOME/iopcurr/templates`:
    Jinja compiles a template again only when its source changed (it keeps a checksum). The
    sandbox compiles calls differently, so sandboxed templates are kept apart. Best-effort: a
    template that cannot be stored is compiled again next time."""

    def __init__(self, sandboxed: bool) -> None:
        kind = "sandboxed" if sandboxed else "plain"
        super().__init__(str(secret_path().parent / "templates"), f"{kind}-%s.cache")

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            Path(self.directory).mkdir(parents=True, exist_ok=True, mode=0o700)
            super().dump_bytecode(bucket)


def load_secret() -> bytes:
    """The key of the cache's checksums, made on first use (readable by its owner only). Where
    none can be kept (no home folder, a read-only one), a key of this process: the cache then
    serves only the process that wrote it, and each build converts everything again."""
    try:
        path = secret_path()
        if known := _read_secret(path):
            return known
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        made = secrets.token_hex(32).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(made)
        return made
    except FileExistsError:  # another build made it just now
        return _read_secret(secret_path()) or secrets.token_bytes(32)
    except (OSError, RuntimeError):  # (RuntimeError: no home folder)
        return secrets.token_bytes(32)


def _read_secret(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError:
        return b""
    return data if len(data) >= 32 else b""


def checksum(secret: bytes, key: str, body: bytes) -> str:
    """An entry's checksum: its key and body, keyed with the cache's secret."""
    return hmac.new(secret, key.encode() + b"\0" + body, hashlib.sha256).hexdigest()


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

    @cached_property
    def secret(self) -> bytes:
        return load_secret()

    def get(self, key: str) -> Parsed | None:
        """The entry stored under `key`, if it is there, its checksum matches and it decodes; else
        None. (Only `convert` writes entries, each graded, of one kind, under this code's key.)"""
        try:
            head, sep, body = (self.entries / f"{key}.json").read_bytes().partition(b"\n")
        except OSError:
            return None
        if not sep or not hmac.compare_digest(head, f"{key} {checksum(self.secret, key, body)}".encode()):
            return None
        try:
            return codec.loads(body, Parsed)
        except (codec.DecodeError, TypeError, ValueError):
            return None

    def put(self, key: str, body: str) -> None:
        """Store an encoded `Parsed` (as `codec.dumps` makes it) under `key`. Errors are ignored."""
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a YAML escape (`"\\ud800"`): not kept
            return
        self._write(f"parsed/{key}.json", f"{key} {checksum(self.secret, key, raw)}\n".encode() + raw)

    def _write(self, name: str, data: bytes) -> None:
        """Write `name` into the pending folder (else the cache's) atomically; errors are ignored."""
        folder = self.pending or self.folder
        with contextlib.suppress(OSError):
            _prepare(folder)
            target = folder / name
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)

    def commit(self) -> None:
        """Move the pending entries into the cache (after a build succeeded)."""
        if self.pending is None or not self.pending.is_dir():
            return
        with contextlib.suppress(OSError):
            _prepare(self.folder)
            for name in os.listdir(self.pending / "parsed"):
                if _ENTRY.match(name):
                    os.replace(self.pending / "parsed" / name, self.entries / name)
        self.discard()

    def discard(self) -> None:
        """Forget the pending entries (after a build failed)."""
        if self.pending is not None and is_cache_folder(self.pending):
            shutil.rmtree(self.pending, ignore_errors=True)

    def prune(self, keep: Iterable[str]) -> None:
        """Remove entries (and stray temporary files) not in `keep`."""
        wanted = {f"{k}.json" for k in keep}
        for path in self.entries.glob("*"):  # (nothing, when the folder is missing or unreadable)
            if path.name not in wanted and (_ENTRY.match(path.name) or path.name.endswith(".tmp")):
                with contextlib.suppress(OSError):
                    path.unlink()
