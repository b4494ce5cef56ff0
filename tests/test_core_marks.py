"""Issue 22, for 90 minutes with 12 members: the core of a module (`{.core}`) in the guide and on
the run sheet, the go-round check (`go-round=N`, IOP041), and the changes page (changes.html)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLED, PROGRAM, MakeCurriculum, module_text

from iopcurr.pipeline import run
from iopcurr.source.blocks import outline
from iopcurr.source.loader import git_history, parse_log
from iopcurr.source.markup import Converter
from iopcurr.source.points import segment_points

CORE_MODULE = module_text("alpha").replace(
    "::: discussion\n- What do you think?\n:::",
    "::: discussion\n- What do you think? {.core}\n- What else might\n  help? {.core}\n- A question to skip\n:::\n\n"
    '::: roleplay {.core title="Saying no"}\nA says no.\n:::\n\n::: roleplay {title="Extra scene"}\nB asks.\n:::',
)


def files(source: Path) -> dict[str, str]:
    result = run(source)
    assert result.ok, [p.format() for p in result.problems]
    return {f.path: f.content.decode("utf-8") for f in result.files if f.path.endswith(".html")}


def problems(body: str) -> list[str]:
    converted = Converter().convert(body, "modules/m.md", 1, "m")
    return [p.format() for p in converted.problems]


# ---------------------------------------------------------------- the source syntax


def test_outline_reads_core_on_blocks() -> None:
    shape = outline('## A\n\n::: roleplay {.core title="X"}\nText.\n:::\n\n::: {.script .core}\nSay.\n:::\n', "m.md")
    assert [(b.kind, b.core, b.attr("title")) for b in shape.blocks] == [("roleplay", True, "X"), ("script", True, "")]
    assert not shape.problems


def test_core_questions_get_a_class_and_a_visible_label() -> None:
    html = Converter().convert("## A\n\n::: discussion\n- Keep me? {.core}\n- Skip me\n:::\n", "m.md", 1, "m").segments[0].html
    assert '<li class="core"><span class="core-label">Core</span> Keep me?</li>' in html
    assert "<li>Skip me</li>" in html and "{.core}" not in html


def test_segment_points_know_the_core() -> None:
    html = Converter().convert(CORE_MODULE.split("---\n", 2)[2], "m.md", 1, "m").segments[1].html
    points = segment_points(html)
    assert points.questions == ("What do you think?", "What else might help?", "A question to skip")
    assert points.core_questions == ("What do you think?", "What else might help?")
    assert points.roleplays == ("Saying no", "Extra scene") and points.core_roleplays == ("Saying no",)


@pytest.mark.parametrize(("body", "expected"), [
    ("## A\n\n::: discussion\n- Typo? {.cor}\n:::\n", "modules/m.md:4: error IOP020: unknown marker `{.cor}`"),
    ("## A\n\n::: discussion\n- No dot? {core}\n:::\n", "modules/m.md:4: error IOP020: unknown marker `{core}`"),
    ("## A\n\n::: script\nSay this. {.core}\n:::\n", "modules/m.md:4: error IOP020: `{.core}` marks a question of a "
     "`::: discussion` list, not a `script` block."),
    ("Overview. {.core}\n\n## A\n", "modules/m.md:1: error IOP020: `{.core}` marks a question"),
    ("## A\n\n::: facilitator {.core}\nNote.\n:::\n", "modules/m.md:3: error IOP020: `facilitator` blocks cannot be "
     "marked `.core`."),
    ("## A\n\n::: roleplay {core=yes}\nScene.\n:::\n", "modules/m.md:3: error IOP020: `roleplay` blocks have no "
     "attribute `core`. Hint: Mark the core with `.core`"),
    ("## A {minutes=20 .core}\n", "modules/m.md:1: error IOP020: segments have no class `.core`."),
    ("## A {go-round=lots}\n", "modules/m.md:1: error IOP020: `go-round` is the minutes each member speaks"),
])
def test_bad_markers_are_coded_problems(body: str, expected: str) -> None:
    assert any(p.startswith(expected) for p in problems(body)), problems(body)


def test_markers_in_code_are_text() -> None:
    assert problems("## A\n\n```\n- Keep me? {.core}\n```\n") == []


# ---------------------------------------------------------------- the guide and the run sheet


def test_guide_shows_core_label_and_run_sheet_lists_only_core(make_curriculum: MakeCurriculum) -> None:
    site = files(make_curriculum(modules={"alpha": CORE_MODULE}))
    guide = site["facilitator/alpha.html"]
    assert guide.count('class="core-label">Core</span>') == 4  # two questions, one role play, the legend
    assert "keep when time is short" in guide and "A question to skip" in guide
    sheet = site["runsheets/1.html"]
    assert "What do you think?" in sheet and "What else might help?" in sheet
    assert "A question to skip" not in sheet and "Extra scene" not in sheet and "Saying no" in sheet
    assert "only the core questions and role plays are listed" in sheet and "The facilitator guide has the rest." in sheet


def test_run_sheet_without_marks_lists_everything(make_curriculum: MakeCurriculum) -> None:
    site = files(make_curriculum(modules={"alpha": CORE_MODULE.replace(" {.core}", "").replace(".core ", "")}))
    sheet = site["runsheets/1.html"]
    assert "A question to skip" in sheet and "Extra scene" in sheet and "Only the" not in sheet
    assert "core-label" not in site["facilitator/alpha.html"]


def test_every_bundled_module_marks_its_core() -> None:
    site = files(BUNDLED)
    for path in sorted(BUNDLED.glob("modules/*.md")):
        if path.stem.count("."):
            continue
        guide = site[f"facilitator/{path.stem}.html"]
        assert guide.count('<li class="core">') >= 2, f"{path.stem}: mark at least two core questions"
        assert "core-label" in guide


# ---------------------------------------------------------------- go-rounds


def go_round_module(header: str, minutes: int) -> str:
    return module_text("alpha").replace("## Check-in: current concerns", f"## Check-in: current concerns {{{header}}}") \
        .replace("## Practice and summary", f"## Practice and summary {{minutes={80 - minutes - 27}}}") \
        .replace("## Topic: the topic", "## Topic: the topic {minutes=27}")


def test_go_round_that_does_not_fit_warns(make_curriculum: MakeCurriculum) -> None:
    result = run(make_curriculum(modules={"alpha": go_round_module("minutes=25 go-round=2", 25)}))
    found = [p for p in result.problems if p.code == "IOP041"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].format().startswith(f"{found[0].path}:12: warning IOP041: the go-round of segment "
                                        "'Check-in: current concerns' needs about 24 minutes (12 members, 2 each)")
    assert "Give the segment 36 minutes" in found[0].hint


def test_go_round_that_fits_is_quiet(make_curriculum: MakeCurriculum) -> None:
    result = run(make_curriculum(modules={"alpha": go_round_module("minutes=25 go-round=1", 25)}))
    assert not [p for p in result.problems if p.code == "IOP041"]


def test_go_round_uses_group_size(make_curriculum: MakeCurriculum) -> None:
    program = PROGRAM + "schedule:\n  group_size: 20\n"
    result = run(make_curriculum(modules={"alpha": go_round_module("minutes=25 go-round=1", 25)}, program=program))
    assert [p.code for p in result.problems if p.code == "IOP041"] == ["IOP041"]


def test_bundled_curriculum_has_no_go_round_warning_and_one_full_round_a_night() -> None:
    result = run(BUNDLED)
    assert not [p.format() for p in result.problems if p.severity == "warning"]
    assert result.curriculum is not None
    for m in result.curriculum.modules:  # the check-in is the round; the anger track closes with a short one
        assert m.segments[0].go_round == 1, m.id
        assert all((s.go_round or 0) <= 0.5 for s in m.segments[1:]), m.id


# ---------------------------------------------------------------- the changes page

CHANGED = module_text("alpha").replace(
    "materials: [Pens]\n",
    'materials: [Pens]\nreviewed_on: 2026-11-02\nchanges:\n  - 2026-11-01: "Rewrote the group agreement."\n'
    '  - 2026-12-01: "Added overdose safety."\n',
)


def test_changes_page_lists_front_matter_changes_without_git(make_curriculum: MakeCurriculum,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("iopcurr.source.loader.shutil.which", lambda name: None)
    page = files(make_curriculum(modules={"alpha": CHANGED}))["changes.html"]
    assert page.index("Added overdose safety.") < page.index("Rewrote the group agreement.")  # newest first
    assert "December 1, 2026" in page and "Reviewed on November 2, 2026." in page
    assert "The version history is not shown" in page
    assert 'href="changes.html"' in files(make_curriculum(modules={"alpha": CHANGED}, name="again"))["index.html"]


def test_changes_page_without_a_repository(make_curriculum: MakeCurriculum) -> None:
    source = make_curriculum(modules={"alpha": CHANGED})
    assert git_history(source) is None or shutil.which("git") is None
    assert "The version history is not shown" in files(source)["changes.html"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git: apt-get install git")
def test_changes_page_lists_git_commits(make_curriculum: MakeCurriculum) -> None:
    source = make_curriculum(modules={"alpha": CHANGED, "beta": module_text("beta")})
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    env = {"GIT_AUTHOR_DATE": "2026-10-01T12:00:00Z", "GIT_COMMITTER_DATE": "2026-10-01T12:00:00Z", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "-q"], cwd=source, check=True)
    subprocess.run([*git, "add", "."], cwd=source, check=True)
    subprocess.run([*git, "commit", "-qm", "First edition"], cwd=source, check=True, env=env)
    (source / "modules" / "alpha.md").write_text(CHANGED.replace("Name one thing.", "Name two things."), "utf-8")
    subprocess.run([*git, "commit", "-qam", "Alpha: a clearer objective"], cwd=source, check=True,
                   env={**env, "GIT_AUTHOR_DATE": "2026-11-15T12:00:00Z"})
    history = git_history(source)
    assert history is not None and [(c.date, c.subject, c.modules) for c in history] == [
        ("2026-11-15", "Alpha: a clearer objective", ("alpha",)), ("2026-10-01", "First edition", ("alpha", "beta"))]
    first, second = files(source)["changes.html"], files(source)["changes.html"]
    assert first == second  # the same repository gives the same bytes
    main = first[first.index('<article class="changes">'):]
    alpha = main[main.index("facilitator/alpha.html"):main.index("facilitator/beta.html")]
    assert "November 15, 2026</time>: Alpha: a clearer objective" in alpha and "First edition" in alpha
    assert "The version history is not shown" not in first


def test_parse_log_skips_translations_and_other_files() -> None:
    log = "\x1e2026-12-05\x1fBoth\n\nmodules/a.md\nmodules/a.es.md\nprogram.yml\n\x1e2026-12-04\x1fOnly yml\n\nprogram.yml\n"
    assert [(c.subject, c.modules) for c in parse_log(log)] == [("Both", ("a",))]


def test_bundled_modules_note_the_clinical_revision() -> None:
    page = files(BUNDLED)["changes.html"]
    orientation = page[page.index('<h2><a href="facilitator/orientation.html">'):]
    assert re.search(r"Rewrote the group agreement on substances", orientation)


def test_a_changes_item_that_is_not_a_dated_line_is_a_coded_problem(make_curriculum: MakeCurriculum) -> None:
    text = module_text("alpha").replace("materials: [Pens]\n", 'materials: [Pens]\nchanges:\n  - "Rewrote it"\n')
    found = [p.format() for p in run(make_curriculum(modules={"alpha": text})).problems if p.code == "IOP004"]
    assert len(found) == 1 and ":8: error IOP004: each of `changes` must be one line `- YYYY-MM-DD: what changed`" in found[0]
