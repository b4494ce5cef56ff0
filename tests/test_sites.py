"""Several clinics, one curriculum: sites/<name>.yml merged over program.yml, a shared module
library with an override, and `--all-sites` converting each module once (issue 24)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import module_text

from iopcurr.pipeline import Settings, build, run
from iopcurr.source.library import library_hash
from iopcurr.source.sites import merge, site_program

RunCli = Callable[..., Result]

PROGRAM = """\
title: Recovery Group
organization: Main Clinic
library: [../shared]
session: {minutes: 90, start: "18:00"}
tracks:
  - id: core
    modules: [alpha, beta, shared-one]
schedule:
  weeks: 2
  days: [mon, wed]
  first_date: 2027-01-04
crisis:
  - {name: Main Crisis Line, contact: "555-0100"}
"""

EAST = """\
organization: Eastside Clinic
session:
  start: "09:30"
schedule:
  days: [tue, thu]
  group_size: 8
crisis:
  - {name: Eastside Warm Line, contact: "555-0199"}
theme: {accent: "#7a1f1f"}
"""

WEST = """\
organization: Westside Clinic
schedule:
  days: [fri]
"""


@pytest.fixture
def clinics(tmp_path: Path) -> Path:
    """A curriculum (alpha, beta, and an override of the library's beta) with two sites, and a
    library folder beside it (shared-one, beta)."""
    shared = tmp_path / "shared"
    (shared / "modules").mkdir(parents=True)
    (shared / "pages").mkdir()
    (shared / "modules" / "shared-one.md").write_text(module_text("shared-one", "Shared One"), "utf-8")
    (shared / "modules" / "beta.md").write_text(module_text("beta", "Library Beta"), "utf-8")
    (shared / "pages" / "library-page.md").write_text("---\ntitle: Library Page\n---\n\nSee [alpha](../modules/alpha.md).\n", "utf-8")
    root = tmp_path / "cur"
    (root / "modules").mkdir(parents=True)
    (root / "sites").mkdir()
    (root / "program.yml").write_text(PROGRAM, "utf-8")
    alpha = module_text("alpha").replace("Overview for the facilitator.",
                                         "Overview. Next: [the shared module](shared-one.md).")
    (root / "modules" / "alpha.md").write_text(alpha, "utf-8")
    beta = module_text("beta", "Our Beta").replace(
        "materials: [Pens]", f'materials: [Pens]\noverrides: {{library: "{library_hash(module_text("beta", "Library Beta"))}"}}')
    (root / "modules" / "beta.md").write_text(beta, "utf-8")
    (root / "sites" / "eastside.yml").write_text(EAST, "utf-8")
    (root / "sites" / "westside.yml").write_text(WEST, "utf-8")
    return root


def test_merge_merges_mappings_and_replaces_lists() -> None:
    base = {"session": {"minutes": 90, "start": "18:00"}, "crisis": [{"name": "a"}, {"name": "b"}], "title": "T"}
    over = {"session": {"start": "09:30"}, "crisis": [{"name": "c"}]}
    assert merge(base, over) == {"session": {"minutes": 90, "start": "09:30"}, "crisis": [{"name": "c"}], "title": "T"}


def test_a_site_program_is_the_site_file_over_program_yml() -> None:
    program, problems = site_program(PROGRAM, "cur/program.yml", EAST, "cur/sites/eastside.yml")
    assert problems == []
    assert program.organization == "Eastside Clinic" and program.title == "Recovery Group"
    assert program.session.start == 9 * 60 + 30 and program.session.minutes == 90
    assert program.schedule.days == (1, 3) and program.schedule.group_size == 8 and program.schedule.weeks == 2
    assert [c.name for c in program.crisis] == ["Eastside Warm Line"]
    assert program.path_of("session.start") == "cur/sites/eastside.yml"
    assert program.path_of("session.minutes") == "cur/program.yml"
    assert program.path_of("crisis.0.name") == "cur/sites/eastside.yml"


def test_problems_of_keys_a_site_file_sets_are_reported_at_its_lines() -> None:
    site = 'organization: East\nsession:\n  start: "25:00"\nschedul: {}\ntheme: {accent: "#ffff00"}\n'
    _program, problems = site_program(PROGRAM + "plan: {min_segment_minutes: nine}\n", "cur/program.yml", site,
                                     "cur/sites/eastside.yml")
    shown = sorted(p.format() for p in problems)
    assert any(s.startswith("cur/sites/eastside.yml:3: error IOP004: `session.start`") for s in shown), shown
    assert any(s.startswith("cur/sites/eastside.yml:4: error IOP003: unknown key `schedul`") and "`schedule`" in s
               for s in shown), shown
    assert any(s.startswith("cur/program.yml:14: error IOP004: `plan.min_segment_minutes`") for s in shown), shown


def test_check_reports_each_site_at_its_own_file_and_line(clinics: Path, run_cli: RunCli) -> None:
    (clinics / "sites" / "eastside.yml").write_text(EAST.replace('"09:30"', '"9:75"').replace("#7a1f1f", "#eeeeee"), "utf-8")
    result = run_cli("check", str(clinics), "--format", "json")
    problems = json.loads(result.stdout)["problems"]
    east = f"{clinics}/sites/eastside.yml"
    assert {"path": east, "line": 3, "code": "IOP004"} in [{k: p[k] for k in ("path", "line", "code")} for p in problems]
    # the accent the site file sets is too light: reported at the site file, with its line
    accent = [p for p in problems if p["code"] == "IOP033"]
    assert [(p["path"], p["line"]) for p in accent] == [(east, 9)]
    assert result.exit_code == 1
    text = run_cli("check", str(clinics))
    assert f"{east}:3: error IOP004: `session.start`" in text.stderr
    assert run_cli("check", str(clinics), "--site", "westside").exit_code == 0


def test_a_site_unknown_to_the_curriculum_is_a_usage_error(clinics: Path, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("build", str(clinics), "--site", "northside", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no site `northside`" in result.output and "eastside, westside" in result.output
    assert not (tmp_path / "out").exists()


def test_each_site_has_its_own_schedule_crisis_contacts_and_branding(clinics: Path, run_cli: RunCli,
                                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", str(clinics), "--all-sites")
    assert result.exit_code == 0, result.output
    east, west = tmp_path / "site" / "eastside", tmp_path / "site" / "westside"
    assert "site eastside: Built 3 modules" in result.output and "site westside: Built 3 modules" in result.output
    handout = (east / "handouts" / "alpha-sheet.html").read_text("utf-8")
    assert "Eastside Warm Line" in handout and "Main Crisis Line" not in handout
    assert "Main Crisis Line" in (west / "handouts" / "alpha-sheet.html").read_text("utf-8")
    assert "Eastside Clinic" in (east / "index.html").read_text("utf-8")
    assert "Westside Clinic" in (west / "index.html").read_text("utf-8")
    assert "#7a1f1f" in (east / "static" / "theme.css").read_text("utf-8")
    assert "#7a1f1f" not in (west / "static" / "theme.css").read_text("utf-8")
    # Tuesdays and Thursdays at 9:30 in the east; Fridays at 6 PM in the west (2027-01-04 is a Monday)
    east_cal = (east / "schedule.ics").read_text("utf-8")
    west_cal = (west / "schedule.ics").read_text("utf-8")
    assert "DTSTART;TZID=America/New_York:20270105T093000" in east_cal
    assert "DTSTART;TZID=America/New_York:20270108T180000" in west_cal
    assert len(re.findall("BEGIN:VEVENT", east_cal)) == 4 and len(re.findall("BEGIN:VEVENT", west_cal)) == 2


def test_all_sites_converts_each_module_once(clinics: Path, tmp_path: Path) -> None:
    from iopcurr.source.parsed import Parsed

    memo: dict[str, Parsed] = {}
    east = build(clinics, tmp_path / "site" / "eastside", Settings(site="eastside"), memo=memo)
    west = build(clinics, tmp_path / "site" / "westside", Settings(site="westside"), memo=memo)
    assert east.ok and west.ok and east.stats and west.stats
    files = len(east.stats.keys)  # alpha, beta, shared-one, the library page, the authoring guide
    assert files == 5
    assert east.stats.converted == files and west.stats.converted == 0
    memo = {}
    run(clinics, Settings(site="eastside"), memo=memo)
    second = run(clinics, Settings(site="westside"), memo=memo)
    assert second.stats is not None and second.stats.converted == 0  # in memory too (iopcurr check --all-sites)


def test_library_modules_join_tracks_links_and_the_local_override_wins(clinics: Path, tmp_path: Path) -> None:
    result = build(clinics, tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]
    assert result.curriculum is not None
    assert [m.id for m in result.curriculum.modules] == ["alpha", "beta", "shared-one"]
    assert "Our Beta" in (tmp_path / "out" / "facilitator" / "beta.html").read_text("utf-8")
    assert "Shared One" in (tmp_path / "out" / "facilitator" / "shared-one.html").read_text("utf-8")
    assert 'href="../facilitator/shared-one.html"' in (tmp_path / "out" / "facilitator" / "alpha.html").read_text("utf-8")
    assert (tmp_path / "out" / "pages" / "library-page.html").is_file()
    assert not [p for p in result.problems if p.code == "IOP039"]


def test_an_override_warns_after_its_library_module_changes(clinics: Path, run_cli: RunCli) -> None:
    assert "IOP039" not in run_cli("check", str(clinics)).stderr
    library_beta = clinics.parent / "shared" / "modules" / "beta.md"
    library_beta.write_text(module_text("beta", "Library Beta, revised"), "utf-8")
    result = run_cli("check", str(clinics), "--format", "json")
    warned = [p for p in json.loads(result.stdout)["problems"] if p["code"] == "IOP039"]
    now = library_hash(library_beta.read_text("utf-8"))
    assert len(warned) == 1 and warned[0]["severity"] == "warning"
    assert warned[0]["path"] == f"{clinics}/modules/beta.md" and warned[0]["line"] == 8
    assert f"now {now}" in warned[0]["message"] and f'overrides: {{library: "{now}"}}' in warned[0]["hint"]
    assert result.exit_code == 0
    assert run_cli("check", str(clinics), "--strict").exit_code == 1


def test_an_override_without_a_recorded_version_is_a_warning(clinics: Path) -> None:
    beta = clinics / "modules" / "beta.md"
    beta.write_text(re.sub(r"overrides: .*\n", "", beta.read_text("utf-8")), "utf-8")
    warned = [p for p in run(clinics).problems if p.code == "IOP039"]
    assert len(warned) == 1 and "does not record which version" in warned[0].message


def test_a_missing_library_is_reported_at_its_line(clinics: Path) -> None:
    (clinics / "program.yml").write_text(PROGRAM.replace("[../shared]", "[../nowhere]"), "utf-8")
    problems = [p for p in run(clinics).problems if p.code == "IOP025"]
    assert [(p.path, p.line) for p in problems] == [(f"{clinics}/program.yml", 3)]


def test_a_library_can_be_a_zip_archive(clinics: Path, tmp_path: Path) -> None:
    import shutil

    shutil.make_archive(str(tmp_path / "shared-lib"), "zip", tmp_path, "shared")
    shutil.rmtree(tmp_path / "shared")
    (clinics / "program.yml").write_text(PROGRAM.replace("[../shared]", "[../shared-lib.zip]"), "utf-8")
    result = run(clinics)
    assert result.ok, [p.format() for p in result.problems]
    assert result.curriculum is not None and "shared-one" in [m.id for m in result.curriculum.modules]
    assert any(f.path == "pages/library-page.html" for f in result.files)


def test_the_bundled_curriculum_is_a_library(make_curriculum: Callable[..., Path]) -> None:
    from conftest import BUNDLED

    root = make_curriculum(modules={}, program="title: Borrowing\nlibrary: [\"iopcurr:curriculum\"]\n")
    theirs = library_hash((BUNDLED / "modules" / "cravings.md").read_text("utf-8"))
    ours = module_text("cravings", "Our Own Cravings").replace("materials: [Pens]", f'materials: [Pens]\noverrides: {{library: "{theirs}"}}')
    (root / "modules" / "cravings.md").write_text(ours, "utf-8")
    result = run(root)
    assert result.curriculum is not None
    modules = {m.id: m for m in result.curriculum.modules}
    sources = [p for p in (BUNDLED / "modules").glob("*.md") if "." not in p.stem]  # (not the translations)
    assert len(modules) == len(sources) and "orientation" in modules
    assert modules["cravings"].title == "Our Own Cravings"
    assert modules["orientation"].path == str(BUNDLED / "modules" / "orientation.md")
    assert not [p.format() for p in result.problems if p.severity == "error" or p.code == "IOP039"]


def test_a_problem_only_one_site_causes_elsewhere_names_the_site(clinics: Path, run_cli: RunCli) -> None:
    # explicit segments of 30, 25 and 25 minutes fill a 90-minute session (with the two 5-minute
    # rituals); westside's 60 minutes cannot hold them
    alpha = clinics / "modules" / "alpha.md"
    text = alpha.read_text("utf-8")
    for title, minutes in (("Check-in: current concerns", 30), ("Topic: the topic", 25), ("Practice and summary", 25)):
        text = text.replace(f"## {title}\n", f"## {title} {{minutes={minutes}}}\n")
    alpha.write_text(text, "utf-8")
    (clinics / "sites" / "westside.yml").write_text(WEST + "session: {minutes: 60}\n", "utf-8")
    assert run_cli("check", str(clinics), "--site", "eastside").exit_code == 0
    result = run_cli("check", str(clinics), "--format", "json")
    plan = [p for p in json.loads(result.stdout)["problems"] if p["code"] == "IOP011"]
    assert len(plan) == 1 and plan[0]["path"] == str(alpha)
    assert plan[0]["message"].startswith("in site `westside`: ")
    assert result.exit_code == 1


def test_the_preview_of_a_site_builds_that_site(clinics: Path, tmp_path: Path) -> None:
    from iopcurr.preview.serve import Preview

    site = tmp_path / "preview"
    site.mkdir()
    preview = Preview(clinics, site, say=lambda text: None, program_site="eastside")
    preview.rebuild("start")
    assert preview.status.ok
    assert "Eastside Warm Line" in (site / "handouts" / "alpha-sheet.html").read_text("utf-8")


def test_serve_with_an_unknown_site_is_a_usage_error(clinics: Path, run_cli: RunCli) -> None:
    result = run_cli("serve", str(clinics), "--site", "northside")
    assert result.exit_code == 2 and "no site `northside`" in result.output


def test_build_takes_either_site_or_all_sites(clinics: Path, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("build", str(clinics), "--site", "eastside", "--all-sites", "-o", str(tmp_path / "o"))
    assert result.exit_code == 2 and "not both" in result.output


def test_site_out_and_zip_go_where_asked(clinics: Path, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("build", str(clinics), "--site", "eastside", "-o", str(tmp_path / "east"), "--zip")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "east" / "index.html").is_file() and (tmp_path / "east.zip").is_file()
    result = run_cli("build", str(clinics), "--all-sites", "-o", str(tmp_path / "all"), "--zip")
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "all").iterdir()} == {"eastside", "eastside.zip", "westside", "westside.zip"}


def test_a_module_may_print_a_library_modules_handout(clinics: Path, tmp_path: Path) -> None:
    alpha = clinics / "modules" / "alpha.md"
    alpha.write_text(alpha.read_text("utf-8").replace("materials: [Pens]", "materials: [Pens]\nhandouts: [shared-one-sheet]"), "utf-8")
    result = build(clinics, tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]
    assert 'href="../handouts/shared-one-sheet.html"' in (tmp_path / "out" / "facilitator" / "alpha.html").read_text("utf-8")


def test_a_site_file_that_is_not_yaml_is_reported_at_its_line(clinics: Path) -> None:
    (clinics / "sites" / "eastside.yml").write_text("organization: East\nschedule: [days\n", "utf-8")
    problems = run(clinics, Settings(site="eastside")).problems
    assert [(p.path, p.code) for p in problems if p.severity == "error"] == [(f"{clinics}/sites/eastside.yml", "IOP001")]


def test_readme_and_guide_document_every_new_option_and_key() -> None:
    from conftest import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    guide = (REPO / "iopcurr" / "docs" / "authoring-guide.md").read_text("utf-8")
    assert "## Several clinics" in readme
    for text in (readme, guide):
        for word in ("--site", "--all-sites", "--zip", "--format gitlab", "--format github", "sites/", "library:",
                     "overrides: {library:", "iopcurr:curriculum", "IOP039", "copyrighted"):
            assert word in text, word


def test_a_site_file_linked_from_outside_is_refused(clinics: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("organization: Somewhere Else\n", "utf-8")
    (clinics / "sites" / "linked.yml").symlink_to(outside)
    result = run(clinics, Settings(site="linked"))
    assert [(p.path, p.code) for p in result.problems] == [(f"{clinics}/sites/linked.yml", "IOP029")]
    assert result.curriculum is not None and result.curriculum.program.organization == "Main Clinic"


def test_all_sites_builds_the_good_sites_when_one_fails(clinics: Path, run_cli: RunCli, tmp_path: Path) -> None:
    (clinics / "sites" / "eastside.yml").write_text(EAST.replace('"09:30"', '"9:75"'), "utf-8")
    result = run_cli("build", str(clinics), "--all-sites", "-o", str(tmp_path / "all"))
    assert result.exit_code == 1
    assert "site eastside: Build failed" in result.output and "site westside: Built 3 modules" in result.output
    assert f"{clinics}/sites/eastside.yml:3: error IOP004" in result.output
    assert (tmp_path / "all" / "westside" / "index.html").is_file()
    assert not (tmp_path / "all" / "eastside" / "index.html").exists()


PNG = b"\x89PNG\r\n\x1a\nlibrary"


def _with_library_assets(clinics: Path) -> Path:
    """The library's shared-one shows assets/chart.png and links assets/notes.txt (the curriculum
    has its own notes.txt), and the library has a scripted SVG."""
    shared = clinics / ".." / "shared"  # as the curriculum names it, and messages show it
    (shared / "assets" / "charts").mkdir(parents=True)
    (shared / "assets" / "charts" / "chart.png").write_bytes(PNG)
    (shared / "assets" / "notes.txt").write_text("the library's notes", "utf-8")
    (shared / "assets" / "active.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>", "utf-8")
    (shared / "assets" / ".hidden").write_text("never published", "utf-8")
    module = shared / "modules" / "shared-one.md"
    module.write_text(module.read_text("utf-8").replace(
        "Overview for the facilitator.",
        "Overview. ![The chart](../assets/charts/chart.png) [Notes](../assets/notes.txt)"), "utf-8")
    (clinics / "assets").mkdir()
    (clinics / "assets" / "notes.txt").write_text("our own notes", "utf-8")
    return shared


def test_a_library_modules_assets_are_published_and_local_ones_win(clinics: Path, tmp_path: Path) -> None:
    shared = _with_library_assets(clinics)
    result = build(clinics, tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]
    out = tmp_path / "out"
    assert (out / "assets" / "charts" / "chart.png").read_bytes() == PNG
    assert (out / "assets" / "notes.txt").read_text("utf-8") == "our own notes"
    assert not (out / "assets" / ".hidden").exists()
    page = (out / "facilitator" / "shared-one.html").read_text("utf-8")
    assert 'src="../assets/charts/chart.png"' in page and 'href="../assets/notes.txt"' in page
    # the same checks as for the curriculum's own assets, reported at the library's file
    assert [(p.code, p.path) for p in result.problems if p.code == "IOP038"] == [("IOP038", str(shared / "assets" / "active.svg"))]
    (shared / "assets" / "charts" / "chart.png").unlink()
    missing = [p for p in run(clinics).problems if p.code == "IOP025"]
    assert [p.path for p in missing] == [str(shared / "modules" / "shared-one.md")], [p.format() for p in missing]


def test_a_library_asset_linked_from_outside_the_library_is_refused(clinics: Path, tmp_path: Path) -> None:
    shared = _with_library_assets(clinics)
    (tmp_path / "secret.png").write_bytes(b"secret")
    (shared / "assets" / "secret.png").symlink_to(tmp_path / "secret.png")
    result = build(clinics, tmp_path / "out")
    assert [p.path for p in result.problems if p.code == "IOP029"] == [str(shared / "assets" / "secret.png")]
    assert not (tmp_path / "out" / "assets" / "secret.png").exists()


def test_a_zip_librarys_assets_are_published_and_checked(clinics: Path, tmp_path: Path) -> None:
    import shutil
    import zipfile

    _with_library_assets(clinics)
    shutil.make_archive(str(tmp_path / "shared-lib"), "zip", tmp_path, "shared")
    shutil.rmtree(tmp_path / "shared")
    (clinics / "program.yml").write_text(PROGRAM.replace("[../shared]", "[../shared-lib.zip]"), "utf-8")
    result = build(clinics, tmp_path / "out")
    assert (tmp_path / "out" / "assets" / "charts" / "chart.png").read_bytes() == PNG
    assert (tmp_path / "out" / "assets" / "notes.txt").read_text("utf-8") == "our own notes"
    archive = clinics / ".." / "shared-lib.zip"
    assert [(p.code, p.path) for p in result.problems if p.code == "IOP038"] == [("IOP038", f"{archive}/shared/assets/active.svg")]
    with zipfile.ZipFile(archive, "a") as z:
        z.writestr("shared/assets/../../escape.png", b"x")
        link = zipfile.ZipInfo("shared/assets/link.png")
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
    result = run(clinics)
    assert not result.ok and sorted((p.code, p.path) for p in result.problems if p.severity == "error") == [
        ("IOP029", f"{archive}/shared/assets/../../escape.png"), ("IOP029", f"{archive}/shared/assets/link.png")]
