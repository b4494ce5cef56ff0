"""The rule of thirds: a module's segments → a timed session plan that adds up exactly.

A session has three parts (current concerns, topic, practice and summary), each ideally a third
of the time left after the opening and closing rituals. Explicit `minutes=` are kept; the time
that remains goes, a whole minute at a time, to the part furthest below its third among the
parts that have segments without minutes, and is then shared evenly inside each part.
"""

from __future__ import annotations

import math

from iopcurr.errors import Problem
from iopcurr.model import Module, PlanRow, Program, SessionPlan

PART_NAMES = {1: "Current concerns", 2: "Topic", 3: "Practice and summary"}
ROUND_SHARE = 2 / 3  # a go-round may take this share of its segment; the rest is for what it raises


def default_parts(count: int) -> list[int]:
    """First segment part 1, last part 3, the rest part 2 (a lone segment is part 1)."""
    return [1 if i == 0 else 3 if i == count - 1 else 2 for i in range(count)]


def allocate(
    explicit: list[int | None], parts: list[int], available: int
) -> list[int] | None:
    """Minutes for every segment, or None when they cannot add up to `available`."""
    fixed = sum(m for m in explicit if m is not None)
    remaining = available - fixed
    free = [i for i, m in enumerate(explicit) if m is None]
    if remaining < 0 or (not free and remaining != 0):
        return None
    totals = {1: 0, 2: 0, 3: 0}
    for m, p in zip(explicit, parts, strict=True):
        if m is not None:
            totals[p] += m
    free_parts = sorted({parts[i] for i in free})
    gains = dict.fromkeys(free_parts, 0)
    for _ in range(remaining):
        p = min(free_parts, key=lambda q: (totals[q] + gains[q], q))
        gains[p] += 1
    minutes = [m if m is not None else 0 for m in explicit]
    for p in free_parts:
        members = [i for i in free if parts[i] == p]
        base, extra = divmod(gains[p], len(members))
        for rank, i in enumerate(members):
            minutes[i] = base + (1 if rank < extra else 0)
    return minutes


def plan_module(module: Module, program: Program) -> tuple[SessionPlan | None, list[Problem]]:
    """The timed plan of one module, with the problems it has."""
    s = program.session
    segs = module.segments
    if not segs:
        return None, []
    available = s.minutes - s.opening.minutes - s.closing.minutes
    defaults = default_parts(len(segs))
    parts = [seg.third or d for seg, d in zip(segs, defaults, strict=True)]
    explicit = [seg.minutes for seg in segs]
    minutes = allocate(explicit, parts, available)
    frame = (
        f"a {s.minutes}-minute session has {available} minutes for its segments after the "
        f"opening ({s.opening.minutes}) and closing ({s.closing.minutes})"
    )
    if minutes is None:
        fixed = sum(m for m in explicit if m is not None)
        line = next((seg.line for seg in segs if seg.minutes is not None), segs[0].line)
        if fixed > available:
            message = (
                f"the plan of `{module.id}` does not add up: its segments ask for {fixed} minutes, "
                f"but {frame}."
            )
            hint = f"Take {fixed - available} minutes off the `minutes=` of its segments."
        else:
            message = (
                f"the plan of `{module.id}` does not add up: its segments give {fixed} minutes, "
                f"but {frame}."
            )
            hint = (
                f"Add {available - fixed} minutes to a segment, or leave one segment "
                "without `minutes=` to take the rest."
            )
        return None, [Problem(module.path, line, message, "IOP011", hint=hint)]

    problems: list[Problem] = []
    totals = (0, 0, 0)
    totals = tuple(sum(m for m, p in zip(minutes, parts, strict=True) if p == q) for q in (1, 2, 3))  # type: ignore[assignment]
    third = available / 3
    tolerance = program.plan.part_tolerance
    for q in (1, 2, 3):
        if abs(totals[q - 1] - third) > tolerance * third:
            problems.append(
                Problem(
                    module.path,
                    segs[0].line,
                    f"part {q} ({PART_NAMES[q].lower()}) of `{module.id}` has {totals[q - 1]} "
                    f"minutes; a third of the session is about {round(third)}.",
                    "IOP012",
                    "warning",
                    "Move minutes between parts, or mark segments with `third=`.",
                )
            )
    for seg, m in zip(segs, minutes, strict=True):
        if m < program.plan.min_segment_minutes:
            problems.append(
                Problem(
                    module.path,
                    seg.line,
                    f"segment {seg.title!r} gets only {m} minutes.",
                    "IOP013",
                    "warning",
                    f"Give it at least {program.plan.min_segment_minutes} minutes "
                    "or merge it with the segment before.",
                )
            )

    problems += check_go_rounds(module, program, minutes)
    rows = [PlanRow("opening", s.opening.title, None, None, s.start, s.opening.minutes)]
    clock = s.start + s.opening.minutes
    for seg, m, p in zip(segs, minutes, parts, strict=True):
        rows.append(PlanRow("segment", seg.title, seg.anchor, p, clock, m))
        clock += m
    rows.append(PlanRow("closing", s.closing.title, None, None, clock, s.closing.minutes))
    return SessionPlan(module.id, tuple(rows), totals), problems


def check_go_rounds(module: Module, program: Program, minutes: list[int]) -> list[Problem]:
    """A warning for each `go-round=N` segment whose round, `group_size` members of about N
    minutes each, takes more than two thirds of the segment: the rest is for the problem the
    round raises (the problem-solving steps) or the debrief."""
    size = program.schedule.group_size
    out = []
    for seg, m in zip(module.segments, minutes, strict=True):
        if seg.go_round is None or size * seg.go_round <= m * ROUND_SHARE:
            continue
        need, each = size * seg.go_round, f"{seg.go_round:g}"
        out.append(Problem(
            module.path, seg.line,
            f"the go-round of segment {seg.title!r} needs about {need:g} minutes ({size} members, {each} "
            f"each), but only {int(m * ROUND_SHARE)} of its {m} minutes can go to it; the rest is for "
            "what the round raises.", "IOP041", "warning",
            f"Give the segment {math.ceil(round(need / ROUND_SHARE, 6))} minutes or more, ask for less than {each} minutes each, "
            "or invite two or three volunteers instead of the whole group.",
        ))
    return out


def clock(minutes: int, style: str) -> str:
    """Minutes after midnight → `6:05 PM` (12h) or `18:05` (24h); wraps past midnight."""
    minutes %= 24 * 60
    h, m = divmod(minutes, 60)
    if style == "24h":
        return f"{h:02d}:{m:02d}"
    suffix = "AM" if h < 12 else "PM"
    return f"{(h % 12) or 12}:{m:02d} {suffix}"
