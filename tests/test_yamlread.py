"""YAML with line numbers: a colon in a list item, and a date that does not exist."""

from __future__ import annotations

from iopcurr.source import yamlread


def test_a_colon_in_a_list_item_is_read_as_the_text_meant_and_braces_are_kept() -> None:
    value, lines, problems = yamlread.load_yaml("materials: [Whiteboard, Handout: My Plan]\n", "m.md", 2)
    assert value == {"materials": ["Whiteboard", "Handout: My Plan"]} and lines["materials.1"] == 2
    assert [p.message for p in problems] == ["a colon inside a list item needs quotes: `Handout: My Plan` is read as a key and a value."]
    assert yamlread.load_yaml("pins: [{orientation: 1}]\ntracks:\n  - id: a\n", "p.yml") == (
        {"pins": [{"orientation": 1}], "tracks": [{"id": "a"}]}, {"pins": 1, "pins.0": 1, "pins.0.orientation": 1,
                                                               "tracks": 2, "tracks.0": 3, "tracks.0.id": 3}, [])


def test_a_date_that_does_not_exist_stays_text_for_its_key_to_report() -> None:
    value, lines, problems = yamlread.load_yaml("a: 1\nfirst_date: 2027-02-30\n", "p.yml")
    assert value == {"a": 1, "first_date": "2027-02-30"} and lines["first_date"] == 2 and problems == []


def test_a_key_written_twice_is_an_error_at_the_second() -> None:
    """PyYAML keeps the last of two equal keys without a word: the first block's settings are lost."""
    text = "title: A\ntheme:\n  accent: '#111111'\ncrisis:\n  - name: a\n    name: b\ntheme:\n  override: x\n"
    _, _, problems = yamlread.load_yaml(text, "program.yml")
    assert sorted(p.format() for p in problems) == [
        "program.yml:6:5: error IOP001: `name` is written twice (also at line 5); only one is read. "
        "Hint: Merge the two `name:` into one.",
        "program.yml:7:1: error IOP001: `theme` is written twice (also at line 2); only one is read. "
        "Hint: Merge the two `theme:` into one.",
    ]
    assert yamlread.load_yaml("a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n", "p.yml")[2] == []  # a merge key is not a repeat
