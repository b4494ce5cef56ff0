"""What the program calendar costs: the schedule model, the session and schedule pages and the
iCalendar file, for the bundled program and for the largest calendar program.yml allows
(104 weeks x 7 group days = 728 sessions).

    python benchmarks/bench_schedule.py

Prints seconds per stage (best of 3) and, for scale, the whole in-memory build of the same
curriculum. Target: the calendar adds well under a third of a build, and 728 sessions cost
about 728/36 times the bundled calendar (linear in the number of sessions).
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import best_time  # noqa: E402

from iopcurr.pipeline import run  # noqa: E402
from iopcurr.plan.schedule import build_schedule  # noqa: E402
from iopcurr.render.pages import load_theme, site_context  # noqa: E402
from iopcurr.render.runsheet import run_sheets  # noqa: E402
from iopcurr.render.sessionpages import Calendar, render_calendar  # noqa: E402


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    return best_time(fn, repeat, clock=time.perf_counter)  # wall-clock time


def measure(source: Path, label: str) -> None:
    whole = best(lambda: run(source), repeat=1)
    result = run(source)
    assert result.ok, [p.format() for p in result.problems]
    cur = result.curriculum
    assert cur is not None
    theme = load_theme(None)
    t_model = best(lambda: build_schedule(cur.program, cur.modules))
    schedule, _ = build_schedule(cur.program, cur.modules)
    ctx = site_context(cur, result.plans, theme, schedule, None)
    cal = Calendar(ctx, schedule, run_sheets(cur, result.plans, schedule))
    t_pages = best(lambda: list(render_calendar(cal)))
    n = len(schedule.sessions)
    print(f"{label}: {n} sessions | schedule model {t_model * 1000:.1f} ms | session pages + schedule.html "
          f"+ schedule.ics {t_pages * 1000:.0f} ms ({t_pages / n * 1000:.2f} ms per session) | "
          f"whole build in memory {whole:.2f} s")


def main() -> None:
    measure(ROOT / "curriculum", "bundled")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "cur"
        shutil.copytree(ROOT / "curriculum", big)
        yml = big / "program.yml"
        text = re.sub(r"  weeks: \d+", "  weeks: 104", yml.read_text())
        text = re.sub(r"  days: \[[^\]]*\]", "  days: [mon, tue, wed, thu, fri, sat, sun]", text)
        text = re.sub(r"  streams:\n(    .*\n)+", "", text)  # every module rotates on every day
        yml.write_text(text)
        measure(big, "largest (104 weeks x 7 days)")


if __name__ == "__main__":
    main()
