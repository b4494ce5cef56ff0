"""The preview's fast path (delta.py): an edit that keeps the program's shape is patched onto the
last good build, checks and renders only what it touches, and still gives exactly what a full
build gives: the same site, byte for byte, and the same problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MakeCurriculum, module_text

from iopcurr.incremental import Outcome, Project, classify
from iopcurr.pipeline import run

PROGRAM = """\
title: Test Program
organization: Test Clinic
language: en
handouts:
  max_grade: 20
schedule:
  weeks: 2
  days: [mon, wed]
  first_date: 2027-01-04
  timezone: America/Chicago
"""


@pytest.fixture
def project(make_curriculum: MakeCurriculum) -> Project:
    beta = module_text("beta").replace("materials: [Pens]", "materials: [Pens]\nhandouts: [alpha-sheet]")
    gamma = module_text("gamma").replace("Overview for the facilitator.",
                                         "Overview for the facilitator. See [the topic](alpha.md#topic-the-topic).")
    root = make_curriculum({"alpha": module_text("alpha"), "beta": beta, "gamma": gamma},
                           pages={"about": "---\ntitle: About\n---\n\nAbout the program.\n"}, program=PROGRAM)
    proj = Project(root)
    outcome = proj.build()
    assert outcome.ok, [p.format() for p in outcome.problems]
    return proj


def edit(proj: Project, rel: str, old: str, new: str) -> Outcome:
    path = proj.source / rel
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return proj.update(classify(path, proj.source, proj.theme_folders()))


def assert_like_a_full_build(proj: Project, outcome: Outcome) -> None:
    """The same problems as a full build and, when it builds, the same site."""
    result = run(proj.source)
    assert outcome.problems == result.problems
    assert outcome.ok == result.ok
    if result.ok:
        assert proj.site == {f.path: f.content for f in result.files}


def html_written(outcome: Outcome) -> set[str]:
    return {p for p in outcome.written if p.endswith(".html")}


def test_body_edit_renders_its_page_and_its_sessions_only(project: Project) -> None:
    outcome = edit(project, "modules/gamma.md", "SECRET facilitator note", "A new facilitator note")
    assert outcome.ok and not outcome.full and outcome.converted == 1
    sessions = {p for p in outcome.written if p.startswith("sessions/")}
    assert sessions and set(outcome.written) == {"facilitator/gamma.html", "facilitator/manual.html",
                                                 "static/search-index.js", *sessions}
    assert outcome.rendered == len(html_written(outcome))  # each page rendered was a page that changed
    assert_like_a_full_build(project, outcome)


def test_objectives_edit_also_changes_the_calendar_file(project: Project) -> None:
    outcome = edit(project, "modules/beta.md", "Name one thing.", "Name two things.")
    assert outcome.ok and not outcome.full
    assert "schedule.ics" in outcome.written and "index.html" not in outcome.written
    assert_like_a_full_build(project, outcome)


def test_handout_grade_change_updates_the_home_page_and_the_modules_that_list_it(project: Project) -> None:
    outcome = edit(project, "modules/alpha.md", "You can do this. Write one step.",
                   "Considering your responsibilities, write one step.")
    assert outcome.ok and not outcome.full
    assert {"handouts/alpha-sheet.html", "handouts/large/alpha-sheet.html", "index.html",
            "facilitator/alpha.html", "facilitator/beta.html", "handouts/packet.html"} <= set(outcome.written)
    assert "facilitator/gamma.html" not in outcome.written
    assert_like_a_full_build(project, outcome)


def test_page_edit(project: Project) -> None:
    outcome = edit(project, "pages/about.md", "About the program.", "All about the program.")
    assert outcome.ok and not outcome.full
    assert set(outcome.written) == {"pages/about.html", "facilitator/manual.html", "static/search-index.js"}
    assert_like_a_full_build(project, outcome)


def test_renamed_anchor_breaks_the_links_to_it_and_the_fix_is_patched_too(project: Project) -> None:
    good = dict(project.site)
    outcome = edit(project, "modules/alpha.md", "## Topic: the topic", "## Topic: another topic")
    assert not outcome.ok and not outcome.full and not outcome.written
    assert [(p.code, Path(p.path).name) for p in outcome.problems] == [("IOP026", "gamma.md")]
    assert_like_a_full_build(project, outcome)
    assert project.site == good
    outcome = edit(project, "modules/gamma.md", "alpha.md#topic-the-topic", "alpha.md#topic-another-topic")
    assert outcome.ok and not outcome.full  # patched onto the last good build: both files
    assert {"facilitator/alpha.html", "facilitator/gamma.html"} <= set(outcome.written)
    assert_like_a_full_build(project, outcome)


def test_new_link_to_a_missing_anchor_and_then_to_a_renamed_one(project: Project) -> None:
    outcome = edit(project, "modules/beta.md", "Overview for the facilitator.",
                   "Overview for the facilitator. See [practice](alpha.md#practise).")
    assert not outcome.ok and [p.code for p in outcome.problems] == ["IOP026"]
    assert_like_a_full_build(project, outcome)
    outcome = edit(project, "modules/alpha.md", "## Practice and summary", "## Practise")
    assert outcome.ok and not outcome.full  # alpha now has the anchor that beta links to
    assert_like_a_full_build(project, outcome)
    outcome = edit(project, "modules/alpha.md", "## Practise", "## Practice and summary")
    assert not outcome.ok and [Path(p.path).name for p in outcome.problems] == ["beta.md"]
    assert_like_a_full_build(project, outcome)


def test_warnings_come_and_go_with_the_edit(project: Project) -> None:
    outcome = edit(project, "modules/gamma.md", "::: homework\nTry the step.\n:::\n", "")
    assert outcome.ok and not outcome.full
    assert [p.code for p in outcome.problems] == ["IOP023"]
    assert_like_a_full_build(project, outcome)
    outcome = edit(project, "modules/alpha.md", "## Topic: the topic", "#### Topic: the topic")
    assert outcome.ok and {"IOP023", "IOP028"} <= {p.code for p in outcome.problems}
    assert_like_a_full_build(project, outcome)


def test_failed_save_then_fix_is_patched_onto_the_last_good_build(project: Project) -> None:
    good = dict(project.site)
    outcome = edit(project, "modules/beta.md", "## Check-in: current concerns", "## Check-in {minutes=500}")
    assert not outcome.ok and any(p.code == "IOP011" for p in outcome.problems)
    assert_like_a_full_build(project, outcome)
    assert project.site == good
    outcome = edit(project, "modules/gamma.md", "SECRET facilitator note", "Another note")  # still failing
    assert not outcome.ok
    outcome = edit(project, "modules/beta.md", "## Check-in {minutes=500}", "## Check-in: better")
    assert outcome.ok and not outcome.full
    assert {"facilitator/beta.html", "facilitator/gamma.html"} <= set(outcome.written)
    assert_like_a_full_build(project, outcome)


def test_link_to_a_missing_site_page(project: Project) -> None:
    outcome = edit(project, "modules/beta.md", "Overview for the facilitator.",
                   "Overview for the facilitator. Print [the sheet](../handouts/nope.html).")
    assert not outcome.ok and [p.code for p in outcome.problems] == ["IOP026"]
    assert_like_a_full_build(project, outcome)
    outcome = edit(project, "modules/beta.md", "../handouts/nope.html", "../handouts/alpha-sheet.html")
    assert outcome.ok and not outcome.full
    assert_like_a_full_build(project, outcome)


def test_shape_change_assembles_everything(project: Project) -> None:
    outcome = edit(project, "modules/gamma.md", "title: Gamma", "title: Gamma Renamed")
    assert outcome.ok and outcome.full and outcome.converted == 1
    assert_like_a_full_build(project, outcome)
    outcome = edit(project, "modules/gamma.md", "SECRET facilitator note", "Another note")  # fast again
    assert outcome.ok and not outcome.full
    assert_like_a_full_build(project, outcome)


def test_rendered_counts_pages_never_collections_parts(project: Project) -> None:
    """The books bind every page's content from the render memo: those are not pages rendered
    (the benchmark once printed a negative count of them)."""
    for k in range(3):
        outcome = edit(project, "modules/gamma.md", f"Try the step{'.' if k == 0 else f' {k - 1}.'}",
                       f"Try the step {k}.")
        assert outcome.ok and 1 <= outcome.rendered == len(html_written(outcome))
    outcome = edit(project, "program.yml", "title: Test Program", "title: Another Program")
    assert outcome.ok and outcome.full and outcome.rendered == len(html_written(outcome))


def test_deferred_collections_after_a_patched_edit(project: Project) -> None:
    deferred = Project(project.source, defer_books=True)
    assert deferred.build().ok
    path = project.source / "modules" / "alpha.md"
    path.write_text(path.read_text("utf-8").replace("Write one step.", "Write one small step."), "utf-8")
    outcome = deferred.update(classify(path, project.source, deferred.theme_folders()))
    assert outcome.ok and not outcome.full and deferred.books_due
    assert "handouts/alpha-sheet.html" in outcome.written and "handouts/packet.html" not in outcome.written
    books = deferred.update_books()
    assert books is not None and "handouts/packet.html" in books.written
    assert deferred.site == {f.path: f.content for f in run(project.source).files}
