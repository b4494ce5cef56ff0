"""What a theme override may do: its templates run in Jinja's sandbox, a template that fails is a
problem naming the template and line, and its static files stay inside its folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import BUNDLED, MakeCurriculum

RunCli = Callable[..., Result]

ESCAPE = "{{ cycler.__init__.__globals__.os.system('touch ' ~ marker) }}"


def _override(make_curriculum: MakeCurriculum, templates: dict[str, str]) -> Path:
    root = make_curriculum(program="title: T\ntheme:\n  override: mytheme\n")
    folder = root / "mytheme" / "templates"
    folder.mkdir(parents=True)
    for name, text in templates.items():
        (folder / name).write_text(text, "utf-8")
    return root


@pytest.mark.parametrize("command", ["check", "build"])
def test_an_override_template_cannot_reach_python(
    command: str, make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    page = ('{% extends "base.html" %}{% block main %}{% set marker = "' + str(marker) + '" %}\n'
            + ESCAPE + "{% endblock %}")
    root = _override(make_curriculum, {"module.html": page})
    args = [command, str(root)] + (["--out", str(tmp_path / "site")] if command == "build" else [])
    result = run_cli(*args)
    assert not marker.exists()
    assert result.exit_code == 1, result.output
    assert "IOP032" in result.output and "module.html:2:" in result.output
    assert "Traceback" not in result.output and "unsafe" in result.output


@pytest.mark.parametrize(("name", "template", "line", "words"), [
    ("division", '{% extends "base.html" %}{% block main %}\n\n{{ 1 // 0 }}{% endblock %}', 3, "division"),
    ("self-include", '{% extends "base.html" %}{% block main %}\n{% include "page.html" %}{% endblock %}', 2,
     "without end"),
    ("recursive macro", '{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}\n{% extends "base.html" %}'
     "{% block main %}{{ m(0) }}{% endblock %}", 1, "without end"),
    ("a huge range", '{% extends "base.html" %}{% block main %}\n{{ range(10 ** 9)|length }}'
     "{% endblock %}", 2, "OverflowError"),
])
def test_a_template_that_fails_while_rendering_is_a_located_problem(
    name: str, template: str, line: int, words: str, make_curriculum: MakeCurriculum, run_cli: RunCli,
    tmp_path: Path,
) -> None:
    root = make_curriculum(program="title: T\ntheme:\n  override: mytheme\n", pages={"p": "---\ntitle: P\n---\n\nText.\n"})
    (root / "mytheme" / "templates").mkdir(parents=True)
    (root / "mytheme" / "templates" / "page.html").write_text(template, "utf-8")
    result = run_cli("build", str(root), "--out", str(tmp_path / "site"))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # (a template that includes itself fails on whichever of its lines the recursion ends at)
    at = r"\d+" if name == "self-include" else str(line)
    assert re.search(rf"/mytheme/templates/page\.html:{at}: error IOP032", result.output), result.output
    assert words in result.output
    assert not (tmp_path / "site").exists()


def test_an_override_static_link_leading_outside_is_refused(
    make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password", "utf-8")
    root = make_curriculum(program="title: T\ntheme:\n  override: mytheme\n")
    static = root / "mytheme" / "static"
    static.mkdir(parents=True)
    (static / "own.css").write_text("p{}", "utf-8")
    os.symlink(secret, static / "leak.txt")
    result = run_cli("build", str(root), "--out", str(tmp_path / "site"))
    assert result.exit_code == 1, result.output
    assert "leak.txt" in result.output and "outside the override folder" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(("text", "said"), [
    (b"skip_to_main: Skip\nnav_label: [Menu\n", ":3: error: this catalogue of interface words is not valid YAML"),
    (b"skip_to_main: Salta\xff\n", ": error: this catalogue of interface words is not UTF-8 text"),
])
def test_an_override_catalogue_that_does_not_read_is_a_located_error(
    text: bytes, said: str, make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_curriculum(program="title: T\ntheme:\n  override: mytheme\n")
    (root / "mytheme" / "i18n").mkdir(parents=True)
    (root / "mytheme" / "i18n" / "en.yml").write_bytes(text)
    result = run_cli("build", str(root), "--out", str(tmp_path / "site"))  # (a traceback would raise here)
    assert result.exit_code == 1, result.output
    assert f"mytheme/i18n/en.yml{said}" in result.output, result.output
    assert not (tmp_path / "site").exists()


def test_an_override_static_link_inside_it_is_kept(
    make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_curriculum(program="title: T\ntheme:\n  override: mytheme\n")
    static = root / "mytheme" / "static"
    static.mkdir(parents=True)
    (static / "own.css").write_text("p{}", "utf-8")
    os.symlink("own.css", static / "alias.css")
    assert run_cli("build", str(root), "--out", str(tmp_path / "site")).exit_code == 0
    assert (tmp_path / "site" / "static" / "alias.css").read_text() == "p{}"


def test_with_an_override_every_template_renders_in_the_sandbox_and_the_bundled_ones_unchanged(
    bundled_site: Path, tmp_path: Path
) -> None:
    """iopcurr's own templates need no sandbox; with an override folder, every template (the
    bundled ones it does not replace too) renders in it, and the bundled ones give the same bytes."""
    import shutil

    from jinja2.sandbox import SandboxedEnvironment

    from iopcurr.pipeline import run
    from iopcurr.render.pages import load_theme

    assert not isinstance(load_theme(None).env, SandboxedEnvironment)
    cur = tmp_path / "cur"
    shutil.copytree(BUNDLED, cur)
    (cur / "theme").mkdir()
    assert isinstance(load_theme(cur / "theme").env, SandboxedEnvironment)
    program = (cur / "program.yml").read_text("utf-8")
    assert "\ntheme:\n" in program
    (cur / "program.yml").write_text(program.replace("\ntheme:\n", "\ntheme:\n  override: theme\n"), "utf-8")
    result = run(cur)
    assert result.ok, [p.format() for p in result.problems]
    assert result.curriculum is not None and result.curriculum.program.theme.override == "theme"
    pages = {f.path: f.content for f in result.files if f.path.endswith(".html")}
    assert len(pages) > 300
    for path, content in pages.items():
        if path != "changes.html":  # (the copy is not a git repository)
            assert content == (bundled_site / path).read_bytes(), path


@pytest.mark.parametrize("name", ["flyer.html", "chart.SVG", "map.xml", "logo.svg"])
def test_assets_that_can_run_scripts_are_a_warning(
    name: str, make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_curriculum()
    (root / "assets").mkdir()
    (root / "assets" / name).write_text("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    (root / "assets" / "photo.png").write_bytes(b"\x89PNG")
    (root / "assets" / "plain.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><circle r='4'/></svg>")
    if name == "logo.svg":
        (root / "assets" / name).write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect onload='x()'/></svg>")
    result = run_cli("check", str(root))
    lines = [line for line in result.output.splitlines() if "IOP038" in line]
    assert len(lines) == 1 and f"assets/{name}" in lines[0] and "warning IOP038" in lines[0]
    assert result.exit_code == 0
    assert run_cli("check", "--strict", str(root)).exit_code == 1


def test_an_override_template_linked_outside_is_refused(
    make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password123", "utf-8")
    root = _override(make_curriculum, {"module.html": '{% extends "base.html" %}{% block main %}'
                                                      '{% include "leak.html" %}{% endblock %}'})
    os.symlink(secret, root / "mytheme" / "templates" / "leak.html")
    result = run_cli("build", str(root), "--out", str(tmp_path / "site"))
    assert result.exit_code == 1, result.output
    assert "IOP032" in result.output and "outside the theme folder" in result.output
    assert "password123" not in result.output and not (tmp_path / "site").exists()
