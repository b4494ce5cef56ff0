"""Problems in the forms CI services read: GitHub Actions workflow commands and GitLab Code Quality.

- GitHub: one workflow command a line, `::error file=P,line=L,col=C,title=IOP026::message`
  (`::warning` for warnings), as documented at
  https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions; the
  message escapes `%`, CR and LF (`%25`, `%0D`, `%0A`), a property value also `:` and `,`
  (`%3A`, `%2C`).
- GitLab: a Code Quality report, a JSON list of issues with `description`, `check_name`,
  `fingerprint`, `severity` and `location: {path, lines: {begin}}`, as documented at
  https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format. The
  fingerprint is a hash of what the problem is and where, not of the run, so the same problem
  keeps it from one pipeline to the next.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from iopcurr.errors import Problem, sort_problems

FORMATS = ("text", "json", "github", "gitlab")


_ESCAPES = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_DATA = str.maketrans(_ESCAPES)  # a workflow command's message
_PROPERTY = str.maketrans({**_ESCAPES, ":": "%3A", ",": "%2C"})  # a property's value


def github_line(problem: Problem) -> str:
    """One GitHub Actions annotation (`::error file=...,line=...::message`)."""
    props = [f"file={problem.path.translate(_PROPERTY)}"]
    if problem.line is not None:
        props.append(f"line={problem.line}")
        if problem.column is not None:
            props.append(f"col={problem.column}")
    props.append(f"title={problem.code.translate(_PROPERTY)}")
    message = problem.message + (f" Hint: {problem.hint}" if problem.hint else "")
    return f"::{problem.severity} {','.join(props)}::{message.translate(_DATA)}"


def github_annotations(problems: Iterable[Problem]) -> str:
    """Every problem as a GitHub Actions annotation, one a line (empty when there are none)."""
    return "".join(github_line(p) + "\n" for p in sort_problems(problems))


def fingerprint(problem: Problem) -> str:
    """A stable hash of the problem: its code, file, line, column and message."""
    digest = hashlib.sha256()
    for part in (problem.code, problem.path, str(problem.line), str(problem.column), problem.message):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def gitlab_report(problems: Iterable[Problem]) -> str:
    """A GitLab Code Quality report (JSON) of every problem: errors are `major`, warnings `minor`."""
    issues = [{
        "type": "issue",
        "check_name": p.code,
        "description": p.message + (f" Hint: {p.hint}" if p.hint else ""),
        "categories": ["Style"] if p.severity == "warning" else ["Bug Risk"],
        "fingerprint": fingerprint(p),
        "severity": "major" if p.severity == "error" else "minor",
        "location": {"path": p.path, "lines": {"begin": p.line or 1}},
    } for p in sort_problems(problems)]
    return json.dumps(issues, indent=2, ensure_ascii=False)
