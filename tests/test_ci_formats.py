"""`iopcurr check --format github|gitlab`: the forms GitHub Actions and GitLab CI document."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from iopcurr.ci import fingerprint, github_annotations, github_line, gitlab_report
from iopcurr.errors import Problem

FIXTURES = Path(__file__).parent / "fixtures" / "broken"
RunCli = Callable[..., Result]
# GitHub's workflow command: ::command key=value,key=value::message (no raw CR/LF anywhere)
WORKFLOW_COMMAND = re.compile(r"^::(error|warning|notice) ((?:[a-z]+=[^,:\r\n]*)(?:,[a-z]+=[^,:\r\n]*)*)::([^\r\n]*)$")


def test_github_annotation_has_file_line_col_and_code_as_title() -> None:
    p = Problem("cur/modules/a.md", 4, "broken link.", "IOP026", column=7)
    assert github_line(p) == "::error file=cur/modules/a.md,line=4,col=7,title=IOP026::broken link."
    w = Problem("cur/program.yml", None, "hm.", "IOP012", "warning")
    assert github_line(w) == "::warning file=cur/program.yml,title=IOP012::hm."


def test_github_escapes_percent_cr_lf_and_property_separators() -> None:
    p = Problem("we,ird:name%.md", 1, "50% done\r\nnext", "IOP004", hint="a, b: c")
    line = github_line(p)
    assert line == ("::error file=we%2Cird%3Aname%25.md,line=1,title=IOP004::"
                    "50%25 done%0D%0Anext Hint: a, b: c")
    assert WORKFLOW_COMMAND.match(line)


def test_check_format_github_prints_one_command_per_problem(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    result = run_cli("check", "many-at-once", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    data = json.loads(run_cli("check", "many-at-once", "--format", "json").stdout)
    assert len(lines) == len(data["problems"]) == 9
    for line, p in zip(lines, data["problems"], strict=True):
        match = WORKFLOW_COMMAND.match(line)
        assert match, line
        assert match.group(1) == p["severity"]
        props = dict(kv.split("=", 1) for kv in match.group(2).split(","))
        assert props["file"] == p["path"].replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
        assert props["title"] == p["code"]
        if p["line"] is not None:
            assert props["line"] == str(p["line"])


def test_check_format_gitlab_is_a_code_quality_report(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    result = run_cli("check", "many-at-once", "--format", "gitlab")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert isinstance(issues, list) and len(issues) == 9
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert re.fullmatch(r"IOP\d{3}", issue["check_name"])
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert {i["severity"] for i in issues} == {"major", "minor"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    again = json.loads(run_cli("check", "many-at-once", "--format", "gitlab").stdout)
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]


def test_fingerprint_is_stable_and_tells_problems_apart() -> None:
    a = Problem("a.md", 1, "x.", "IOP026")
    assert fingerprint(a) == fingerprint(Problem("a.md", 1, "x.", "IOP026"))
    assert fingerprint(a) != fingerprint(Problem("a.md", 2, "x.", "IOP026"))
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(a))


def test_a_clean_curriculum_gives_no_annotations_and_an_empty_report(
        run_cli: RunCli, make_curriculum: Callable[..., Path]) -> None:
    root = make_curriculum()
    assert github_annotations([]) == "" and json.loads(gitlab_report([])) == []
    gh = run_cli("check", str(root), "--format", "github")
    assert not any(line.startswith("::error") for line in gh.stdout.splitlines())
