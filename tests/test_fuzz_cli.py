"""Property-based test of the command line: generated program.yml and module text, through
`iopcurr check` and `iopcurr build`, give exit code 0, 1 or 2 and printed problems (with no
control character a terminal would act on), never a traceback. 300 examples per run (IOPCURR_FUZZ=<n> for more while hunting locally)."""

from __future__ import annotations

import json
import re
import tempfile
import traceback
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from conftest import module_text
from hypothesis import event, given
from hypothesis import strategies as st
from test_fuzz import GUIDE, PIECES, budget, write_curriculum

from iopcurr.cli import cli

# Text as YAML escapes can make it: control characters, a percent-encoded link, long runs.
WEIRD = ["\x1b[31m", "\x0b", "\x0c", "\x85", "\x07", "\r\n", "\u202e", "%1b%0d%0a", "{{ 7 * 7 }}", "<b>x</b>",
         "&amp;", "x" * 300, "::: script", "## H", ""]
texts = st.text(max_size=20) | st.sampled_from(WEIRD) | st.lists(st.sampled_from(WEIRD), max_size=4).map("".join)
days = st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun", "Monday", "x", ""]), max_size=4)
dates = st.dates(date(1990, 1, 1), date(2100, 12, 31))
scalars = st.none() | st.booleans() | st.integers(-5, 500) | texts | dates


def _optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


programs = _optional(
    title=texts, organization=texts, language=st.sampled_from(["en", "es", "xx", "", "en-US"]) | texts,
    session=_optional(minutes=st.integers(-10, 300) | scalars, start=st.sampled_from(["18:00", "9:30", "25:00", "x"]),
                      opening=_optional(title=texts, minutes=st.integers(-5, 60) | scalars, text=texts),
                      closing=_optional(title=texts, minutes=st.integers(-5, 60) | scalars, text=texts)),
    tracks=st.dictionaries(st.sampled_from(["core", "x", "Bad Track"]) | texts,
                           st.lists(st.sampled_from(["alpha", "beta", "nope"]) | texts, max_size=3), max_size=3),
    schedule=_optional(weeks=st.integers(-2, 30) | scalars, days=days | scalars, first_date=dates | scalars,
                       skip=st.lists(dates | scalars, max_size=3), group_size=st.integers(-1, 40) | scalars,
                       timezone=st.sampled_from(["America/Chicago", "UTC", "Nowhere/City", ""]) | texts),
    handouts=_optional(paper=st.sampled_from(["letter", "a4", "a5"]) | texts, max_grade=st.integers(-1, 20) | scalars),
    crisis=st.lists(_optional(name=texts, contact=texts, note=texts) | scalars, max_size=3) | scalars,
    theme=_optional(accent=st.sampled_from(["#1d5a85", "#ffff00", "red", ""]) | texts, logo=texts),
    titel=scalars,
)
# Mostly programs that build (so that rendering sees the generated text), some that cannot.
sound = st.fixed_dictionaries(
    {"title": texts, "organization": texts, "language": st.just("en")},
    optional={"schedule": st.fixed_dictionaries({"weeks": st.integers(1, 3), "days": st.just(["mon", "thu"])},
                                                optional={"first_date": dates, "skip": st.lists(dates, max_size=2)}),
              "crisis": st.lists(st.fixed_dictionaries({"name": texts, "contact": texts}, optional={"note": texts}),
                                 max_size=2),
              "session": st.fixed_dictionaries({}, optional={"opening": st.fixed_dictionaries(
                  {"title": texts, "minutes": st.integers(5, 15), "text": texts})})})
program_texts = (sound.map(lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False))
                 | programs.map(lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False))
                 | st.tuples(programs, texts).map(lambda p: yaml.safe_dump(p[0], allow_unicode=True) + p[1]))
front = _optional(title=texts, track=st.sampled_from(["core", "x"]) | texts, summary=texts,
                  objectives=st.lists(texts, max_size=3) | scalars, materials=st.lists(texts, max_size=2) | scalars,
                  handouts=st.lists(texts, max_size=2) | scalars, id=texts)
wild_modules = st.tuples(front.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
                         st.lists(st.sampled_from(PIECES) | texts, max_size=25).map("\n".join)).map(
    lambda fb: f"---\n{fb[0]}---\n\n{fb[1]}\n")
# A module that builds, with generated text in its title, overview and handout.
sound_modules = st.tuples(texts, st.lists(texts | st.sampled_from(PIECES[-40:]), max_size=6)).map(
    lambda tb: module_text("beta").replace("title: Beta", "title: " + json.dumps(tb[0] or "Beta"), 1)
    .replace("Overview for the facilitator.", "Overview. " + " ".join(tb[1]))
    .replace("You can do this.", "You can do this. " + " ".join(reversed(tb[1]))))
modules = sound_modules | wild_modules


CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("".join(traceback.format_exception(result.exception)))
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    assert not CONTROLS.search(result.output), result.output  # (escaped in every message)
    return result.exit_code, result.output


@budget(300)
@given(program_texts, modules)
def test_generated_curricula_check_and_build_without_a_traceback(program: str, module: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = write_curriculum(Path(tmp), {"alpha": module_text("alpha"), "beta": module}, program)
        (src / "pages" / "authoring-guide.md").write_text(GUIDE, "utf-8")
        checked, _ = _run("check", str(src))
        built, output = _run("build", str(src), "--out", str(Path(tmp) / "site"))
        event(f"check {checked}, build {built}")
        assert (Path(tmp) / "site" / "index.html").exists() == (built == 0), output
        if checked == 0:
            assert built == 0, output  # what check passes, build builds
