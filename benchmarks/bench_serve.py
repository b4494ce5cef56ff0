"""Live preview latency (issues #6, #17): from saving a module to the rebuilt page in the browser.

    python benchmarks/bench_serve.py                  # the bundled curriculum and 100 modules
    python benchmarks/bench_serve.py --sizes 0,1000   # 0 = the bundled curriculum

For each curriculum it starts `iopcurr serve` (its first, full build is not timed), then saves
one module five times, each time with a new sentence, and measures:

- rebuild: the server's own time from the batch of changes to the changed files being written
  (a full build in memory), and the CPU time it used meanwhile (on a shared machine, the wall
  time also says how busy the other processes were);
- served: from the save to an HTTP request getting the page with the new sentence (the benchmark
  asks every 2 ms, which itself slows the server a little); no browser shows the page, so the
  server has no page to render first and this is the whole rebuild;
- browser: from the save to Chromium painting the reloaded page with the new sentence (its
  `first-contentful-paint`), by Chromium's own clock — when /usr/bin/chromium is there. The
  server renders the page a browser shows first, and the rest of the site after the browser has
  reloaded it; the next save waits for the end of that rebuild;
- seen: from the save to Playwright finding the new sentence in the page, which adds its own
  polling after the paint (up to 100–200 ms).

Medians are printed, with the target of issue #17: at 100 modules, the size real programs have,
the browser shows the change within 300 ms of the save.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import REPO, load
from scale import BUNDLED, make_curriculum

CHROMIUM = "/usr/bin/chromium"
EDITS = 5


@dataclass(frozen=True)
class Latency:
    name: str
    modules: int
    rebuild_ms: float
    rebuild_cpu_ms: float
    served_ms: float
    browser_ms: float | None  # the reloaded page painted
    seen_ms: float | None  # Playwright found the sentence
    start_s: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status(port: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/__iopcurr/status.json")
    data: dict[str, Any] = json.loads(conn.getresponse().read())
    conn.close()
    return data


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


def wait_for(test: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.002)


def edit(path: Path, original: str, marker: str) -> None:
    first = original.index("\n## ")
    second = original.index("\n## ", first + 1)
    path.write_text(original[:second] + f"\n\n{marker}\n" + original[second:], "utf-8")


def measure(name: str, cur: Path) -> Latency:
    port = free_port()
    modules = len(list((cur / "modules").glob("*.md")))
    print(f"\n{name}: {modules} modules; {load()}", flush=True)
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "iopcurr", "serve", str(cur), "--port", str(port)],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def up() -> bool:
            try:
                return int(status(port)["builds"]) >= 1
            except OSError:
                return False

        wait_for(up, 1800, "the first build")
        start_s = time.perf_counter() - started
        print(f"  first build and start: {start_s:.1f} s", flush=True)
        files = sorted((cur / "modules").glob("*.md"))
        target = files[len(files) // 2]
        page = f"facilitator/{target.stem}.html"
        original = target.read_text("utf-8")
        try:
            served, rebuilds, cpus = http_latency(port, target, page, original)
            painted, seen = browser_latency(port, target, page, original) if Path(CHROMIUM).exists() else ([], [])
        finally:
            target.write_text(original, "utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = Latency(name, modules, statistics.median(rebuilds), statistics.median(cpus), statistics.median(served),
                     statistics.median(painted) if painted else None, statistics.median(seen) if seen else None,
                     start_s)
    print(f"  rebuild {result.rebuild_ms:.0f} ms (CPU {result.rebuild_cpu_ms:.0f} ms), served {result.served_ms:.0f} ms"
          + (f", painted in the browser {result.browser_ms:.0f} ms" if result.browser_ms is not None else "")
          + (f", seen by Playwright {result.seen_ms:.0f} ms" if result.seen_ms is not None else ""), flush=True)
    return result


def http_latency(port: int, target: Path, page: str, original: str) -> tuple[list[float], list[float], list[float]]:
    served, rebuilds, cpus = [], [], []
    for k in range(EDITS):
        before = int(status(port)["builds"])
        marker = f"A sentence saved by the benchmark, number {k}.".encode()
        saved = time.perf_counter()
        edit(target, original, marker.decode())
        wait_for(lambda m=marker: m in get(port, "/" + page), 30, "the served page")
        served.append(1000 * (time.perf_counter() - saved))
        wait_for(lambda b=before: int(status(port)["builds"]) > b, 30, "the rebuild")
        last = status(port)["last"]
        rebuilds.append(float(last["ms"]))
        cpus.append(float(last["cpu_ms"]))
    return served, rebuilds, cpus


# After a save: when the reloaded page was painted, as a time since the epoch (Chromium's clock
# is the system's).
PAINTED = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const nav = performance.getEntriesByType("navigation")[0];
  return performance.timeOrigin + (paint ? paint.startTime : nav.domContentLoadedEventEnd);
}"""


def browser_latency(port: int, target: Path, page: str, original: str) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    painted, seen = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        tab = browser.new_page()
        tab.goto(f"http://127.0.0.1:{port}/{page}")
        wait_for(lambda: page in status(port)["browsers"], 30, "the live-reload connection")
        for k in range(EDITS):
            marker = f"A sentence the browser waits for, number {k}."
            before = int(status(port)["builds"])
            saved, saved_epoch = time.perf_counter(), time.time()
            edit(target, original, marker)
            tab.wait_for_selector(f"text={marker}", timeout=30_000)
            seen.append(1000 * (time.perf_counter() - saved))
            painted.append(float(tab.evaluate(PAINTED)) - 1000 * saved_epoch)
            wait_for(lambda: page in status(port)["browsers"], 30, "the reconnection")
            # The page shows before the rest of the site is rendered: the next save comes after that
            # (else it would wait for this rebuild to end).
            wait_for(lambda b=before: int(status(port)["builds"]) > b, 30, "the end of the rebuild")
        browser.close()
    return painted, seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,100", help="numbers of modules; 0 = the bundled curriculum")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="iopcurr-bench-serve-"))
    results = []
    try:
        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            if n == 0:
                cur = work / "bundled"
                shutil.copytree(BUNDLED, cur)
                results.append(measure("bundled curriculum", cur))
            else:
                results.append(measure(f"{n} modules", make_curriculum(n, work / f"cur{n}")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nResults (medians of five saves)")
    print(f"{'curriculum':>20} {'modules':>8} {'rebuild':>9} {'CPU':>7} {'served':>9} {'browser':>9} {'seen':>9}")
    for r in results:
        browser = f"{r.browser_ms:.0f} ms" if r.browser_ms is not None else "-"
        seen = f"{r.seen_ms:.0f} ms" if r.seen_ms is not None else "-"
        print(f"{r.name:>20} {r.modules:>8} {r.rebuild_ms:>6.0f} ms {r.rebuild_cpu_ms:>4.0f} ms {r.served_ms:>6.0f} ms "
              f"{browser:>9} {seen:>9}")
    ok = True
    for r in (r for r in results if r.modules >= 100):
        shown = r.browser_ms if r.browser_ms is not None else r.served_ms
        what = "painted in the browser" if r.browser_ms is not None else "served"
        met = shown <= 300 or r.modules > 100  # (the target is for 100 modules; larger sizes are shown)
        print(f"\n[{'met' if met else 'NOT MET'}] {r.modules} modules: {what} {shown:.0f} ms after saving"
              + (" <= 300 ms" if r.modules == 100 else ""))
        ok = ok and met
    print(f"\n{load()}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
