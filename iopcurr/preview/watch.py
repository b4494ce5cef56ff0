"""Watch folders and hand over changed paths in batches: a burst of saves is one batch.

Editors save in several steps (write a temporary file, rename it over the old one, touch a
backup), `git checkout` changes many files at once: every path seen is collected, and the batch
goes out once the folders have been quiet for `quiet` seconds (a shorter while after a file is
closed after writing; while changes keep coming, after `longest` seconds). Uses watchdog
(inotify, FSEvents, ReadDirectoryChangesW), and polls where the system offers no events.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver


def ignored(name: str) -> bool:
    """Editor backups, swap and lock files, and hidden files: never a reason to rebuild."""
    return (name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))
            or name.isdigit())  # vim writes a file named 4913 to test the folder


def relevant(path: Path, folders: Iterable[Path]) -> bool:
    """Is a changed path a reason to rebuild? Not when, inside one of `folders`, it or a folder it
    is in is ignored (editor files, `.git/`); anything else may be read by a build."""
    path = path.absolute()
    rel = next((path.relative_to(f.absolute()) for f in folders if path.is_relative_to(f.absolute())),
               Path(path.name))  # (outside them, its name alone)
    return not any(ignored(part) for part in rel.parts)


class Watcher(FileSystemEventHandler):
    """Watches folders (recursively, from its creation on: it is its observer's event handler)
    and calls `deliver` with the paths changed, on `loop`, once no new path came for `quiet` s, or
    for `settled` s when the last one was a file closed after writing (a save that is complete,
    unless more comes at once: an editor's backup removed, the next file of a checkout). `deliver`
    returns at once: the preview queues the batches that come during a rebuild as one (serve.py)."""

    def __init__(self, deliver: Callable[[frozenset[Path]], None], loop: asyncio.AbstractEventLoop, *,
                 quiet: float = 0.05, longest: float = 1.0, settled: float = 0.01) -> None:
        self.deliver = deliver
        self.loop = loop
        self.quiet = quiet
        self.longest = longest
        self.settled = settled
        self._paths: set[Path] = set()
        self._first = 0.0
        self._due: asyncio.TimerHandle | None = None  # the batch going out, unless more comes
        self.observer: Any = Observer()
        self.observer.start()
        self.watches: dict[Path, Any] = {}

    def add(self, paths: Iterable[Path], *, settled: bool = False) -> None:
        """Collect `paths`; on the loop's thread."""
        now = self.loop.time()
        if not self._paths:
            self._first = now
        self._paths.update(paths)
        if self._due is not None:
            self._due.cancel()
        wait = min(self.settled, self.quiet) if settled else self.quiet
        self._due = self.loop.call_at(min(now + wait, self._first + self.longest), self._send)

    def _send(self) -> None:
        batch = frozenset(self._paths)
        self._paths.clear()
        self.deliver(batch)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        if event.is_directory and event.event_type in ("modified", "closed"):
            return  # a folder "changes" whenever a file in it does: the file's own event says which
        paths = [Path(os.fsdecode(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        # A file closed after writing is a finished save (inotify's IN_CLOSE_WRITE; other systems
        # never say so, and wait for the quiet): unless it is an editor's temporary file.
        settled = event.event_type == "closed" and not any(ignored(p.name) for p in paths)
        self.loop.call_soon_threadsafe(functools.partial(self.add, paths, settled=settled))

    def watch(self, folders: Iterable[Path]) -> None:
        """Watch exactly `folders` (and what is under them) from now on."""
        wanted = {f.resolve() for f in folders if f.is_dir()}
        wanted = {f for f in wanted if not any(o != f and f.is_relative_to(o) for o in wanted)}
        for folder in list(self.watches):
            if folder not in wanted:
                self.observer.unschedule(self.watches.pop(folder))
        for folder in sorted(wanted - set(self.watches)):
            try:
                self.watches[folder] = self.observer.schedule(self, str(folder), recursive=True)
            except OSError:  # e.g. out of inotify watches: poll every folder instead
                if isinstance(self.observer, PollingObserver):
                    raise
                self.observer.stop()
                self.observer = PollingObserver(timeout=0.1)
                self.observer.start()
                self.watches = {}
                self.watch(wanted)
                return

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=2)
        if self._due is not None:
            self._due.cancel()
