from __future__ import annotations

from pathlib import Path

from conftest import MakeCurriculum, module_text

from iopcurr.source.loader import SourceFile, parse_module, parse_page, read_sources, split_front_matter
from iopcurr.source.markup import Converter


def test_front_matter_split_and_body_line() -> None:
    meta, lines, body, first, problems = split_front_matter("---\ntitle: A\nsummary: B\n---\nBody\n", "x.md")
    assert meta == {"title": "A", "summary": "B"} and lines == {"title": 2, "summary": 3}
    assert body == "Body\n" and first == 5 and problems == []


def test_front_matter_not_a_mapping() -> None:
    *_, problems = split_front_matter("---\n- a\n- b\n---\n", "x.md")
    assert [(p.line, p.code) for p in problems] == [(2, "IOP002")]


def test_unclosed_front_matter() -> None:
    *_, problems = split_front_matter("---\ntitle: A\n", "x.md")
    assert problems[0].message == "the front matter is never closed."


def test_module_id_from_file_name_and_fields(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum({"my-topic": module_text("my-topic", "My Topic")})
    sources = read_sources(root)
    (src,) = sources.files
    module, problems = parse_module(src, Converter())
    assert problems == []
    assert (module.id, module.title, module.objectives[0]) == ("my-topic", "My Topic", "Name one thing.")
    assert [s.title for s in module.segments] == ["Check-in: current concerns", "Topic: the topic", "Practice and summary"]
    assert module.handouts[0].id == "my-topic-sheet"
    assert module.session_handouts == ("my-topic-sheet",) and "homework" in module.block_kinds


def test_unknown_front_matter_key_hints() -> None:
    src = SourceFile("module", "a", "modules/a.md", "---\ntitle: A\nobjectivs: [x]\n---\n\n## S\n")
    _, problems = parse_module(src, Converter())
    assert [(p.line, p.message, p.hint) for p in problems] == [
        (3, "unknown front matter key `objectivs`.", "Did you mean `objectives`?")
    ]


def test_missing_title_and_wrong_types() -> None:
    src = SourceFile("module", "a", "modules/a.md", "---\nobjectives: {a: 1}\n---\n\n## S\n")
    _, problems = parse_module(src, Converter())
    assert {(p.code, p.line) for p in problems} == {("IOP005", 1), ("IOP004", 2)}


def test_empty_module_is_a_problem() -> None:
    src = SourceFile("module", "a", "modules/a.md", "---\ntitle: A\n---\n\nJust text.\n")
    _, problems = parse_module(src, Converter())
    assert [p.code for p in problems] == ["IOP017"]


def test_page_cannot_define_handouts() -> None:
    src = SourceFile("page", "p", "pages/p.md", '---\ntitle: P\n---\n\n::: handout {#h title="H"}\nx\n:::\n')
    _, problems = parse_page(src, Converter())
    assert [p.code for p in problems] == ["IOP019"]


def test_non_utf8_and_bad_file_name(tmp_path: Path, make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum({})
    (root / "modules" / "ok.md").write_bytes(b"---\ntitle: A\n---\n\nline\n\xff\xfe bad\n")
    (root / "modules" / "Bad Name.md").write_text("x", "utf-8")
    problems = read_sources(root).problems
    assert sorted(p.code for p in problems) == ["IOP016", "IOP018"]
    bad = next(p for p in problems if p.code == "IOP016")
    assert bad.line == 6 and "offset 23" in bad.message
