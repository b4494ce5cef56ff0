"""Many source files → their `Parsed` values: from memory, from the cache, or converted — in this
process for a few files, in a pool of worker processes (one per core) for many.

Worker processes return their results as JSON text (`codec`), which the parent decodes and
stores in the cache as it is. The reading grades of handouts are worked out in the parent while
the workers convert: textstat's dictionary is large, and one copy of it is enough.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from iopcurr.output.cache import ParseCache
from iopcurr.plan.checks import measure
from iopcurr.source import codec
from iopcurr.source.loader import SourceFile
from iopcurr.source.markup import Converter
from iopcurr.source.parsed import Cached, Parsed, cache_key, grades_of, parse_source, with_grades

POOL_MIN = 24  # fewer files than this to convert: stay in this process (workers take time to start)
Progress = Callable[[int, int], None]  # (files done, files to convert)


@dataclass(frozen=True)
class ParseStats:
    keys: tuple[str, ...]  # the cache key of every file, in order
    reused: int  # from memory or the cache
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


def parse_all(
    files: Sequence[SourceFile],
    *,
    cache: ParseCache | None = None,
    memo: dict[str, Cached] | None = None,
    converter: Converter | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> tuple[list[Parsed], ParseStats]:
    """The `Parsed` of every file, in order. New results go into `memo` and `cache`."""
    keys = [cache_key(f) for f in files]
    found: list[Cached | None] = []
    for key in keys:
        entry = memo.get(key) if memo is not None else None
        if entry is None and cache is not None:
            entry = cache.get(key)
        found.append(entry)
    todo = [i for i, entry in enumerate(found) if entry is None]
    jobs = default_jobs() if jobs is None else jobs
    workers = 0
    if todo:
        use_pool = jobs > 1 and len(todo) >= POOL_MIN
        workers = min(jobs, len(todo)) if use_pool else 1
        convert = _in_pool if use_pool else _in_process
        known = cache.load_grades() if cache is not None else {}
        for i, parsed, text in convert([files[i] for i in todo], workers, converter, progress):
            if parsed is None:
                parsed = codec.loads(text, Parsed)
            grades = grades_of(parsed, known)  # an edit seldom changes every handout
            if cache is not None:
                # The same text as codec.dumps(Cached(parsed, grades)), without encoding twice.
                cache.put(keys[todo[i]], f"[{text or codec.dumps(parsed)},{codec.dumps(grades)}]")
            found[todo[i]] = Cached(parsed, grades)
    results: list[Parsed] = []
    for key, entry in zip(keys, found, strict=True):
        assert entry is not None
        if memo is not None:
            memo[key] = entry
        results.append(with_grades(entry.parsed, entry.grades))
    return results, ParseStats(tuple(keys), len(files) - len(todo), len(todo), workers)


_Done = tuple[int, Parsed | None, str]  # (index, the result or "", or None and its JSON)


def _in_process(files: list[SourceFile], workers: int, converter: Converter | None,
                progress: Progress | None) -> Iterator[_Done]:
    converter = converter or Converter()
    for i, src in enumerate(files):
        yield i, parse_source(src, converter), ""
        if progress:
            progress(i + 1, len(files))


def _in_pool(files: list[SourceFile], workers: int, converter: Converter | None,
             progress: Progress | None) -> Iterator[_Done]:
    """Results as they come in, so that the caller's work overlaps the workers'."""
    # Small chunks: the workers finish close together (a chunk of 16 modules left one worker
    # alone for up to 0.7 s at the end), and sending a chunk costs next to nothing.
    size = max(1, min(4, len(files) // (workers * 4)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        results = pool.map(_convert_chunk, chunks)
        if any(f.kind == "module" for f in files):  # textstat's dictionary, loaded while the workers convert
            measure("Load the dictionary now while the workers are busy.")
        for texts in results:
            for text in texts:
                yield done, None, text
                done += 1
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


def _convert_chunk(files: list[SourceFile]) -> list[str]:
    """In a worker process: parse some files, return each `Parsed` as JSON text. (A converter
    costs under a millisecond to make, so each chunk makes its own.)"""
    converter = Converter()
    return [codec.dumps(parse_source(src, converter)) for src in files]
