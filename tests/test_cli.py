from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MakeCurriculum, module_text

from iopcurr import __version__
from iopcurr.cli import cli

RunCli = Callable[..., Result]


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(run_cli: RunCli, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert cli.commands[command].help and len(cli.commands[command].help) > 20


def test_python_dash_m_works() -> None:
    out = subprocess.run([sys.executable, "-m", "iopcurr", "--version"], capture_output=True, text=True, check=True)
    assert __version__ in out.stdout


def test_build_prints_one_summary_line(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    result = run_cli("build", str(make_curriculum()), "--out", str(tmp_path / "site"))
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Built 1 modules, 1 pages, 0 warnings in ")
    assert (tmp_path / "site" / "facilitator" / "alpha.html").exists()


def test_problems_exit_1_and_are_all_reported_without_traceback(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    bad_a = module_text("a").replace("::: script", "::: scrpt")
    bad_b = module_text("b").replace("## Check-in: current concerns", "## Check-in {minutes=200}")
    root = make_curriculum({"a": bad_a, "b": bad_b}, program="title: T\nsesion: {}\n")
    result = run_cli("build", str(root), "--out", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{root}/program.yml:2: error IOP003: unknown key `sesion`." in result.output
    assert f"{root}/modules/a.md:14: error IOP009: unknown block `scrpt`." in result.output
    assert f"{root}/modules/b.md:12: error IOP011: the plan of `b` does not add up" in result.output
    assert not (tmp_path / "site").exists()


def test_strict_turns_warnings_into_errors(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum({"a": module_text("a").replace("::: homework\nTry the step.\n:::\n", "")})
    assert run_cli("check", str(root)).exit_code == 0
    result = run_cli("check", str(root), "--strict")
    assert result.exit_code == 1 and "error IOP023: module `a` has no home assignment." in result.output


def test_failed_build_leaves_previous_site_unchanged(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum()
    out = tmp_path / "site"
    assert run_cli("build", str(root), "--out", str(out)).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (root / "modules" / "alpha.md").write_text("---\ntitle: [unclosed\n---\n", "utf-8")
    assert run_cli("build", str(root), "--out", str(out)).exit_code == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_foreign_output_folder_exit_2_untouched(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run_cli("build", str(make_curriculum()), "--out", str(out))
    assert result.exit_code == 2 and "was not written by iopcurr" in result.output
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_missing_source_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "iopcurr new" in result.output


def test_check_json_lists_problems(run_cli: RunCli, make_curriculum: MakeCurriculum) -> None:
    import json

    root = make_curriculum(program="title: T\nfoo: 1\nbar: 2\n")
    result = run_cli("check", str(root), "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 1 and [p["code"] for p in data["problems"]] == ["IOP003", "IOP003"]
    assert [h["id"] for h in data["handouts"]] == ["alpha-sheet"] and 0 <= data["handouts"][0]["grade"] < 7


def test_check_reports_each_handout_grade_and_fails_over_the_limit(run_cli: RunCli, make_curriculum: MakeCurriculum) -> None:
    hard = module_text("a").replace(
        "You can do this. Write one step.",
        "Notwithstanding considerable institutional ambivalence, comprehensive multidisciplinary "
        "interventions substantially ameliorate psychosocial functioning among participants.",
    )
    root = make_curriculum({"a": hard, "b": module_text("b")})
    result = run_cli("check", str(root))
    assert result.exit_code == 1
    assert "Handout reading grades (Flesch-Kincaid, limit 7):" in result.output
    assert "a-sheet  (over the limit)" in result.output and "b-sheet\n" in result.output
    assert "error IOP014: handout `a-sheet` reads at grade" in result.output


def test_new_scaffold_builds_without_warnings(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    assert run_cli("new", str(target)).exit_code == 0
    assert {p.name for p in (target / "modules").iterdir()} == {"welcome.md", "coping-skills.md"}
    result = run_cli("build", str(target), "--out", str(tmp_path / "out"), "--strict")
    assert result.exit_code == 0, result.output
    assert run_cli("new", str(target)).exit_code == 2  # refuses a non-empty folder


# ---------------------------------------------------------------- where people run it (issue 23)


def test_build_inside_the_program_folder_writes_site_beside_it(
    run_cli: RunCli, make_curriculum: MakeCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_curriculum(name="my-program")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    monkeypatch.chdir(root)
    result = run_cli("build")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("→ ../site")
    assert (root.parent / "site" / "facilitator" / "alpha.html").exists()
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # nothing written inside
    assert run_cli("build").exit_code == 0  # and again: the output check accepts its own site


def test_build_check_and_serve_find_curriculum_in_the_working_folder(
    run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_curriculum(name="curriculum")
    monkeypatch.chdir(tmp_path)
    assert run_cli("build").exit_code == 0
    assert (tmp_path / "site" / "facilitator" / "alpha.html").exists()
    assert run_cli("check").output.endswith("Checked 1 modules, 1 pages: 0 error(s), 0 warning(s).\n")
    served: list[tuple[Path, int]] = []
    monkeypatch.setattr("iopcurr.preview.serve.serve", lambda source, *, port, **_: served.append((source, port)))
    assert run_cli("serve", "-p", "8123").exit_code == 0
    monkeypatch.chdir(tmp_path / "curriculum")
    assert run_cli("serve").exit_code == 0
    assert served == [(Path("curriculum"), 8123), (Path("."), 8000)]


def test_no_program_in_the_working_folder_says_what_to_do(run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in ("build", "check", "serve"):
        result = run_cli(command)
        assert result.exit_code == 2
        assert result.output == (
            "error: no program here: this folder has no program.yml and no curriculum/ folder. Run iopcurr in "
            "your program's folder, name the folder (iopcurr build my-program), or create one with "
            "`iopcurr new curriculum`.\n"
        )


def test_quiet_prints_nothing_on_success_and_verbose_prints_the_stages(
    run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path
) -> None:
    root = make_curriculum()
    result = run_cli("build", str(root), "-o", str(tmp_path / "site"), "-q")
    assert result.exit_code == 0 and result.output == ""
    assert (tmp_path / "site" / "index.html").exists()
    result = run_cli("check", str(root), "--quiet")
    assert result.exit_code == 0 and result.output == ""
    result = run_cli("build", str(root), "--out", str(tmp_path / "site"), "-v")
    assert f"Program: {root}/program.yml; site: {tmp_path}/site\n" in result.output
    assert "Stages: read " in result.output and ", write " in result.output
    result = run_cli("check", str(root), "-v")
    assert "Stages: read " in result.output


def test_quiet_still_prints_problems(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    root = make_curriculum(program="title: T\nsesion: {}\n")
    result = run_cli("build", str(root), "-o", str(tmp_path / "site"), "-q")
    assert result.exit_code == 1
    assert f"{root}/program.yml:2: error IOP003: unknown key `sesion`." in result.output


def test_quiet_serve_leaves_out_the_routine_lines(
    run_cli: RunCli, make_curriculum: MakeCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake(source: Path, *, say: Callable[[str], None], **_: object) -> None:
        say("Serving cur at http://127.0.0.1:8000/ (Ctrl+C to stop)")
        say("Rebuilt in 12 ms (a module): 1 converted, 3 pages.")
        say("cur/modules/a.md:3: error IOP009: unknown block `scrpt`.")
        say("Stopped.")

    monkeypatch.setattr("iopcurr.preview.serve.serve", fake)
    result = run_cli("serve", str(make_curriculum()), "-q")
    assert result.output == "cur/modules/a.md:3: error IOP009: unknown block `scrpt`.\n"


def test_a_module_in_a_subfolder_is_reported_not_silently_left_out(
    run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path
) -> None:
    root = make_curriculum()
    (root / "modules" / "anger").mkdir()
    (root / "modules" / "anger" / "triggers.md").write_text(module_text("triggers"), "utf-8")
    warning = (
        f"{root}/modules/anger/triggers.md: warning IOP018: 'triggers.md' is in a subfolder of modules/, and "
        f"subfolders are not read, so it is left out. Hint: Move it to {root}/modules/triggers.md; to group "
        "modules, list them under `tracks:` in program.yml."
    )
    result = run_cli("check", str(root))
    assert result.exit_code == 0 and warning + "\n" in result.output
    assert "0 error(s), 1 warning(s)." in result.output
    result = run_cli("build", str(root), "-o", str(tmp_path / "site"))
    assert result.exit_code == 0 and warning in result.output and ", 1 warnings in " in result.output
    result = run_cli("build", str(root), "-o", str(tmp_path / "site2"), "--strict")
    assert result.exit_code == 1 and warning.replace(": warning ", ": error ") in result.output
    assert not (tmp_path / "site2").exists()


# ---------------------------------------------------------------- iopcurr new: clean errors (issue 18)


def test_new_into_an_impossible_path_is_one_line_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("new", "/proc/iopcurr-new")
    assert result.exit_code == 2
    assert result.output == "error: cannot create /proc/iopcurr-new: No such file or directory. Choose a folder you can write to.\n"
    (tmp_path / "a-file").write_text("x")
    result = run_cli("new", str(tmp_path / "a-file" / "x"))
    assert result.exit_code == 2
    assert result.output == f"error: cannot create {tmp_path}/a-file/x: Not a directory. Choose a folder you can write to.\n"


def test_new_into_an_unwritable_folder_is_one_line_exit_2(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> None:  # root may write anywhere: refuse as a read-only disk does
        raise PermissionError(13, "Permission denied", str(tmp_path / "locked"))

    monkeypatch.setattr("iopcurr.cli.shutil.copytree", refuse)
    result = run_cli("new", str(tmp_path / "locked"))
    assert result.exit_code == 2
    assert result.output == f"error: cannot create {tmp_path}/locked: Permission denied. Choose a folder you can write to.\n"


# ---------------------------------------------------------------- messages an author sees (issues 23, 18)


def test_check_says_a_colon_in_materials_needs_quotes(run_cli: RunCli, make_curriculum: MakeCurriculum) -> None:
    text = module_text("a").replace("materials: [Pens]", "materials: [Whiteboard, Handout: My Plan]")
    root = make_curriculum({"a": text})
    result = run_cli("check", str(root))
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if ": error " in line or ": warning " in line]
    assert problems == [
        f"{root}/modules/a.md:7: error IOP001: a colon inside a list item needs quotes: `Handout: My Plan` is "
        'read as a key and a value. Hint: Write the line as: materials: [Whiteboard, "Handout: My Plan"]'
    ]


def test_check_says_tabs_cannot_indent_front_matter(run_cli: RunCli, make_curriculum: MakeCurriculum) -> None:
    text = module_text("a").replace("objectives:\n  - Name one thing.", "objectives:\n\t- Name one thing.")
    root = make_curriculum({"a": text})
    result = run_cli("check", str(root))
    assert result.exit_code == 1
    assert (f"{root}/modules/a.md:5:1: error IOP001: tabs cannot indent YAML; use spaces. Hint: Indent with spaces "
            "only (two per level); most editors can turn tabs into spaces.\n") in result.output


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-30"])
def test_first_date_at_the_date_limits_is_a_clean_problem(
    run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path, command: str, day: str
) -> None:
    root = make_curriculum(program=f"title: T\nschedule:\n  weeks: 104\n  first_date: {day}\n")
    result = run_cli(command, str(root), *(["-o", str(tmp_path / "site")] if command == "build" else []))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (f"{root}/program.yml:4: error IOP031: `schedule.first_date` must be a date between 1900 and 2200, "
            f"not {day}. Hint: Check the year.\n") in result.output


def test_yaml_alias_bomb_in_crisis_builds_nothing(run_cli: RunCli, make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    from test_config import BILLION_LAUGHS

    root = make_curriculum(program=BILLION_LAUGHS)
    result = run_cli("build", str(root), "-o", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert f"{root}/program.yml:11: error IOP030: the YAML aliases (`*name`) under `crisis` expand to " in result.output
    assert not (tmp_path / "site").exists()


def test_check_says_a_colon_in_a_block_list_item_needs_quotes(run_cli: RunCli, make_curriculum: MakeCurriculum) -> None:
    text = module_text("a").replace("  - Practise one thing.", "  - Practise one skill: urge surfing.")
    root = make_curriculum({"a": text})
    result = run_cli("check", str(root))
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if ": error " in line or ": warning " in line]
    assert problems == [
        f"{root}/modules/a.md:6: error IOP001: a colon inside a list item needs quotes: `Practise one skill: urge "
        'surfing.` is read as a key and a value. Hint: Write the line as: - "Practise one skill: urge surfing."'
    ]
