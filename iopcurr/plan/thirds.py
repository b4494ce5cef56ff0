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


def allocate(explicit: list[int | None], parts: list[int], available: int) -> list[int] | None:
    """Minutes for every segment, or None when they cannot add up to `available`."""
    remaining = available - sum(m or 0 for m in explicit)
    free = [i for i, m in enumerate(explicit) if m is None]
    if remaining < 0 or (not free and remaining != 0):
        return None
    minutes = [m or 0 for m in explicit]
    gains = _part_gains(_part_totals(minutes, parts), {parts[i] for i in free}, remaining)
    for p, gain in gains.items():
        members = [i for i in free if parts[i] == p]
        for i, m in zip(members, _even(gain, len(members)), strict=True):
            minutes[i] = m
    return minutes


def _part_totals(minutes: list[int], parts: list[int]) -> tuple[int, int, int]:
    """The minutes of parts 1, 2 and 3."""
    one, two, three = (sum(m for m, p in zip(minutes, parts, strict=True) if p == q) for q in (1, 2, 3))
    return one, two, three


def _part_gains(totals: tuple[int, int, int], free_parts: set[int], remaining: int) -> dict[int, int]:
    """The `remaining` minutes of each part in `free_parts`, given a minute at a time to the part
    with the fewest so far (`totals` and what it got), the lower part first on a tie."""
    gains = dict.fromkeys(sorted(free_parts), 0)
    for _ in range(remaining):
        p = min(gains, key=lambda q: (totals[q - 1] + gains[q], q))
        gains[p] += 1
    return gains


def _even(total: int, count: int) -> list[int]:
    """`total` shared out evenly among `count`, the first ones one more when it does not divide."""
    base, extra = divmod(total, count)
    return [base + 1] * extra + [base] * (count - extra)


def plan_module(module: Module, program: Program) -> tuple[SessionPlan | None, list[Problem]]:
    """The timed plan of one module, with the problems it has."""
    s = program.session
    segs = module.segments
    if not segs:
        return None, []
    available = s.minutes - s.opening.minutes - s.closing.minutes
    parts = [seg.third or d for seg, d in zip(segs, default_parts(len(segs)), strict=True)]
    minutes = allocate([seg.minutes for seg in segs], parts, available)
    if minutes is None:
        return None, [_sum_problem(module, program, available)]
    totals = _part_totals(minutes, parts)
    problems = _part_problems(module, program, totals, available)
    problems += [
        Problem(
            module.path, seg.line, f"segment {seg.title!r} gets only {m} minutes.", "IOP013", "warning",
            f"Give it at least {program.plan.min_segment_minutes} minutes or merge it with the segment before.",
        )
        for seg, m in zip(segs, minutes, strict=True)
        if m < program.plan.min_segment_minutes
    ]
    problems += check_go_rounds(module, program, minutes)
    rows = [PlanRow("opening", s.opening.title, None, None, s.start, s.opening.minutes)]
    for seg, m, p in zip(segs, minutes, parts, strict=True):
        rows.append(PlanRow("segment", seg.title, seg.anchor, p, rows[-1].end, m))
    rows.append(PlanRow("closing", s.closing.title, None, None, rows[-1].end, s.closing.minutes))
    return SessionPlan(module.id, tuple(rows), totals), problems


def _sum_problem(module: Module, program: Program, available: int) -> Problem:
    """IOP011: the `minutes=` of the segments cannot add up to the time they have."""
    s = program.session
    fixed = sum(seg.minutes or 0 for seg in module.segments)
    line = next((seg.line for seg in module.segments if seg.minutes is not None), module.segments[0].line)
    if fixed > available:
        hint = f"Take {fixed - available} minutes off the `minutes=` of its segments."
    else:
        hint = (f"Add {available - fixed} minutes to a segment, or leave one segment "
                "without `minutes=` to take the rest.")
    message = (
        f"the plan of `{module.id}` does not add up: its segments "
        f"{'ask for' if fixed > available else 'give'} {fixed} minutes, but a {s.minutes}-minute "
        f"session has {available} minutes for its segments after the opening ({s.opening.minutes}) "
        f"and closing ({s.closing.minutes})."
    )
    return Problem(module.path, line, message, "IOP011", hint=hint)


def _part_problems(module: Module, program: Program, totals: tuple[int, ...], available: int) -> list[Problem]:
    """IOP012: a part far from a third of the time the segments have."""
    third = available / 3
    return [
        Problem(
            module.path, module.segments[0].line,
            f"part {q} ({PART_NAMES[q].lower()}) of `{module.id}` has {total} "
            f"minutes; a third of the session is about {round(third)}.",
            "IOP012", "warning", "Move minutes between parts, or mark segments with `third=`.",
        )
        for q, total in enumerate(totals, start=1)
        if abs(total - third) > program.plan.part_tolerance * third
    ]


def check_go_rounds(module: Module, program: Program, minutes: list[int]) -> list[Problem]:
    """A warning for each `go-round=N` segment whose round, `group_size` members of about N
    minutes each, takes more than two thirds of the segment: the rest is for the problem the
    round raises (the problem-solving steps) or the debrief."""
    size = program.schedule.group_size
    return [
        Problem(
            module.path, seg.line,
            f"the go-round of segment {seg.title!r} needs about {size * seg.go_round:g} minutes ({size} members, "
            f"{seg.go_round:g} each), but only {int(m * ROUND_SHARE)} of its {m} minutes can go to it; the rest is "
            "for what the round raises.", "IOP041", "warning",
            f"Give the segment {math.ceil(round(size * seg.go_round / ROUND_SHARE, 6))} minutes or more, ask for less "
            f"than {seg.go_round:g} minutes each, or invite two or three volunteers instead of the whole group.",
        )
        for seg, m in zip(module.segments, minutes, strict=True)
        if seg.go_round is not None and size * seg.go_round > m * ROUND_SHARE
    ]


def clock(minutes: int, style: str) -> str:
    """Minutes after midnight → `6:05 PM` (12h) or `18:05` (24h); wraps past midnight."""
    h, m = divmod(minutes % (24 * 60), 60)
    if style == "24h":
        return f"{h:02d}:{m:02d}"
    return f"{(h % 12) or 12}:{m:02d} {'AM' if h < 12 else 'PM'}"
