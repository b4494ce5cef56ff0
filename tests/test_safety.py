"""Safety of content: never a template, never a script, never outside the curriculum, never a
crash or a hang on input that is too large or too deep."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import run
from iopcurr.source import loader, markup
from iopcurr.source.loader import SourceFile, decode_source, parse_module
from iopcurr.source.markup import Converter

RunCli = Callable[..., Result]


def problem_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if " IOP" in line]


def with_body(extra: str, ident: str = "alpha") -> str:
    """A complete module with `extra` Markdown in its topic segment."""
    return module_text(ident).replace("## Practice and summary", f"{extra}\n\n## Practice and summary")


def site_text(out: Path) -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted(out.rglob("*.html")))


# ---------------------------------------------------------------- never a template


def test_template_syntax_in_content_appears_literally(make_curriculum: MakeCurriculum, run_cli: RunCli,
                                                     tmp_path: Path) -> None:
    module = with_body("Say {{ 7 * 7 }} and {% if true %}yes{% endif %} and {# not a comment #}.")
    module = module.replace("title: Alpha", "title: \"Alpha {{ 6 * 7 }}\"")
    module = module.replace("You can do this.", "You can do {{ 5 * 5 }}.")
    page = "---\ntitle: \"Page {% raw %}\"\n---\n\nA page with {{ config }} and {%- endraw %}.\n"
    src = make_curriculum(modules={"alpha": module}, pages={"notes": page})
    out = tmp_path / "site"
    result = run_cli("build", str(src), "--out", str(out))
    assert result.exit_code == 0, result.output
    html = site_text(out)
    for literal in ("{{ 7 * 7 }}", "{% if true %}yes{% endif %}", "{# not a comment #}", "Alpha {{ 6 * 7 }}",
                    "You can do {{ 5 * 5 }}.", "Page {% raw %}", "{{ config }}", "{%- endraw %}"):
        assert literal in html
    for evaluated in ("Say 49", "Alpha 42", "do 25", "None"):
        assert evaluated not in html


# ---------------------------------------------------------------- never a script

UNSAFE = """\
<script>alert("a")</script>

<SCRIPT SRC="https://evil.example/x.js"></SCRIPT>

Text <b onclick="steal()">bold</b> and <img src="../assets/pic.png" alt="A picture" onerror="steal()">.

[a script link](javascript:alert(1)) and [another](JaVaScRiPt:alert(2)) and
<a href="&#106;avascript:alert(3)">encoded</a> and <a href=" javascript:alert(4)">spaced</a>.

<iframe src="https://evil.example/"></iframe>

<div onmouseover="steal()">Hover</div>
"""


def test_unsafe_html_never_reaches_the_site_and_check_reports_each(make_curriculum: MakeCurriculum,
                                                                   run_cli: RunCli, tmp_path: Path) -> None:
    src = make_curriculum(modules={"alpha": with_body(UNSAFE)})
    (src / "assets").mkdir()
    (src / "assets" / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    check = run_cli("check", str(src))
    lines = problem_lines(check)
    assert check.exit_code == 0  # removed from the site: warnings
    first = module_text("alpha").split("\n").index("## Practice and summary") + 1  # where UNSAFE starts
    found = [re.search(r"alpha\.md:(\d+):\d+: warning IOP024: (.*?) (?:is|would) ", line) for line in lines]
    assert sorted((int(m.group(1)), m.group(2)) for m in found if m) == [
        (first, "`<script>`"),
        (first + 2, "`<script>`"),
        (first + 4, "the event handler `onclick` on `<b>`"),
        (first + 4, "the event handler `onerror` on `<img>`"),
        (first + 6, "the link `JaVaScRiPt:alert(2)`"),
        (first + 6, "the link `javascript:alert(1)`"),
        (first + 7, "the `href` of `<a>`"),
        (first + 7, "the `href` of `<a>`"),
        (first + 9, "`<iframe>`"),
        (first + 11, "the event handler `onmouseover` on `<div>`"),
    ]
    assert len(lines) == 10, lines
    out = tmp_path / "site"
    assert run_cli("build", str(src), "--out", str(out)).exit_code == 0
    page = (out / "facilitator" / "alpha.html").read_text("utf-8")
    assert "Hover" in page and "bold" in page and "A picture" in page
    lowered = page.lower()
    for bad in ("alert(", "evil.example", "steal()", "javascript:", "<iframe", "onclick", "onerror", "onmouseover"):
        assert bad not in lowered
    assert run_cli("build", str(src), "--out", str(tmp_path / "strict"), "--strict").exit_code == 1


def test_author_comments_cannot_fake_the_converter_markers() -> None:
    body = "## One\n\nFirst.\n\n<!--iop:seg:0-->\n\n<!--iop:handout:x-->\n\n## Two\n\nSecond.\n"
    converted = Converter().convert(body, "m.md", 1, "m")
    assert [s.title for s in converted.segments] == ["One", "Two"]
    assert "First." in converted.segments[0].html and "Second." in converted.segments[1].html


def test_control_characters_are_dropped() -> None:
    text, problems = decode_source(b"---\ntitle: A\x02B\n---\n\n## One\x03\n\nText\x00 \x1b[31mred\x7f.\n", "m.md")
    assert problems == [] and text is not None
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
    module, _ = parse_module(SourceFile("module", "m", "m.md", text), Converter())
    assert module.title == "AB" and module.segments[0].title == "One"


def test_not_utf8_gives_the_byte_offset_line_and_column() -> None:
    text, problems = decode_source("line one\ncafé\n".encode("latin-1"), "m.md")
    assert text is None
    assert [p.format() for p in problems] == [
        "m.md:2:4: error IOP016: the file is not UTF-8 text (bad byte 0xe9 at offset 12). Hint: Save it as UTF-8 in your editor."
    ]


# ---------------------------------------------------------------- never outside the curriculum


def _outside_file(tmp_path: Path, name: str, text: str) -> Path:
    target = tmp_path / "outside" / name
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, "utf-8")
    return target


def test_a_module_linked_from_outside_is_refused(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    src = make_curriculum()
    (src / "modules" / "stolen.md").symlink_to(_outside_file(tmp_path, "secret.md", module_text("stolen")))
    result = run(src)
    assert [p.format() for p in result.problems if p.code == "IOP029"] == [
        f"{src}/modules/stolen.md: error IOP029: this is a link to somewhere outside the curriculum folder. "
        "Hint: Copy what it points to into the curriculum instead."
    ]
    assert result.curriculum is not None and [m.id for m in result.curriculum.modules] == ["alpha"]


def test_linked_folders_and_program_outside_are_refused(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    src = make_curriculum()
    outside = _outside_file(tmp_path, "program.yml", "title: Somebody else's\n")
    (src / "program.yml").unlink()
    (src / "program.yml").symlink_to(outside)
    (src / "pages").rmdir()
    (src / "pages").symlink_to(outside.parent)
    (src / "assets").mkdir()
    (src / "assets" / "photo.png").symlink_to(_outside_file(tmp_path, "photo.png", "not an image"))
    (src / "assets" / "more").symlink_to(outside.parent)
    (src / "assets" / "loop").symlink_to(src / "assets" / "loop")
    result = run(src)
    refused = sorted(p.path for p in result.problems if p.code == "IOP029")
    assert refused == sorted(str(src / rel) for rel in ("program.yml", "pages", "assets/photo.png", "assets/more", "assets/loop"))
    assert not result.files


def test_links_inside_the_curriculum_are_fine(make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path) -> None:
    src = make_curriculum(modules={"alpha": with_body("![A photo](../assets/photo.png)")})
    (src / "assets").mkdir()
    (src / "media").mkdir()
    (src / "media" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (src / "assets" / "photo.png").symlink_to(src / "media" / "photo.png")
    out = tmp_path / "site"
    assert run_cli("build", str(src), "--out", str(out)).exit_code == 0
    assert (out / "assets" / "photo.png").read_bytes() == b"\x89PNG\r\n\x1a\n"


def test_theme_override_outside_the_curriculum_is_refused(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    (tmp_path / "outside" / "templates").mkdir(parents=True)
    src = make_curriculum(program="title: T\ntheme:\n  override: mytheme\n")
    (src / "mytheme").symlink_to(tmp_path / "outside")
    result = run(src)
    assert [(p.code, p.line) for p in result.problems if p.severity == "error"] == [("IOP029", 3)]


# ---------------------------------------------------------------- never a crash or a hang


def test_a_file_over_the_size_limit_is_refused_unread(make_curriculum: MakeCurriculum) -> None:
    src = make_curriculum(modules={"alpha": module_text("alpha"), "huge": "x" * (loader.MAX_FILE_BYTES + 1)})
    result = run(src)
    assert [p.format() for p in result.problems if p.severity == "error"] == [
        f"{src}/modules/huge.md: error IOP030: the file is {loader.MAX_FILE_BYTES + 1:,} bytes; "
        f"the limit is {loader.MAX_FILE_BYTES:,}."
    ]


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("lists", "".join("  " * i + "- level\n" for i in range(200)),
         "this line is nested 17 levels deep (by its indentation); the limit is 16."),
        ("quotes", "".join(">" * i + " quoted\n" for i in range(1, 400)), "block quotes are nested 17 deep; the limit is 16."),
        ("one-quote", ">" * 5000 + " deep\n", "block quotes are nested 5000 deep; the limit is 16."),
        ("blocks", "::: facilitator\n" * 500 + "text\n" + ":::\n" * 500, "blocks are nested more than 20 deep."),
        ("code", " " * 3000 + "indented code\n", "this line is nested 750 levels deep (by its indentation); the limit is 16."),
    ],
)
def test_deep_nesting_is_one_clear_problem(name: str, body: str, message: str) -> None:
    converted = Converter().convert("## One\n\n" + body, "m.md", 1, "m")
    deep = [p for p in converted.problems if p.code == "IOP030"]
    assert [p.message for p in deep] == [message]


def test_input_the_markdown_library_chokes_on_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markup, "CONVERT_SECONDS", 0.2)
    converter = Converter()
    converted = converter.convert("[" * 20000 + "\n", "m.md", 7, "m")  # quadratic in Python-Markdown
    assert [p.format() for p in converted.problems] == [
        "m.md:7: error IOP030: converting it took longer than 0.2 seconds, so it was left out. "
        "Hint: Look for very long lines, deep nesting or thousands of `[` brackets."
    ]
    # the converter still works afterwards
    assert converter.convert("## Fine\n\nText.\n", "m.md", 1, "m").segments[0].title == "Fine"


def test_recursion_in_the_markdown_library_is_a_problem() -> None:
    converted = Converter().convert("a\n: b\n" * 3000, "m.md", 1, "m")  # def_list recursion
    assert [p.code for p in converted.problems] == ["IOP030"]


def test_a_yaml_alias_bomb_is_answered_quickly(make_curriculum: MakeCurriculum) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    program = "\n".join(levels) + "\nsession:\n  minutes: *a9\nschedule:\n  days: [*a9]\n  first_date: *a9\n"
    result = run(make_curriculum(program=program))
    assert {p.code for p in result.problems if p.severity == "error"} == {"IOP030"}  # too many aliases
    assert all(len(p.message) < 300 for p in result.problems)


def test_odd_program_values_are_problems_not_tracebacks(make_curriculum: MakeCurriculum) -> None:
    program = ("title: T\nschedule:\n  timezone: Europe\n  first_date: 2026-01-05 10:00:00\n"
               "  skip: [2026-01-07 09:00:00, [1, 2]]\n  days: [[mon], 3]\n")
    result = run(make_curriculum(program=program))
    assert {(p.code, p.line) for p in result.problems if p.severity == "error"} == {("IOP031", 3), ("IOP004", 5), ("IOP031", 6)}


def test_special_files_and_dangling_links_are_problems(make_curriculum: MakeCurriculum) -> None:
    src = make_curriculum()
    os.mkfifo(src / "modules" / "pipe.md")  # reading it would block for ever
    (src / "modules" / "gone.md").symlink_to(src / "modules" / "deleted.md")
    result = run(src)
    assert sorted((p.path, p.code) for p in result.problems if p.severity == "error") == [
        (f"{src}/modules/gone.md", "IOP025"), (f"{src}/modules/pipe.md", "IOP025")]
