"""Write the site: stage in a sibling folder, then swap it in at once. Never delete a file we did
not write.

The output folder carries a marker file listing every file iopcurr wrote there. A folder with
anything else in it is refused, with the foreign files named, before anything changes.
"""

from __future__ import annotations

import ctypes
import json
import os
import queue
import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from iopcurr import __version__
from iopcurr.cache import CACHE_NAME, is_cache_folder
from iopcurr.errors import IopError
from iopcurr.model import OutputFile

MARKER = ".iopcurr-site.json"
CACHE_DIR = CACHE_NAME  # inside the output folder; safe to delete


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
    except ValueError:
        return False
    return True


def check_output_folder(out: Path, source: Path) -> None:
    """Raise IopError unless `out` may be (re)written: missing, empty, or a previous build of ours."""
    out_r, src_r = out.resolve(), source.resolve()
    if out_r == src_r or _is_within(src_r, out_r) or _is_within(out_r, src_r):
        raise IopError(
            f"the output folder {out} and the curriculum folder {source} overlap. "
            "Choose an output folder outside the curriculum, e.g. --out site.",
            path=str(out),
        )
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
    foreign = sorted(
        rel
        for rel in _files_under(out)
        if rel != MARKER and rel not in manifest and not rel.startswith(CACHE_DIR + "/")
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise IopError(
            f"{out} holds files that iopcurr did not write ({shown}). Move them out of the "
            "folder, then build again; iopcurr never deletes files it did not write.",
            path=str(out),
        )


def read_manifest(out: Path) -> set[str] | None:
    try:
        data = json.loads((out / MARKER).read_text("utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("generator") != "iopcurr" or not isinstance(files, list):
        return None
    return {str(f) for f in files}


def _files_under(folder: Path) -> Iterable[str]:
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            yield (Path(dirpath) / name).relative_to(folder).as_posix()


def _stage_name(out: Path) -> Path:
    return out.parent / f".{out.name}.iopcurr-tmp-{os.getpid()}"


def pending_cache_folder(out: Path) -> Path:
    """Where a build keeps its new cache entries until it succeeds (beside the output)."""
    return out.parent / f".{out.name}.iopcurr-cache-{os.getpid()}"


def _remove_stale_stages(out: Path) -> None:
    """Stages and pending caches left by an interrupted build: only folders with our name
    pattern and marker."""
    for stale in out.parent.glob(f".{out.name}.iopcurr-tmp-*"):
        if stale.is_dir() and not stale.is_symlink() and (stale / MARKER).exists():
            shutil.rmtree(stale)
    for stale in out.parent.glob(f".{out.name}.iopcurr-cache-*"):
        if stale != pending_cache_folder(out) and is_cache_folder(stale):
            shutil.rmtree(stale)


def recover_interrupted(out: Path) -> None:
    """Undo what a build killed during a non-atomic swap (no RENAME_EXCHANGE) left behind: if the
    output folder is missing, the previous build, set aside under a name of ours, goes back."""
    olds = sorted(
        p for p in out.parent.glob(f".{out.name}.iopcurr-old-*")
        if p.is_dir() and not p.is_symlink() and read_manifest(p) is not None
    )
    if olds and not out.exists() and not out.is_symlink():
        olds.pop().rename(out)
    for old in olds:  # a swap finished but its clean-up was cut short
        if out.exists():
            shutil.rmtree(old)


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


def write_site(out: Path, source: Path, files: Iterable[OutputFile], keep: Iterable[str] = ()) -> list[str]:
    """Write `files` as the new content of `out`, atomically. Returns the paths written.

    `keep` names folders of the old output to carry over (the cache). A disk that refuses (full,
    read-only) is an IopError, with the previous site left as it was.
    """
    stage = Stage(out, source)
    try:
        for f in files:
            stage.add(f)
        return stage.commit(keep)
    finally:
        stage.discard()


class Stage:
    """A new site written file by file beside the output folder, then swapped in at once.

    A build hands each file over as soon as it is rendered (`add`), so that the whole site never
    has to be in memory; `commit` swaps it in, `discard` removes it (the previous site stays as
    it was). A disk that refuses (full, read-only) is an IopError.
    """

    def __init__(self, out: Path, source: Path) -> None:
        self.out, self.source = out, source
        self.written: list[str] = []
        self._seen: set[str] = set()
        self.folder = _stage_name(out)
        self._open = False
        self._writer = _Writer(self.folder)
        with self._disk():
            out.parent.mkdir(parents=True, exist_ok=True)
            recover_interrupted(out)
            check_output_folder(out, source)
            _remove_stale_stages(out)
            if self.folder.is_dir() and not self.folder.is_symlink() and not any(self.folder.iterdir()):
                self.folder.rmdir()  # left by a build killed before it wrote its marker
            self.folder.mkdir()
            self._open = True
            # The marker goes first: an interrupted stage is recognisably ours and is cleaned next time.
            (self.folder / MARKER).write_text(json.dumps({"generator": "iopcurr", "files": []}), "utf-8")

    @contextmanager
    def _disk(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            self.discard()
            where = exc.filename or self.out
            raise IopError(f"cannot write the site: {exc.strerror or exc} ({where}).", path=str(self.out)) from exc

    def add(self, f: OutputFile) -> None:
        rel = f.path
        if rel in self._seen:
            self.discard()
            raise IopError(f"two outputs want the same path {rel}; ids must be unique.")
        if rel.startswith("/") or ".." in rel.split("/") or rel == MARKER:
            self.discard()
            raise IopError(f"refusing to write outside the site: {rel}")
        self._seen.add(rel)
        with self._disk():
            self._writer.put(rel, f.content)
        self.written.append(rel)

    def commit(self, keep: Iterable[str] = ()) -> list[str]:
        """Swap the stage in as the output folder; the paths written."""
        out, stage = self.out, self.folder
        with self._disk():
            self._writer.finish()  # every file is on disk (or its error raised) before the swap
            manifest = {"generator": "iopcurr", "version": __version__, "files": sorted(self.written)}
            (stage / MARKER).write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
            # The folders to keep move over only after the swap: a build killed before it leaves
            # the previous site whole, cache included (and one killed just after loses only the cache).
            if out.exists():
                if _exchange(stage, out):
                    _carry(stage, out, keep)
                    shutil.rmtree(stage)  # now holds the previous build, which we wrote
                else:
                    old = out.parent / f".{out.name}.iopcurr-old-{os.getpid()}"
                    out.rename(old)
                    stage.rename(out)
                    _carry(old, out, keep)
                    shutil.rmtree(old)
            else:
                stage.rename(out)
            self._open = False
        return sorted(self.written)

    def discard(self) -> None:
        """Remove the stage (a failed build): the output folder is left as it was."""
        self._writer.stop()
        if self._open:
            self._open = False
            shutil.rmtree(self.folder, ignore_errors=True)


class _Writer:
    """Writes the stage's files in a thread of its own, so that the disk's work (a large site is
    hundreds of megabytes in thousands of files) runs beside the rendering instead of after each
    page: writing a file lets go of the interpreter lock, and a build has a core to spare while
    it renders. At most `PENDING` files wait; the first error stops the writing and is raised by
    the next `put` or by `finish`. The thread starts with the first file, so a build that forks
    its conversion workers before rendering forks a process with one thread.
    """

    PENDING = 16

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(self.PENDING)
        self._thread: threading.Thread | None = None
        self._error: OSError | None = None
        self._folders: set[str] = set()

    def put(self, rel: str, content: bytes) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="iopcurr-stage-writer", daemon=True)
            self._thread.start()
        self._queue.put((rel, content))

    def finish(self) -> None:
        """Wait until every file is written; raise the first error."""
        self.stop()
        self._raise()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(*item)
                except OSError as exc:
                    self._error = exc

    def _write(self, rel: str, content: bytes) -> None:
        parent = rel.rpartition("/")[0]
        if parent not in self._folders:
            (self.folder / parent).mkdir(parents=True, exist_ok=True)
            self._folders.add(parent)
        with open(self.folder / rel, "wb") as f:
            f.write(content)


def _carry(previous: Path, new: Path, keep: Iterable[str]) -> None:
    for name in keep:
        folder = previous / name
        if folder.is_dir() and not folder.is_symlink() and not (new / name).exists():
            folder.rename(new / name)
