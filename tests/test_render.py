from __future__ import annotations

import re
from pathlib import Path

from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import run


def pages_of(root: Path) -> dict[str, str]:
    result = run(root)
    assert result.ok, [p.format() for p in result.problems]
    return {f.path: f.content.decode() for f in result.files if not f.path.endswith(".png")}


def test_expected_pages_exist(make_curriculum: MakeCurriculum) -> None:
    pages = pages_of(make_curriculum({"alpha": module_text("alpha")}, {"about": "---\ntitle: About\n---\n\n## Hi\n"}))
    for path in ("index.html", "facilitator/alpha.html", "handouts/alpha-sheet.html", "pages/about.html",
                 "pages/authoring-guide.html", "static/iopcurr.css", "static/theme.css"):
        assert path in pages


def test_handout_page_has_no_facilitator_content_and_has_crisis_contacts(make_curriculum: MakeCurriculum) -> None:
    pages = pages_of(make_curriculum())
    handout = pages["handouts/alpha-sheet.html"]
    assert "You can do this." in handout
    for guide_only in ("SECRET facilitator note", "Let’s go around the room", "What do you think?", "Try the step."):
        assert guide_only not in handout
        assert guide_only in pages["facilitator/alpha.html"]
    text = re.sub(r"<[^>]+>", "", handout)  # the numbers are tel: links
    assert "Call or text 988" in text and "1-800-662-4357" in text


def test_module_page_shows_plan_with_clock_times(make_curriculum: MakeCurriculum) -> None:
    page = pages_of(make_curriculum())["facilitator/alpha.html"]
    assert "6:00 PM–6:05 PM" in page and "7:25 PM–7:30 PM" in page
    assert 'href="../handouts/alpha-sheet.html"' in page


def test_content_is_never_evaluated_as_a_template(make_curriculum: MakeCurriculum) -> None:
    text = module_text("alpha").replace("Overview for the facilitator.", "Use {{ site.title }} and {% raw %}x")
    page = pages_of(make_curriculum({"alpha": text}))["facilitator/alpha.html"]
    assert "{{ site.title }}" in page and "{% raw %}" in page


def test_all_links_are_relative(make_curriculum: MakeCurriculum) -> None:
    for path, html in pages_of(make_curriculum()).items():
        if path.endswith(".html"):
            assert 'href="/' not in html and 'src="/' not in html, path


def test_override_template_wins_per_template(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum(program="title: T\ntheme:\n  override: mytheme\n")
    (root / "mytheme" / "templates").mkdir(parents=True)
    (root / "mytheme" / "templates" / "page.html").write_text("CUSTOM {{ view.title }}")
    (root / "mytheme" / "static").mkdir()
    (root / "mytheme" / "static" / "extra.css").write_text("/* mine */")
    pages = pages_of(root)
    assert pages["pages/authoring-guide.html"].startswith("CUSTOM Authoring Guide")
    assert "<!DOCTYPE html>" in pages["index.html"]  # other templates still from the default theme
    assert pages["static/extra.css"] == "/* mine */"


def test_broken_override_template_is_a_problem_not_a_traceback(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum(program="title: T\ntheme:\n  override: t\n")
    (root / "t" / "templates").mkdir(parents=True)
    (root / "t" / "templates" / "page.html").write_text("{{ view.nope }}")
    result = run(root)
    assert not result.ok and [p.code for p in result.problems] == ["IOP032"]


def test_accent_colour_goes_to_a_css_file_not_inline(make_curriculum: MakeCurriculum) -> None:
    pages = pages_of(make_curriculum(program='title: T\ntheme:\n  accent: "#123456"\n'))
    assert "--accent: #123456" in pages["static/theme.css"]
    assert "style=" not in pages["index.html"]


def test_same_input_same_bytes(make_curriculum: MakeCurriculum) -> None:
    root = make_curriculum()
    assert pages_of(root) == pages_of(root)
