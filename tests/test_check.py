"""`iopcurr check`: every broken-curriculum fixture gives exactly the problems it must give.

Each folder in tests/fixtures/broken/ is a small curriculum that is wrong in one way (or, in
many-at-once, in many). Its expected.txt holds the exact lines `check` prints for it, run from
the fixtures folder so that paths are short. A case whose lines hold no error exits 0 (and 1 with
--strict); any error makes it exit 1.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from iopcurr.errors import CODES, Problem, problems_json
from iopcurr.pipeline import authoring_guide_source

FIXTURES = Path(__file__).parent / "fixtures" / "broken"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())
PACKAGE = Path(__file__).resolve().parent.parent / "iopcurr"

RunCli = Callable[..., Result]


def expected(case: str) -> list[str]:
    return (FIXTURES / case / "expected.txt").read_text("utf-8").splitlines()


def test_every_case_of_the_issue_has_a_fixture() -> None:
    codes = {code for case in CASES for line in expected(case) for code in re.findall(r" (IOP\d{3}):", line)}
    # what item 2 of the issue lists, by code
    wanted = {"IOP001", "IOP002", "IOP003", "IOP004", "IOP005", "IOP006", "IOP007", "IOP008", "IOP009",
              "IOP010", "IOP011", "IOP016", "IOP017", "IOP018", "IOP024", "IOP025", "IOP026", "IOP027",
              "IOP028", "IOP029", "IOP030"}
    assert wanted <= codes, sorted(wanted - codes)


@pytest.mark.parametrize("case", CASES)
def test_broken_fixture_gives_exactly_its_problems(case: str, run_cli: RunCli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    result = run_cli("check", case)
    lines = expected(case)
    assert result.stderr.splitlines() == lines
    has_error = any(" error IOP" in line for line in lines)
    assert result.exit_code == (1 if has_error else 0)
    assert "Traceback" not in result.output


def test_strict_turns_the_unsafe_html_warnings_into_errors(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert run_cli("check", "unsafe-html").exit_code == 0
    strict = run_cli("check", "unsafe-html", "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines() == [line.replace(" warning IOP", " error IOP") for line in expected("unsafe-html")]


def test_json_lists_every_problem_of_the_run(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    result = run_cli("check", "many-at-once", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    problems = [Problem(**p) for p in data["problems"]]
    assert [p.format() for p in problems] == expected("many-at-once")
    assert data["errors"] == sum(p.severity == "error" for p in problems) == 8
    assert data["warnings"] == 1
    codes = {p.code for p in problems}
    assert {"IOP001", "IOP003", "IOP004", "IOP009", "IOP018", "IOP024", "IOP025", "IOP026", "IOP027"} <= codes
    assert set(data["problems"][0]) == {"path", "line", "column", "severity", "code", "message", "hint"}


def test_json_is_stable() -> None:
    a = Problem("b.md", 3, "second", "IOP009", column=2)
    b = Problem("a.md", None, "first", "IOP018", "warning", "Rename it.")
    assert problems_json([a, b]) == problems_json([b, a, a])
    data = json.loads(problems_json([a, b]))
    assert [p["path"] for p in data["problems"]] == ["a.md", "b.md"]
    assert (data["errors"], data["warnings"]) == (1, 1)


def test_check_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "cur"
    shutil.copytree(FIXTURES / "many-at-once", source)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    run_cli("check", str(source))
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_missing_curriculum_folder_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "nowhere"), "--format", "json")
    assert result.exit_code == 2
    assert "no curriculum folder" in result.stderr


# ---------------------------------------------------------------- the code registry


def _codes_in_source() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for code in re.findall(r"\bIOP\d{3}\b", path.read_text("utf-8")):
            found.setdefault(code, []).append(path.name)
    return found


def test_every_code_used_in_the_source_is_registered() -> None:
    unknown = {code: files for code, files in _codes_in_source().items() if code not in CODES}
    assert not unknown


def test_every_registered_code_is_used() -> None:
    assert set(CODES) - set(_codes_in_source()) == set()


def test_every_code_is_documented_in_the_authoring_guide() -> None:
    guide = authoring_guide_source().text
    for code, (name, fix) in CODES.items():
        assert f"| {code} | {name} | {fix} |" in guide


def test_codes_have_a_name_and_a_fix() -> None:
    assert list(CODES) == sorted(CODES)
    for name, fix in CODES.values():
        assert name and fix.endswith(".")
