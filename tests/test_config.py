from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml

from iopcurr.source.config import OPTIONS, WEEKDAYS, options_markdown_table, parse_program


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


def test_every_default_in_the_table_is_the_default_parsing_gives() -> None:
    """The documented defaults (OPTIONS) and what `parse_program` makes of an empty program.yml
    cannot drift apart: each default written as YAML is read and compared with the Program."""

    def normal(key: str, value: Any) -> Any:
        if key == "session.start" and isinstance(value, int):  # minutes after midnight
            return f"{value // 60:02d}:{value % 60:02d}"
        if key == "schedule.days" and value and isinstance(value[0], int):
            return [WEEKDAYS[d] for d in value]
        if isinstance(value, dict):
            return sorted((k, float(v)) for k, v in value.items())
        if isinstance(value, tuple | list):
            return [tuple(normal(key, v)) if isinstance(v, tuple) else v for v in value]
        return value

    program, problems = parse_program("")
    assert problems == []
    checked = 0
    for key, option in OPTIONS.items():
        default = option.written
        if default.startswith("(") or "*" in key or "<" in key + default:
            continue  # a default in words, per list item or per language
        value: Any = program
        for part in key.split("."):
            value = getattr(value, part)
        assert normal(key, value) == normal(key, yaml.safe_load(default)), key
        checked += 1
    assert checked >= 30


# ---------------------------------------------------------------- messages that help (issue 23)


def _messages(text: str) -> list[str]:
    return [p.format() for p in parse_program(text)[1]]


def test_a_colon_inside_a_list_item_says_to_quote_it_and_shows_the_line() -> None:
    text = 'title: T\nschedule:\n  rotate: [early-recovery, Anger: management]\n'
    assert _messages(text) == [
        "program.yml:3: error IOP001: a colon inside a list item needs quotes: `Anger: management` is read as a "
        'key and a value. Hint: Write the line as: rotate: [early-recovery, "Anger: management"]'
    ]
    assert parse_program(text)[0].schedule.rotate == ("early-recovery", "Anger: management")  # no second problem


def test_a_colon_inside_a_block_list_item_says_the_same() -> None:
    text = 'title: T\nschedule:\n  rotate:\n    - early-recovery\n    - Anger: management\n'
    assert _messages(text) == [
        "program.yml:5: error IOP001: a colon inside a list item needs quotes: `Anger: management` is read as a "
        'key and a value. Hint: Write the line as: - "Anger: management"'
    ]


def test_a_tab_in_the_indentation_says_use_spaces() -> None:
    assert _messages("title: T\nsession:\n\tminutes: 90\n") == [
        "program.yml:3:1: error IOP001: tabs cannot indent YAML; use spaces. Hint: Indent with spaces only "
        "(two per level); most editors can turn tabs into spaces."
    ]


def test_a_date_that_does_not_exist_is_reported_at_its_key() -> None:
    text = "title: T\nschedule:\n  weeks: 4\n  first_date: 2027-02-30\n"
    program, problems = parse_program(text)
    assert [p.format() for p in problems] == [
        "program.yml:4: error IOP004: `schedule.first_date` is not a real date: 2027-02-30. "
        "Hint: February 2027 has 28 days: write a day from 1 to 28."
    ]
    assert program.schedule.first_date is None and program.schedule.weeks == 4  # the rest is read
    assert _messages("schedule:\n  skip: [2027-01-18, 2027-13-01]\n") == [
        "program.yml:2: error IOP004: `schedule.skip.1` is not a real date: 2027-13-01 has no month 13. "
        "Hint: Write the date as YYYY-MM-DD, the month from 01 to 12."
    ]


# ---------------------------------------------------------------- clean errors (issue 18)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-30", "1899-12-31", "2201-01-01"])
def test_first_date_outside_the_calendar_years_is_a_problem(day: str) -> None:
    program, problems = parse_program(f"title: T\nschedule:\n  first_date: {day}\n")
    assert [p.format() for p in problems] == [
        f"program.yml:3: error IOP031: `schedule.first_date` must be a date between 1900 and 2200, not {day}. "
        "Hint: Check the year."
    ]
    assert program.schedule.first_date is None


BILLION_LAUGHS = (
    "title: T\n"
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    + "crisis: [{name: X, contact: *i}]\n"
)


def test_yaml_aliases_that_expand_too_far_are_refused_at_their_key() -> None:
    program, problems = parse_program(BILLION_LAUGHS)
    assert [p.format() for p in problems] == [
        "program.yml:11: error IOP030: the YAML aliases (`*name`) under `crisis` expand to 3,395,982,769 characters, "
        "3,395,982,673 more than written; at most 100,000 may come from aliases. Hint: Write the text out instead "
        "of repeating an alias; aliases of aliases multiply."
    ]
    assert program.title == "Group Program"  # nothing of the document is used


def test_a_few_aliases_are_fine_and_an_alias_in_its_own_anchor_is_refused() -> None:
    program, problems = parse_program(
        "title: T\nsession:\n  opening: &ritual {title: Round, minutes: 5, text: One word each.}\n  closing: *ritual\n"
    )
    assert problems == [] and program.session.closing.title == "Round"
    assert _messages("title: T\nloop: &a [*a]\n") == [
        "program.yml:2: error IOP030: an alias (`*name`) is used inside its own anchor (`&name`), so the value "
        "never ends. Hint: Write the value out instead."
    ]
