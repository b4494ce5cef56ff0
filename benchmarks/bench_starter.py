"""`iopcurr build` of the `iopcurr new` starter (two modules, two pages): the issue's "one-module
build within 1 s", measured three ways, the checkouts interleaved, the median of the rounds:

- first: a computer's first build (no site, no parse cache, no compiled templates);
- cold:  no site and no parse cache, the templates compiled by an earlier build kept
         (`$XDG_CACHE_HOME/iopcurr/templates`, as after any build on that computer);
- warm:  the site and its cache from the build before (nothing changed).

    python benchmarks/bench_starter.py
    git worktree add --detach /tmp/before <commit>
    python benchmarks/bench_starter.py --before /tmp/before --repeat 9
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import REPO, load, run

WAYS = ("first", "cold", "warm")


def build(checkout: Path, cur: Path, out: Path, xdg: Path) -> float:
    r = run([sys.executable, "-m", "iopcurr", "build", str(cur), "--out", str(out), "-q"],
            cwd=cur.parent, env={"PYTHONPATH": str(checkout), "XDG_CACHE_HOME": str(xdg)})
    assert r.returncode == 0, r.output
    return r.seconds


def rounds(checkouts: dict[str, Path], work: Path, repeat: int) -> dict[tuple[str, str], list[float]]:
    cur = work / "cur"
    r = run([sys.executable, "-m", "iopcurr", "new", str(cur)], cwd=work, env={"PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.output
    times: dict[tuple[str, str], list[float]] = {(name, way): [] for name in checkouts for way in WAYS}
    for n in range(repeat):
        for name, checkout in checkouts.items():
            out, kept = work / f"site-{name}", work / f"xdg-{name}"  # (kept: its templates stay compiled)
            shutil.rmtree(out, ignore_errors=True)
            times[name, "first"].append(build(checkout, cur, out, work / f"xdg-new-{name}-{n}"))
            shutil.rmtree(out)
            build(checkout, cur, out, kept)  # (the first round fills `kept`)
            shutil.rmtree(out)
            times[name, "cold"].append(build(checkout, cur, out, kept))
            times[name, "warm"].append(build(checkout, cur, out, kept))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another checkout of iopcurr to build in the same rounds")
    args = parser.parse_args()
    checkouts = {"iopcurr": REPO, **({"before": args.before.resolve()} if args.before else {})}
    print(load())
    with tempfile.TemporaryDirectory() as tmp:
        times = rounds(checkouts, Path(tmp), args.repeat)
    for name in checkouts:
        figures = "   ".join(f"{way} {statistics.median(times[name, way]):5.2f} s" for way in WAYS)
        print(f"starter, {name:8} {figures}   (median of {args.repeat})")
    print(load())


if __name__ == "__main__":
    main()
