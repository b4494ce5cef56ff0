"""Problem messages are printed to a terminal: what a file says can neither move the cursor nor
forge problem lines, long targets are shortened, and Python-Markdown's stand-ins never show."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MakeCurriculum, module_text

from iopcurr.errors import IopError, Problem, printable
from iopcurr.plan.links import LONG, classify

RunCli = Callable[..., Result]
FORGED = "x%1b%5b2K%0d%0amodules/fake.md:1:%20error%20IOP001:%20forged%07%c2%85%e2%80%ae.md"


def _with_links(*links: str) -> str:
    body = "\n\n".join(f"See [this]({link}) here." for link in links)
    return module_text("alpha").replace("Overview for the facilitator.", "Overview.\n\n" + body)


def test_control_characters_in_a_decoded_link_target_are_escaped(make_curriculum: MakeCurriculum,
                                                                  run_cli: RunCli) -> None:
    src = make_curriculum(modules={"alpha": _with_links(FORGED)})
    result = run_cli("check", str(src))
    assert result.exit_code == 1
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", result.output)  # no ESC, BEL, CR, C1, bidi
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith(str(src / "modules" / "alpha.md") + ":")
    assert r"\x1b[2K\r\nmodules/fake.md" in lines[0] and r"\x07\x85\u202e" in lines[0]


@pytest.mark.parametrize("link", ["a" * 5000 + ".md", "../assets/" + "b" * 5000 + ".png",
                                  "../handouts/" + "c" * 5000 + ".html"])
def test_a_very_long_link_target_is_shortened(link: str, make_curriculum: MakeCurriculum, run_cli: RunCli,
                                              tmp_path: Path) -> None:
    src = make_curriculum(modules={"alpha": _with_links(link)})
    result = run_cli("build", str(src), "--out", str(tmp_path / "site"))
    (line,) = [line for line in result.stderr.splitlines() if "IOP0" in line]
    assert len(line) < 600 and "…" in line


def test_an_escaped_link_shows_as_written(make_curriculum: MakeCurriculum, run_cli: RunCli) -> None:
    src = make_curriculum(modules={"alpha": _with_links("..\\..\\x")})
    result = run_cli("check", str(src))
    (line,) = [line for line in result.stderr.splitlines() if "IOP0" in line]
    assert "`..\\..\\x`" in line and "\\x02" not in line and "\x02" not in line
    written = (src / "modules" / "alpha.md").read_text("utf-8").split("\n").index(
        next(t for t in (src / "modules" / "alpha.md").read_text("utf-8").split("\n") if "..\\..\\x" in t)) + 1
    assert line.startswith(f"{src / 'modules' / 'alpha.md'}:{written}:"), line  # the line it is written on


def test_escaped_characters_in_a_link_are_the_characters() -> None:
    escaped = "other\x0295\x03name.md"  # what Python-Markdown makes of `other\_name.md`
    target = classify(escaped, "modules", "alpha", image=False)
    assert (target.kind, target.target, target.href) == ("module", "other_name", "../facilitator/other_name.html")
    bad = classify("/abs\x0246\x03\x02wzxhzdk:3\x03\x029999999\x03", "modules", "alpha", image=False)
    assert "\x02" not in bad.message and "/abs\\.…" in bad.message


def test_every_problem_and_error_prints_on_one_line() -> None:
    text = "a\x1b[31mb\r\nc\x07d\x85e\u202ef\u2028g\x00"
    assert printable(text) == "a\\x1b[31mb\\r\\nc\\x07d\\x85e\\u202ef\\u2028g\\x00"
    assert "\n" not in Problem("p.md", 3, text, "IOP026", hint=text).format()
    assert IopError(text, path="x\ny").format() == "x\\ny: error: " + printable(text)
    assert printable("plain – text ✓") == "plain – text ✓"


def test_shortened_targets_keep_their_limit(tmp_path: Path) -> None:
    target = classify("../assets/" + "z" * 1000 + "/x.md", "modules", "alpha", image=False)
    assert target.code == "IOP026" and len(target.message) < LONG + 200
