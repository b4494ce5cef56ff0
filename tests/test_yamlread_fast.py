"""Front matter and program.yml read by libyaml give what the pure-Python reader gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from iopcurr import yamlread

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
