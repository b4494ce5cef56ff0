"""Front matter and program.yml read by libyaml give what the pure-Python reader gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from iopcurr.source import yamlread

REPO = Path(__file__).resolve().parent.parent


def _texts() -> list[str]:
    texts = [(REPO / "curriculum" / "program.yml").read_text("utf-8")]
    for p in sorted((REPO / "curriculum" / "modules").glob("*.md")):
        text = p.read_text("utf-8")
        texts.append(text[4 : text.index("\n---", 3)])
    return texts


def test_libyaml_is_there_and_used(monkeypatch: pytest.MonkeyPatch) -> None:
    assert yamlread._CLOADER is not None, "PyYAML without libyaml: every module's front matter reads 10x slower"
    calls = []
    monkeypatch.setattr(yamlread, "_CLOADER", lambda text: calls.append(text) or yamlread.yaml.CSafeLoader(text))
    yamlread.load_yaml("title: A\n", "x.md")
    assert calls == ["title: A\n"]


@pytest.mark.parametrize("text", _texts()[:8])
def test_same_values_and_lines_as_the_pure_python_reader(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = yamlread.load_yaml(text, "x.md", 2)
    monkeypatch.setattr(yamlread, "_CLOADER", None)
    slow = yamlread.load_yaml(text, "x.md", 2)
    assert fast == slow and fast[1] and not fast[2]


@pytest.mark.parametrize("text", ["a: [1, 2\n", "a: b: c\n", "x: \x07\n", "a: *nowhere\n", "- a\nb: 1\n"])
def test_broken_yaml_gets_the_pure_python_readers_message(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = yamlread.load_yaml(text, "x.md")
    monkeypatch.setattr(yamlread, "_CLOADER", None)
    assert fast == yamlread.load_yaml(text, "x.md")
    assert fast[0] is None and fast[2][0].code == "IOP001"


@pytest.mark.parametrize("text", [
    "materials: [Whiteboard, Handout: My Plan]\n",
    "materials:\n  - Whiteboard\n  - Handout: My Plan\n",
    "first_date: 2027-02-30\nskip: [0000-01-01]\n",
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcd", "bcde", strict=True)),
    "session:\n\tminutes: 90\n",
    'a: !!timestamp "soon"\nb: !!timestamp [1]\n',
])
def test_both_readers_give_the_same_problems_for_author_mistakes(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = yamlread.load_yaml(text, "x.md", 2)
    monkeypatch.setattr(yamlread, "_CLOADER", None)
    assert fast == yamlread.load_yaml(text, "x.md", 2)


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
