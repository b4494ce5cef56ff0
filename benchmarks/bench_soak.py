"""Preview soak (issue 18): does `iopcurr serve` hold its memory over many saves?

    python benchmarks/bench_soak.py                     # 100 modules, 300 saves
    python benchmarks/bench_soak.py --modules 0 --saves 60   # 0 = the bundled curriculum

Starts `iopcurr serve`, waits for its first build, and notes its resident memory (RSS, from
/proc). Then it saves, in turn: a module with a new sentence, program.yml with a new title, and a
new module file (added on one turn, removed on the next), waiting after each save for the rebuild
it causes. It prints the memory every 50 saves and at the end, and the target: at most 1.3 times
the memory after the first build.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import REPO, load
from scale import BUNDLED, make_curriculum

TARGET = 1.3
EXTRA = """---
title: A Module Added While Serving
summary: Added and removed by the soak benchmark.
objectives:
  - Notice that the preview picks up a new file.
  - Notice that it lets go of a removed one.
---

Overview for the facilitator.

## Check-in {{minutes=30}}

::: script
"Save {n}."
:::

## Topic

Talk about the topic.

## Practice and wrap-up

::: homework
Practise once.
:::
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status(port: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/__iopcurr/status.json")
    data: dict[str, Any] = json.loads(conn.getresponse().read())
    conn.close()
    return data


def builds(port: int) -> int:
    try:
        return int(status(port)["builds"])
    except OSError:
        return 0


def wait_for_build(port: int, after: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while builds(port) <= after:
        if time.monotonic() > deadline:
            raise SystemExit(f"no rebuild after build {after}")
        time.sleep(0.01)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def save(cur: Path, n: int, module: Path, module_text: str, program_text: str) -> None:
    """Save number `n`: a module, program.yml, or a module file added or removed, in turn."""
    kind = n % 3
    if kind == 0:
        module.write_text(module_text.replace("\n## ", f"\n\nA sentence saved by the soak, number {n}.\n\n## ", 1), "utf-8")
    elif kind == 1:
        program_text = program_text.replace("title:", f"title: Soak {n} -", 1)
        (cur / "program.yml").write_text(program_text, "utf-8")
    else:
        extra = cur / "modules" / "soak-extra.md"
        if extra.exists():
            extra.unlink()
        else:
            extra.write_text(EXTRA.format(n=n), "utf-8")


def soak(cur: Path, saves: int) -> tuple[float, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "iopcurr", "serve", str(cur), "--port", str(port)],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_build(port, 0, timeout=1800)
        first = rss_mb(server.pid)
        print(f"  after the first build: {first:.0f} MB", flush=True)
        module = sorted((cur / "modules").glob("*.md"))[0]
        module_text, program_text = module.read_text("utf-8"), (cur / "program.yml").read_text("utf-8")
        started = time.perf_counter()
        for n in range(1, saves + 1):
            before = builds(port)
            save(cur, n, module, module_text, program_text)
            wait_for_build(port, before)
            if n % 50 == 0:
                print(f"  after {n} saves: {rss_mb(server.pid):.0f} MB "
                      f"({(time.perf_counter() - started) / n * 1000:.0f} ms a save)", flush=True)
        time.sleep(2)  # whatever a rebuild leaves for later
        return first, rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=100, help="modules; 0 = the bundled curriculum")
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="iopcurr-bench-soak-"))
    try:
        if args.modules:
            cur = make_curriculum(args.modules, work / "cur")
        else:
            cur = work / "cur"
            shutil.copytree(BUNDLED, cur)
        count = len(list((cur / "modules").glob("*.md")))
        print(f"{count} modules, {args.saves} saves; {load()}", flush=True)
        first, last = soak(cur, args.saves)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = last / first
    met = ratio <= TARGET
    print(f"\nRSS after the first build {first:.0f} MB, after {args.saves} saves {last:.0f} MB: {ratio:.2f} x")
    print(f"[{'met' if met else 'NOT MET'}] memory after {args.saves} saves <= {TARGET} x the memory after the first build")
    print(load())
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
