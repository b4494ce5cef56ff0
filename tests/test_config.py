from __future__ import annotations

import dataclasses

import pytest

from iopcurr.config import OPTIONS, options_markdown_table, parse_program


def test_three_line_program_gets_documented_defaults() -> None:
    program, problems = parse_program("title: T\norganization: O\nlanguage: en\n")
    assert problems == []
    assert program.session.minutes == 90
    assert program.session.start == 18 * 60
    assert program.session.opening.minutes == 5 and program.session.closing.minutes == 5
    assert program.handouts.paper == "letter" and program.handouts.max_grade == 7
    assert [c.contact for c in program.crisis][:2] == ["Call or text 988", "1-800-662-4357"]
    assert program.schedule.days == (0, 2, 3)  # mon, wed, thu


def test_empty_program_is_valid() -> None:
    program, problems = parse_program("")
    assert problems == [] and program.title == "Group Program"


def test_program_is_immutable() -> None:
    program, _ = parse_program("title: T\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        program.title = "x"  # type: ignore[misc]


def test_unknown_key_names_line_and_suggests() -> None:
    _, problems = parse_program("title: T\nsesion:\n  minutes: 60\n")
    assert len(problems) == 1
    p = problems[0]
    assert (p.line, p.code) == (2, "IOP003")
    assert "unknown key `sesion`" in p.message and "Did you mean `session`?" in p.hint


def test_unknown_nested_key_suggests() -> None:
    _, problems = parse_program("session:\n  minuts: 60\n")
    assert problems[0].message == "unknown key `session.minuts`."
    assert problems[0].hint == "Did you mean `minutes`?"
    assert problems[0].line == 2


def test_wrong_type_names_key_file_and_line() -> None:
    _, problems = parse_program("title: T\nsession:\n  minutes: ninety\n", "cur/program.yml")
    assert [p.format() for p in problems] == [
        "cur/program.yml:3: error IOP004: `session.minutes` must be a whole number, not 'ninety'."
    ]


def test_bad_start_time_and_paper() -> None:
    _, problems = parse_program('session:\n  start: "25:00"\nhandouts:\n  paper: A5\n')
    messages = [p.message for p in problems]
    assert any("session.start" in m for m in messages)
    assert any("`handouts.paper` must be one of letter, a4" in m for m in messages)


def test_malformed_yaml_reports_line_and_column() -> None:
    _, problems = parse_program("title: T\nsession: [unclosed\n")
    assert problems[0].code == "IOP001" and problems[0].line is not None and problems[0].column


def test_all_problems_reported_together() -> None:
    _, problems = parse_program("titel: x\nsession:\n  minutes: x\nhandouts:\n  paper: b5\n")
    assert {p.code for p in problems} == {"IOP003", "IOP004"}
    assert len(problems) == 3


def test_rituals_longer_than_session_is_an_error() -> None:
    text = "session:\n  minutes: 10\n  opening: {minutes: 5}\n  closing: {minutes: 5}\n"
    _, problems = parse_program(text)
    assert [p.code for p in problems] == ["IOP011"]


def test_tracks_parsed_in_order_with_lines() -> None:
    text = "tracks:\n  - id: a\n    modules: [x, y]\n  - id: b\n    title: Bee\n"
    program, problems = parse_program(text)
    assert problems == []
    assert [(t.id, t.title, t.modules) for t in program.tracks] == [("a", "A", ("x", "y")), ("b", "Bee", ())]
    assert program.line_of("tracks.1.title") == 5


def test_every_option_is_documented_in_the_table() -> None:
    table = options_markdown_table()
    for key in OPTIONS:
        assert f"`{key}`" in table
