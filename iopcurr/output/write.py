"""Write the site: stage in a sibling folder, then swap it in at once. Never delete a file we did
not write.

The output folder carries a marker file listing every file iopcurr wrote there. A folder with
anything else in it is refused, with the foreign files named, before anything changes.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from iopcurr import __version__
from iopcurr.errors import IopError
from iopcurr.model import OutputFile
from iopcurr.output.cache import CACHE_DIR, is_cache_folder

MARKER = ".iopcurr-site.json"
LOCK_WAIT = 10.0  # seconds a build waits for another build into the same folder to finish


def check_no_overlap(out: Path, source: Path) -> None:
    """Raise IopError if the output folder and the curriculum folder overlap."""
    out_r, src_r = out.resolve(), source.resolve()
    if src_r.is_relative_to(out_r) or out_r.is_relative_to(src_r):
        raise IopError(
            f"the output folder {out} and the curriculum folder {source} overlap. "
            "Choose an output folder outside the curriculum, e.g. --out site.",
            path=str(out),
        )


def check_output_folder(out: Path, source: Path) -> None:
    """Raise IopError unless `out` may be (re)written: missing, empty, or a previous build of ours.

    Foreign are: files the manifest does not list, links (to files or folders) and empty folders,
    since iopcurr writes none of those."""
    check_no_overlap(out, source)
    if not out.exists():
        return
    if not out.is_dir() or out.is_symlink():
        raise IopError(f"{out} exists and is not a folder. Choose another --out.", path=str(out))
    entries = [e for e in out.iterdir() if not (e.name == CACHE_DIR and is_cache_folder(e))]
    if not entries:
        return  # empty, or only the cache of a build that failed
    manifest = read_manifest(out)
    if manifest is None:
        raise IopError(
            f"{out} is not empty and was not written by iopcurr, so it is left untouched. "
            "Choose an empty or new folder with --out.",
            path=str(out),
        )
    foreign = sorted(_foreign_entries(out, manifest))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise IopError(
            f"{out} holds files that iopcurr did not write ({shown}). Move them out of the "
            "folder, then build again; iopcurr never deletes files it did not write.",
            path=str(out),
        )


def read_manifest(out: Path) -> set[str] | None:
    """The files a build of ours wrote into `out`, as its marker lists them (None: no marker of ours)."""
    try:
        data = json.loads((out / MARKER).read_text("utf-8"))
        ours = data["generator"] == "iopcurr" and isinstance(data["files"], list)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {str(f) for f in data["files"]} if ours else None


def _foreign_entries(out: Path, manifest: set[str]) -> Iterator[str]:
    """What in a previous build's folder iopcurr did not write: unlisted files, links, empty folders."""
    folders = [""]
    while folders:
        rel_dir = folders.pop()
        entries = list(os.scandir(out / rel_dir))
        if not entries and rel_dir:
            yield f"{rel_dir}/ (an empty folder)"
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_symlink():
                yield f"{rel}/ (a link)" if entry.is_dir() else f"{rel} (a link)"
            elif entry.is_dir(follow_symlinks=False):
                if rel != CACHE_DIR:  # ours (even one cut short before its tag), safe to delete
                    folders.append(rel)
            elif rel != MARKER and rel not in manifest:
                yield rel


def pending_cache_folder(out: Path) -> Path:
    """Where a build keeps its new cache entries until it succeeds (beside the output)."""
    return out.parent / f".{out.name}.iopcurr-cache-{os.getpid()}"


def _remove_stale_stages(out: Path) -> None:
    """Stages and pending caches left by an interrupted build (called with the lock held, so no
    other build is using them): only folders with our name pattern that hold our marker, or
    nothing at all (a stage killed before its marker, or a removal killed after it)."""
    for stale in out.parent.glob(f".{out.name}.iopcurr-tmp-*"):
        if stale.is_dir() and not stale.is_symlink() and ((stale / MARKER).exists() or not any(stale.iterdir())):
            remove_build(stale)
    for stale in out.parent.glob(f".{out.name}.iopcurr-cache-*"):
        if stale != pending_cache_folder(out) and is_cache_folder(stale):
            shutil.rmtree(stale)


def remove_build(folder: Path) -> None:
    """Delete a folder iopcurr wrote (a stage or a previous build), its marker last: a removal cut
    short leaves a folder that is still recognisably ours (or empty), and the next build finishes it."""
    for entry in os.scandir(folder):
        if entry.name == MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def recover_interrupted(out: Path) -> None:
    """Undo what a build killed during a non-atomic swap (no RENAME_EXCHANGE) left behind: if the
    output folder is missing, the previous build, set aside under a name of ours, goes back."""
    olds = sorted(
        p for p in out.parent.glob(f".{out.name}.iopcurr-old-*")
        if p.is_dir() and not p.is_symlink() and read_manifest(p) is not None
    )
    if olds and not out.exists() and not out.is_symlink():
        olds.pop().rename(out)
    for old in out.parent.glob(f".{out.name}.iopcurr-old-*"):  # a swap finished but its clean-up was cut short
        if out.exists() and old.is_dir() and not old.is_symlink() and (old in olds or not any(old.iterdir())):
            remove_build(old)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE). False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


class OutputLock:
    """An exclusive lock on an output folder (`flock` on a file beside it), so that two builds
    into the same folder never remove each other's work. The kernel lets go of it when the
    process ends, however it ends; the file itself is removed by whoever holds the lock last.

    Another build holding it is waited for up to LOCK_WAIT seconds, then the build is refused."""

    def __init__(self, out: Path) -> None:
        self.path = out.parent / f".{out.name}.iopcurr-lock"  # beside the output folder
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in _NO_LOCKS:  # a file system without locks: build as before, unguarded
                    break
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IopError(
                        f"another build{_holder(self.path)} is writing to {out}. Wait until it has "
                        "finished, then build again, or choose another --out.",
                        path=str(out), code=1,
                    ) from None
                time.sleep(0.05)
                continue
            if _same_file(fd, self.path):
                break
            os.close(fd)  # the file was removed by the build that held it: lock the new one
        self._fd: int | None = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                self.path.unlink(missing_ok=True)  # while still holding it (see `_same_file`)
            finally:
                os.close(fd)


_NO_LOCKS = frozenset({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL})


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _holder(path: Path) -> str:
    try:
        pid = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


class Stage:
    """A new site written file by file beside the output folder, then swapped in at once.

    A build hands each file over as soon as it is rendered (`add`), so that the whole site never
    has to be in memory; `commit` swaps it in, `discard` removes it (the previous site stays as
    it was). A disk that refuses (full, read-only) is an IopError naming the file. From its
    creation until `discard`, the stage holds the output folder's lock (`OutputLock`).
    """

    def __init__(self, out: Path, source: Path) -> None:
        self.out, self.source = out, source
        self.written: set[str] = set()
        self.folder = out.parent / f".{out.name}.iopcurr-tmp-{os.getpid()}"
        self._open = False
        self._lock: OutputLock | None = None
        check_no_overlap(out, source)  # before anything is made beside the output folder
        with self._disk():
            out.parent.mkdir(parents=True, exist_ok=True)
            self._lock = OutputLock(out)
            recover_interrupted(out)
            check_output_folder(out, source)
            _remove_stale_stages(out)
            self.folder.mkdir()
            self._open = True
            # The marker goes first: an interrupted stage is recognisably ours and is cleaned next time.
            (self.folder / MARKER).write_text(json.dumps({"generator": "iopcurr", "files": []}), "utf-8")

    @contextmanager
    def _disk(self) -> Iterator[None]:
        """Whatever fails discards the stage; a disk that refuses is an IopError naming the file."""
        try:
            yield
        except BaseException as exc:
            self.discard()
            if not isinstance(exc, OSError):
                raise
            where = exc.filename or self.out
            raise IopError(f"cannot write the site: {exc.strerror or exc} ({where}).", path=str(self.out)) from exc

    def add(self, f: OutputFile) -> None:
        rel = f.path
        with self._disk():
            if rel in self.written:
                raise IopError(f"two outputs want the same path {rel}; ids must be unique.")
            if rel.startswith("/") or ".." in rel.split("/") or rel == MARKER:
                raise IopError(f"refusing to write outside the site: {rel}")
            self.written.add(rel)
            (self.folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.folder / rel).write_bytes(f.content)

    def commit(self) -> None:
        """Swap the stage in as the output folder, the previous build's cache carried over."""
        out, stage = self.out, self.folder
        with self._disk():
            manifest = {"generator": "iopcurr", "version": __version__, "files": sorted(self.written)}
            (stage / MARKER).write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
            # The cache moves over only after the swap: a build killed before it leaves the
            # previous site whole, cache included (and one killed just after loses only the cache).
            if out.exists():
                old = stage  # after an exchange, the stage holds the previous build, which we wrote
                if not _exchange(stage, out):
                    old = out.parent / f".{out.name}.iopcurr-old-{os.getpid()}"
                    out.rename(old)
                    stage.rename(out)
                cache = old / CACHE_DIR
                if cache.is_dir() and not cache.is_symlink() and not (out / CACHE_DIR).exists():
                    cache.rename(out / CACHE_DIR)
                remove_build(old)
            else:
                stage.rename(out)
            self._open = False

    def discard(self) -> None:
        """Remove the stage (a failed build): the output folder is left as it was. Lets go of the lock."""
        if self._open:
            self._open = False
            try:
                remove_build(self.folder)
            except OSError:
                shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock is not None:
            self._lock.release()  # (a second time does nothing)
