"""Many source files → their `Parsed` values: from memory, from the cache, or converted — in this
process for a few files, in a pool of worker processes (one per core) for many.

Worker processes return their results as JSON text (`codec`), which the parent decodes.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from iopcurr.output.cache import ParseCache
from iopcurr.source import codec
from iopcurr.source.loader import SourceFile
from iopcurr.source.markup import Converter
from iopcurr.source.parsed import Parsed, cache_key, graded, parse_source

POOL_MIN = 24  # fewer files than this to convert: stay in this process (workers take time to start)
Progress = Callable[[int, int], None]  # (files done, files to convert)


@dataclass(frozen=True)
class ParseStats:
    keys: tuple[str, ...]  # the cache key of every file, in order
    converted: int
    workers: int  # processes used for converting (0: none, 1: this one)


def default_jobs() -> int:
    """Worker processes for a cold build: IOPCURR_JOBS, or the cores this process may use."""
    env = os.environ.get("IOPCURR_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def parse_all(files: Sequence[SourceFile], *, cache: ParseCache | None = None, memo: dict[str, Parsed] | None = None,
              jobs: int | None = None, progress: Progress | None = None) -> tuple[list[Parsed], ParseStats]:
    """The `Parsed` of every file, its handouts graded, in order: from `memo`, else from `cache`,
    else converted (in a pool of `jobs` workers when there are many) and graded. New results go
    into `memo` and `cache`."""
    keys = [cache_key(f) for f in files]
    found = {i: entry for i, key in enumerate(keys) if (entry := _lookup(key, memo, cache)) is not None}
    todo = [i for i in range(len(files)) if i not in found]
    workers = _workers(len(todo), jobs)
    convert = _in_pool if workers > 1 else _in_process
    for n, parsed in enumerate(convert([files[i] for i in todo], workers, progress)):
        found[todo[n]] = graded(parsed)
        if cache is not None:
            cache.put(keys[todo[n]], codec.dumps(found[todo[n]]))
    if memo is not None:
        memo.update((key, found[i]) for i, key in enumerate(keys))
    return [found[i] for i in range(len(files))], ParseStats(tuple(keys), len(todo), workers)


def _workers(todo: int, jobs: int | None) -> int:
    """Processes to convert `todo` files with: a pool of up to `jobs` (or `default_jobs`) for many,
    else this one (or none)."""
    jobs = default_jobs() if jobs is None else jobs
    return min(jobs, todo) if jobs > 1 and todo >= POOL_MIN else min(1, todo)


def _lookup(key: str, memo: dict[str, Parsed] | None, cache: ParseCache | None) -> Parsed | None:
    entry = memo.get(key) if memo is not None else None
    return entry if entry is not None or cache is None else cache.get(key)


def _in_process(files: list[SourceFile], workers: int, progress: Progress | None) -> Iterator[Parsed]:
    converter = Converter()
    for i, src in enumerate(files):
        yield parse_source(src, converter)
        if progress:
            progress(i + 1, len(files))


def _in_pool(files: list[SourceFile], workers: int, progress: Progress | None) -> Iterator[Parsed]:
    """Results as they come in, so that the caller's work overlaps the workers'."""
    # Small chunks: the workers finish close together (a chunk of 16 modules left one worker
    # alone for up to 0.7 s at the end), and sending a chunk costs next to nothing.
    size = max(1, min(4, len(files) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        results = pool.map(_convert_one, files, chunksize=size)
        for done, text in enumerate(results, 1):
            yield codec.loads(text, Parsed)
            if progress:
                progress(done, len(files))


def _context() -> multiprocessing.context.BaseContext:
    """`fork` (fast: workers inherit the loaded modules) unless other threads run (a server)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["iopcurr.source.convert"])
        return ctx
    return multiprocessing.get_context("spawn")


def _convert_one(src: SourceFile) -> str:
    """In a worker process: parse one file, return its `Parsed` as JSON text. (A converter costs
    a quarter of a millisecond to make, so each file gets its own.)"""
    return codec.dumps(parse_source(src, Converter()))
