"""The review trail: `reviewed_by`, `reviewed_on` and `next_review` in module front matter, the
overdue warning (only against a given day, never in a build), the note on the facilitator page
and the edition date on the manual's cover."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from click.testing import Result
from conftest import BUNDLED, MakeCurriculum, module_text

from iopcurr.errors import CODES, codes_markdown_table
from iopcurr.model import Module
from iopcurr.pipeline import Settings, run
from iopcurr.plan.checks import check_reviews, edition_date
from iopcurr.render.pages import review_note
from iopcurr.source.config import parse_program
from iopcurr.source.loader import SourceFile, parse_module
from iopcurr.source.markup import Converter

REVIEW = 'reviewed_by: "Dr. A. Rivera, LCSW"\nreviewed_on: 2026-11-02\nnext_review: 2027-05-01\n'


def with_review(ident: str, review: str = REVIEW) -> str:
    return module_text(ident).replace("materials: [Pens]\n", "materials: [Pens]\n" + review, 1)


def parse(text: str) -> tuple[Module, list[str]]:
    module, problems = parse_module(SourceFile("module", "m", "modules/m.md", text), Converter())
    return module, [f"{p.line} {p.code} {p.message}" for p in problems]


def test_front_matter_carries_the_review_trail() -> None:
    m, problems = parse(with_review("m"))
    assert problems == []
    assert (m.reviewed_by, m.reviewed_on, m.next_review) == ("Dr. A. Rivera, LCSW", "2026-11-02", "2027-05-01")


def test_quoted_dates_are_dates_too_and_the_fields_are_optional() -> None:
    m, problems = parse(with_review("m", "reviewed_on: '2026-11-02'\n"))
    assert problems == [] and m.reviewed_on == "2026-11-02" and m.next_review == "" and m.reviewed_by == ""
    m, problems = parse(module_text("m"))
    assert problems == [] and (m.reviewed_by, m.reviewed_on, m.next_review) == ("", "", "")


def test_a_bad_date_is_an_error_at_its_line() -> None:
    _, problems = parse(with_review("m", "reviewed_on: last spring\nnext_review: '2027-13-01'\n"))
    assert problems == [
        "8 IOP004 `reviewed_on` must be a date written YYYY-MM-DD, not 'last spring'.",
        "9 IOP004 `next_review` must be a date written YYYY-MM-DD, not '2027-13-01'.",
    ]


def test_a_next_review_not_after_the_last_is_an_error() -> None:
    _, problems = parse(with_review("m", "reviewed_on: 2027-01-01\nnext_review: 2026-06-01\n"))
    assert problems == ["9 IOP004 `next_review` (2026-06-01) is not after `reviewed_on` (2027-01-01)."]


def test_a_misspelt_review_key_hints_the_right_one() -> None:
    _, problems = parse_module(
        SourceFile("module", "m", "modules/m.md", with_review("m", "reviewd_by: Someone\n")), Converter()
    )
    assert [(p.code, p.hint) for p in problems] == [("IOP003", "Did you mean `reviewed_by`?")]


def test_an_overdue_review_is_a_warning_against_the_given_day() -> None:
    m, _ = parse(with_review("m"))
    assert check_reviews([m], date(2027, 5, 1)) == []  # due that day: not yet overdue
    [late] = check_reviews([m], date(2027, 5, 31))
    assert (late.code, late.severity, late.line, late.path) == ("IOP037", "warning", 10, "modules/m.md")
    assert late.message == ("the review of module `m` was due on 2027-05-01 (last reviewed on 2026-11-02), "
                            "30 days before 2027-05-31.")
    assert "IOP037" in CODES and "| IOP037 | Review overdue |" in codes_markdown_table()


def test_a_build_never_looks_at_the_calendar(make_curriculum: MakeCurriculum) -> None:
    # long overdue by any clock, and still no warning: a build gives the same site whatever the day
    root = make_curriculum({"alpha": with_review("alpha", "next_review: 2000-01-01\n")})
    result = run(root, Settings(strict=True))
    assert result.ok and not [p for p in result.problems if p.code == "IOP037"]
    again = run(root, Settings(strict=True, today=date(2030, 1, 1)))
    assert not [p for p in again.problems if p.code == "IOP037"]


def test_the_facilitator_page_says_who_reviewed_it_and_when(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum({"alpha": with_review("alpha"), "beta": module_text("beta")})
    result = run(root)
    assert result.ok
    files = {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}
    note = "Reviewed by Dr. A. Rivera, LCSW on November 2, 2026. Next review due by May 1, 2027."
    assert note in files["facilitator/alpha.html"]
    assert "Reviewed by" not in files["facilitator/beta.html"]
    assert note in files["facilitator/manual.html"]  # the manual binds the module pages
    for path, text in files.items():
        if path.startswith("handouts/"):
            assert "Reviewed by" not in text, path


def test_review_note_in_words() -> None:
    m, _ = parse(with_review("m", "reviewed_by: Clinical team\n"))
    assert review_note(m) == "Reviewed by Clinical team."
    m, _ = parse(with_review("m", "reviewed_on: 2027-01-04\n"))
    assert review_note(m) == "Reviewed on January 4, 2027."
    m, _ = parse(module_text("m"))
    assert review_note(m) == ""


def cover(files: dict[str, str]) -> str:
    return files["facilitator/manual.html"].split('<header class="cover">')[1].split("</header>")[0]


def test_the_manual_cover_shows_the_edition_date(make_curriculum: MakeCurriculum) -> None:
    mods = {"alpha": with_review("alpha"), "beta": with_review("beta", "reviewed_on: 2026-12-24\n")}
    files = {f.path: f.content.decode() for f in run(make_curriculum(mods, name="first")).files if not f.path.endswith(".png")}
    assert "Edition of December 24, 2026" in cover(files)  # the newest `reviewed_on`
    program = "title: Test Program\nedition: 2027-02-01\n"
    files = {f.path: f.content.decode() for f in run(make_curriculum(mods, program=program, name="second")).files if not f.path.endswith(".png")}
    assert "Edition of February 1, 2027" in cover(files)
    files = {f.path: f.content.decode() for f in run(make_curriculum({"alpha": module_text("alpha")}, name="third")).files if not f.path.endswith(".png")}
    assert "Edition of" not in files["facilitator/manual.html"]


def test_edition_setting_is_a_date() -> None:
    program, problems = parse_program("edition: soon\n")
    assert [(p.code, p.line) for p in problems] == [("IOP004", 1)] and program.edition == ""
    program, problems = parse_program("edition: 2027-02-01\n")
    assert problems == [] and program.edition == "2027-02-01"


def test_every_bundled_module_has_an_honest_review_trail() -> None:
    modules = []
    for path in sorted((Path(BUNDLED) / "modules").glob("*.md")):
        if "." in path.stem:
            continue  # a translation (cravings.es.md): handouts only, no review trail of its own
        m, problems = parse_module(SourceFile("module", path.stem, str(path), path.read_text("utf-8")), Converter())
        assert not [p for p in problems if p.code in ("IOP003", "IOP004")], path
        modules.append(m)
    assert all(m.reviewed_by and m.reviewed_on and m.next_review for m in modules)
    assert all("awaiting" in m.reviewed_by for m in modules)  # drafts say so: nobody signed them off
    program, _ = parse_program((Path(BUNDLED) / "program.yml").read_text("utf-8"))
    assert edition_date(program, modules) == max(m.reviewed_on for m in modules)


def test_check_warns_of_an_overdue_review_against_today(make_curriculum: MakeCurriculum,
                                                         run_cli: Callable[..., Result]) -> None:
    root = make_curriculum({"alpha": with_review("alpha")})
    early = run_cli("check", str(root), "--today", "2027-04-30")
    assert early.exit_code == 0 and "IOP037" not in early.output
    late = run_cli("check", str(root), "--today", "2027-05-31")
    assert late.exit_code == 0 and "warning IOP037: the review of module `alpha` was due on 2027-05-01" in late.output
    assert "1 warning(s)" in late.output
    strict = run_cli("check", str(root), "--today", "2027-05-31", "--strict")
    assert strict.exit_code == 1 and "error IOP037" in strict.output
    data = json.loads(run_cli("check", str(root), "--today", "2027-05-31", "--format", "json").output)
    assert [p["code"] for p in data["problems"]] == ["IOP037"]
