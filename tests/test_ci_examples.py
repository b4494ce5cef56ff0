"""The two example CI workflows in examples/ci/ parse as YAML, do what the docs say (check on pull
requests, build every site with --pdf and publish on main, keep .iopcurr-cache in the CI's cache)
and name only real iopcurr commands and options."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import yaml

from iopcurr.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "ci"


def commands(data: Any) -> list[str]:
    """Every shell line in a workflow that runs iopcurr."""
    found: list[str] = []
    if isinstance(data, dict):
        for value in data.values():
            found += commands(value)
    elif isinstance(data, list):
        for value in data:
            found += commands(value)
    elif isinstance(data, str):
        found += [part.strip() for line in data.splitlines() for part in line.split("&&")
                  if part.strip().startswith("iopcurr ")]
    return found


def assert_real(line: str) -> list[str]:
    """The options of one `iopcurr COMMAND ...` line, each one its command has."""
    words = shlex.split(line.split(">")[0])
    assert words[0] == "iopcurr"
    command = cli.commands[words[1]]
    known = {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts}
    options = [w for w in words[2:] if w.startswith("-")]
    assert set(options) <= known, (line, set(options) - known)
    for p in command.params:
        if isinstance(p, click.Option) and isinstance(p.type, click.Choice):
            for opt in p.opts:
                if opt in words:
                    assert words[words.index(opt) + 1] in p.type.choices, line
    return options


def test_github_actions_example() -> None:
    data = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text("utf-8"))
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    check, publish = data["jobs"]["check"], data["jobs"]["publish"]
    assert "pull_request" in check["if"] and "refs/heads/main" in publish["if"]
    check_lines = commands(check)
    assert check_lines and all("--format" in assert_real(line) for line in check_lines)
    assert "github" in check_lines[0]
    build_lines = commands(publish)
    assert len(build_lines) == 1 and {"--all-sites", "--pdf"} <= set(assert_real(build_lines[0]))
    cached = [s for s in publish["steps"] if str(s.get("uses", "")).startswith("actions/cache@")]
    assert cached and ".iopcurr-cache" in cached[0]["with"]["path"]
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages@") for s in publish["steps"])


def test_gitlab_ci_example() -> None:
    data = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text("utf-8"))
    check, pages = data["check"], data["pages"]
    assert "merge_request_event" in check["rules"][0]["if"]
    assert "CI_DEFAULT_BRANCH" in pages["rules"][0]["if"]
    line = commands(check)[0]
    assert "gitlab" in line and "--format" in assert_real(line)
    assert line.endswith("> " + check["artifacts"]["reports"]["codequality"])
    build_lines = commands(pages)
    assert len(build_lines) == 1 and {"--all-sites", "--pdf", "--out"} <= set(assert_real(build_lines[0]))
    assert "public" in build_lines[0] and pages["artifacts"]["paths"] == ["public"]  # GitLab Pages publishes public/
    assert any(".iopcurr-cache" in p for p in pages["cache"]["paths"])


def test_examples_say_which_hosting_is_private_and_that_manuals_may_be_copyrighted() -> None:
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        text = (EXAMPLES / name).read_text("utf-8")
        assert "public" in text.lower() and "copyrighted" in text
