"""Control characters that YAML escapes put into program.yml and front matter strings
(`"\\x0b"`, `"\\x0c"`, `"\\x85"`, `"\\x1b"`, ...) reach neither the pages nor the calendar."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import build
from iopcurr.plan.safety import without_controls

PROGRAM = r'''title: "Group\x1b[31m One\x0bTwo"
organization: "Clinic\x85North\x0cSouth\x07"
language: en
schedule:
  weeks: 1
  days: [mon]
  first_date: 2027-01-04
crisis:
  - name: "Crisis\x1b]0;owned\x07 Line"
    contact: "Call\x0b988"
    note: "Free\x85always."
'''
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def test_yaml_escapes_reach_no_page_and_no_calendar(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    title = r'title: "Alpha\x1b[2J Module\x0c"'
    src = make_curriculum(program=PROGRAM, modules={"alpha": module_text("alpha").replace("title: Alpha", title, 1)})
    out = tmp_path / "site"
    result = build(src, out)
    assert result.ok, [p.format() for p in result.problems]
    texts = {p.relative_to(out).as_posix(): p.read_text("utf-8")
             for p in out.rglob("*") if p.suffix in (".html", ".ics")}
    assert "schedule.ics" in texts and "index.html" in texts
    dirty = {name: sorted(set(CONTROLS.findall(text))) for name, text in texts.items() if CONTROLS.search(text)}
    assert dirty == {}
    assert "Group[31m One Two" in texts["index.html"]  # word-separating ones become spaces
    assert "Clinic North South" in texts["index.html"]
    assert "SUMMARY:Alpha[2J Module" in texts["schedule.ics"]


def test_without_controls() -> None:
    plain = "Tab\tand\nnewline stay"
    assert without_controls(plain) is plain
    assert without_controls("a\x0bb\x0cc\x85d\x1be\x07f\x00g\x7fh\x9b") == "a b c de" + "fgh"


def test_surrogate_escapes_in_yaml_build(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    # JSON-style escapes of an emoji (a surrogate pair) and a lone surrogate, as YAML reads them
    program = 'title: "Group \\ud83d\\ude00"\norganization: "Clinic \\ud800"\nlanguage: en\n'
    module = module_text("alpha").replace("title: Alpha", 'title: "Alpha \\udc00 \\U0001F600"', 1)
    src = make_curriculum(program=program, modules={"alpha": module})
    out = tmp_path / "site"
    result = build(src, out)
    assert result.ok, [p.format() for p in result.problems]
    index = (out / "index.html").read_text("utf-8")
    assert "Group \U0001f600" in index and "Clinic \ufffd" in index
    assert "Alpha \ufffd \U0001f600" in (out / "facilitator" / "alpha.html").read_text("utf-8")
    assert build(src, out).ok  # and again, from the cache
