"""Helpers for the benchmarks: run a command and measure its wall time and peak memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float  # highest sum of the resident memory of the process and its children
    output: str
    returncode: int
    cpu: float = 0.0  # user + system seconds of the process and its children
    peak_pss_mb: float = 0.0  # highest sum of their proportional set sizes


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _rollup_kb(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of a process from /proc/<pid>/smaps_rollup, in kB; (0, 0) if it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _tree_kb(pid: int) -> tuple[int, int]:
    """(Rss, Pss) summed over a process and all its descendants, in kB."""
    rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        figures = _rollup_kb(p)
        rss, pss = rss + figures[0], pss + figures[1]
        todo += _children(p)
    return rss, pss


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (pages the workers share with
    the process they were forked from are counted in each, so this errs on the high side)."""
    return _tree_kb(pid)[0] / 1024


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants, in MB: each shared page counted
    once, split between the processes that share it (the memory the build really takes)."""
    return _tree_kb(pid)[1] / 1024


def run(args: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """Run a command, sampling the memory of its process tree every 10 ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})})
    peak = peak_pss = 0.0
    stop = threading.Event()

    def sample() -> None:
        # The peak is the most memory held over two samples in a row (20 ms or more). A single
        # sample can count a process twice: a child that subprocess has started but not yet
        # exec()ed runs in its parent's memory and reports it as its own (once 415 MB for a
        # 290 MB build); that window lasts microseconds, never two samples.
        nonlocal peak, peak_pss
        last = (0, 0)
        while not stop.is_set():
            now = _tree_kb(proc.pid)
            peak = max(peak, min(now[0], last[0]) / 1024)
            peak_pss = max(peak_pss, min(now[1], last[1]) / 1024)
            last = now
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(seconds, peak, output, proc.returncode, cpu, peak_pss)


def iopcurr(*args: str, env: dict[str, str] | None = None) -> Run:
    """`python -m iopcurr ...` from this checkout."""
    result = run([sys.executable, "-m", "iopcurr", *args], env=env)
    if result.returncode not in (0, 1):
        raise SystemExit(f"iopcurr {' '.join(args)} failed:\n{result.output}")
    return result


def best_time(fn: Callable[[], object], repeat: int = 3, clock: Callable[[], float] = time.process_time) -> float:
    """The least time of `repeat` calls of `fn` in this process, in seconds (CPU time unless
    another `clock` is given)."""
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"
