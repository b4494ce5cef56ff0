"""The incremental engine: after each kind of change, the site in memory is byte-identical to a
full build, and only what the change touches is converted and rendered."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MakeCurriculum, module_text

from iopcurr.incremental import Changes, Outcome, Project, classify
from iopcurr.pipeline import run

PROGRAM = ("title: Test Program\norganization: Test Clinic\nlanguage: en\ntheme:\n  override: theme\n"
           "handouts:\n  max_grade: 20\n")


@pytest.fixture
def project(make_curriculum: MakeCurriculum) -> Project:
    beta = module_text("beta").replace("materials: [Pens]", "materials: [Pens]\nhandouts: [alpha-sheet]")
    root = make_curriculum({"alpha": module_text("alpha"), "beta": beta, "gamma": module_text("gamma")},
                           pages={"about": "---\ntitle: About\n---\n\nAbout the program.\n"}, program=PROGRAM)
    (root / "theme" / "templates").mkdir(parents=True)
    (root / "theme" / "static").mkdir()
    proj = Project(root)
    outcome = proj.build()
    assert outcome.ok, [p.format() for p in outcome.problems]
    return proj


def full_site(root: Path) -> dict[str, bytes]:
    result = run(root)
    assert result.ok, [p.format() for p in result.problems]
    return {f.path: f.content for f in result.files}


def edit(proj: Project, rel: str, old: str, new: str) -> Outcome:
    path = proj.source / rel
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    return proj.update(classify(path, proj.source, proj.theme_folders()))


def test_first_build_is_the_full_build(project: Project) -> None:
    assert project.site == full_site(project.source)


def test_module_body_edit_converts_and_renders_only_what_it_touches(project: Project) -> None:
    pages = len(project.pages)
    outcome = edit(project, "modules/gamma.md", "Overview for the facilitator.", "A new overview.")
    assert outcome.ok and outcome.converted == 1 and not outcome.full
    assert outcome.rendered < pages / 2
    assert "facilitator/gamma.html" in outcome.written
    others = {"facilitator/alpha.html", "facilitator/beta.html", "pages/about.html",
              *(p for p in project.pages if p.startswith("handouts/") and "gamma" not in p)}
    assert not set(outcome.written) & others
    sessions = {p for p in outcome.written if p.startswith("sessions/")}  # the sessions that run gamma
    assert sessions and all(b"Gamma" in outcome.written[p] for p in sessions)
    assert project.site == full_site(project.source)


def test_handout_edit_updates_the_modules_that_use_the_handout(project: Project) -> None:
    outcome = edit(project, "modules/alpha.md", "You can do this. Write one step.",
                   "Remember that dependable relationships encourage recovery. Write one step.")
    assert outcome.ok and outcome.converted == 1
    assert {"handouts/alpha-sheet.html", "facilitator/alpha.html", "facilitator/beta.html", "index.html"} <= set(outcome.written)
    assert "facilitator/gamma.html" not in outcome.written
    assert project.site == full_site(project.source)


@pytest.mark.parametrize("old,new", [
    ("title: Alpha", "title: Alpha Renamed"),
    ("summary: A test module.", "summary: Another summary."),
    ('title="Sheet for Alpha"', 'title="A Renamed Sheet"'),
])
def test_outline_edit_rerenders_every_page(project: Project, old: str, new: str) -> None:
    outcome = edit(project, "modules/alpha.md", old, new)
    assert outcome.ok and outcome.converted == 1 and outcome.full
    assert project.site == full_site(project.source)


def test_page_edit(project: Project) -> None:
    outcome = edit(project, "pages/about.md", "About the program.", "All about the program.")
    assert outcome.ok and outcome.converted == 1
    # the manual binds pages, and the search index holds their text
    assert set(outcome.written) == {"pages/about.html", "facilitator/manual.html", "static/search-index.js"}
    assert project.site == full_site(project.source)


def test_program_change_is_a_full_rebuild_without_conversion(project: Project) -> None:
    outcome = edit(project, "program.yml", "title: Test Program", "title: Another Program")
    assert outcome.ok and outcome.full and outcome.converted == 0
    assert project.site == full_site(project.source)


def test_template_edit_rerenders_without_converting(project: Project) -> None:
    path = project.source / "theme" / "templates" / "page.html"
    path.write_text('{% extends "base.html" %}{% block main %}<p>OVERRIDE</p>{% endblock %}', "utf-8")
    outcome = project.update(classify(path, project.source, project.theme_folders()))
    assert outcome.ok and outcome.converted == 0 and outcome.full
    assert b"OVERRIDE" in outcome.written["pages/about.html"]
    assert project.site == full_site(project.source)


def test_theme_css_edit_renders_no_page(project: Project) -> None:
    path = project.source / "theme" / "static" / "extra.css"
    path.write_text("body { color: black; }\n", "utf-8")
    outcome = project.update(classify(path, project.source, project.theme_folders()))
    assert outcome.ok and outcome.rendered == 0 and outcome.converted == 0
    assert set(outcome.written) == {"static/extra.css"}
    assert project.site == full_site(project.source)


def test_failed_update_keeps_the_last_good_site_and_recovers(project: Project) -> None:
    good = dict(project.site)
    outcome = edit(project, "modules/beta.md", "## Check-in: current concerns", "## Check-in {minutes=500}")
    assert not outcome.ok and not outcome.written
    assert any(p.code == "IOP011" for p in outcome.problems)
    assert project.site == good
    outcome = edit(project, "modules/beta.md", "## Check-in {minutes=500}", "## Check-in: better")
    assert outcome.ok and "facilitator/beta.html" in outcome.written
    assert project.site == full_site(project.source)


def test_new_and_removed_modules(project: Project) -> None:
    path = project.source / "modules" / "delta.md"
    path.write_text(module_text("delta"), "utf-8")
    outcome = project.update(classify(path, project.source, project.theme_folders()))
    assert outcome.ok and outcome.converted == 1 and "facilitator/delta.html" in outcome.written
    assert project.site == full_site(project.source)
    path.unlink()
    outcome = project.update(classify(path, project.source, project.theme_folders()))
    assert outcome.ok and "facilitator/delta.html" in outcome.removed
    assert project.site == full_site(project.source)


@pytest.mark.parametrize("name,expected", [
    ("modules/.alpha.md.swp", Changes()),
    ("modules/alpha.md~", Changes()),
    ("modules/4913", Changes()),
    ("modules/notes.txt", Changes(full=True, why="modules/notes.txt")),
    ("modules/#alpha.md#", Changes()),
    (".git/index", Changes()),
    ("program.yml", Changes(full=True, why="program.yml")),
    ("assets/logo.png", Changes(full=True, why="assets/logo.png")),
    ("theme/templates/base.html", Changes(templates=True, why="template templates/base.html")),
    ("theme/static/x.css", Changes(theme_static=True, why="theme file static/x.css")),
    ("modules/alpha.md", Changes(files=frozenset({"modules/alpha.md"}), why="modules/alpha.md")),
    ("modules/gone.md", Changes(full=True, why="modules/gone.md removed")),
])
def test_classify(project: Project, name: str, expected: Changes) -> None:
    assert classify(project.source / name, project.source, project.theme_folders()) == expected


def test_changes_combine() -> None:
    merged = Changes(files=frozenset({"a"}), why="a") | Changes(templates=True, why="t") | Changes()
    assert merged == Changes(files=frozenset({"a"}), templates=True, why="a, t") and not merged.empty
    assert Changes().empty


def test_deferred_books_follow_with_update_books(project: Project) -> None:
    deferred = Project(project.source, defer_books=True)
    assert deferred.build().ok and deferred.update_books() is None  # a build makes the books itself
    path = project.source / "modules" / "gamma.md"
    path.write_text(path.read_text("utf-8").replace("Overview for the facilitator.", "Deferred overview."), "utf-8")
    outcome = deferred.update(classify(path, project.source, deferred.theme_folders()))
    assert outcome.ok and "facilitator/gamma.html" in outcome.written
    assert "facilitator/manual.html" not in outcome.written and deferred.books_due
    books = deferred.update_books()
    assert books is not None and set(books.written) == {"facilitator/manual.html", "static/search-index.js"}
    assert b"Deferred overview." in books.written["facilitator/manual.html"]
    assert deferred.update_books() is None
    assert deferred.site == full_site(project.source)
