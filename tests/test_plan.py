from __future__ import annotations

from iopcurr.model import Module, Segment
from iopcurr.plan.thirds import allocate, clock, default_parts, plan_module
from iopcurr.source.config import parse_program


def seg(title: str, minutes: int | None = None, third: int | None = None, line: int = 1) -> Segment:
    return Segment(title, title, title.lower(), minutes, third, line, "")


def module(*segments: Segment) -> Module:
    return Module("m", "m.md", "M", None, "", (), (), (), "", segments, (), ())


PROGRAM, _ = parse_program("title: T\n")  # 90 minutes, 5 + 5 rituals, start 18:00


def test_default_parts() -> None:
    assert default_parts(1) == [1]
    assert default_parts(2) == [1, 3]
    assert default_parts(5) == [1, 2, 2, 2, 3]


def test_no_minutes_gives_even_thirds() -> None:
    # ties go to the earlier part, one whole minute at a time
    assert allocate([None, None, None], [1, 2, 3], 80) == [27, 27, 26]
    assert allocate([None, None, None, None], [1, 2, 2, 3], 81) == [27, 14, 13, 27]


def test_explicit_minutes_are_kept_and_rest_balances_parts() -> None:
    # part 1 fixed at 30; parts 2 and 3 share 50 as evenly as possible
    assert allocate([30, None, None, None], [1, 2, 2, 3], 80) == [30, 13, 12, 25]


def test_remaining_time_goes_to_the_part_furthest_below_a_third() -> None:
    # part 2 has 40 explicit, so the 40 left go first to part 1 and part 3
    minutes = allocate([None, 40, None], [1, 2, 3], 80)
    assert minutes == [20, 40, 20]


def test_cannot_add_up() -> None:
    assert allocate([50, 40], [1, 3], 80) is None  # too many
    assert allocate([20, 20], [1, 3], 80) is None  # all explicit, too few
    assert allocate([40, 40], [1, 3], 80) == [40, 40]


def test_plan_adds_up_with_rituals_and_clock_times() -> None:
    plan, problems = plan_module(module(seg("A"), seg("B"), seg("C")), PROGRAM)
    assert plan is not None and problems == []
    assert plan.total == 90
    assert [r.kind for r in plan.rows] == ["opening", "segment", "segment", "segment", "closing"]
    assert plan.rows[1].start == 18 * 60 + 5
    assert plan.rows[-1].end == 18 * 60 + 90
    assert sum(plan.parts) == 80


def test_too_many_minutes_error_names_module_and_numbers() -> None:
    plan, problems = plan_module(module(seg("A", 50, line=7), seg("B", 40)), PROGRAM)
    assert plan is None
    (p,) = problems
    assert p.code == "IOP011" and p.line == 7
    assert p.message == (
        "the plan of `m` does not add up: its segments ask for 90 minutes, but a 90-minute session "
        "has 80 minutes for its segments after the opening (5) and closing (5)."
    )
    assert p.hint == "Take 10 minutes off the `minutes=` of its segments."


def test_all_explicit_and_short_is_an_error() -> None:
    plan, problems = plan_module(module(seg("A", 20), seg("B", 20)), PROGRAM)
    assert plan is None and "give 40 minutes" in problems[0].message
    assert problems[0].hint.startswith("Add 40 minutes")


def test_lopsided_part_and_starved_segment_warn() -> None:
    plan, problems = plan_module(module(seg("A", 2), seg("B"), seg("C", 8)), PROGRAM)
    assert plan is not None and plan.total == 90
    codes = sorted(p.code for p in problems)
    assert "IOP012" in codes and "IOP013" in codes
    assert all(p.severity == "warning" for p in problems)


def test_third_attribute_moves_a_segment() -> None:
    plan, _ = plan_module(module(seg("A"), seg("B"), seg("C", third=3), seg("D")), PROGRAM)
    assert plan is not None
    assert [r.part for r in plan.rows if r.kind == "segment"] == [1, 2, 3, 3]


def test_clock_formats_and_wraps_midnight() -> None:
    assert clock(18 * 60 + 5, "12h") == "6:05 PM"
    assert clock(0, "12h") == "12:00 AM" and clock(12 * 60, "12h") == "12:00 PM"
    assert clock(23 * 60 + 50 + 20, "24h") == "00:10"
