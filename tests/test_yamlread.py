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
