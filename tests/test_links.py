"""Links between modules and pages are written to source files and rewritten to built pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MakeCurriculum, module_text

from iopcurr.pipeline import run
from iopcurr.plan.links import classify
from iopcurr.source.markup import Converter

RunCli = Callable[..., Result]


@pytest.mark.parametrize(
    ("folder", "url", "href", "kind", "target", "anchor"),
    [
        ("modules", "other.md", "../facilitator/other.html", "module", "other", ""),
        ("modules", "other.md#check-in", "../facilitator/other.html#other-check-in", "module", "other", "check-in"),
        ("modules", "other.md#session-plan", "../facilitator/other.html#session-plan", "module", "other", "session-plan"),
        ("modules", "../pages/notes.md#part", "../pages/notes.html#notes-part", "page", "notes", "part"),
        ("modules", "#check-in", "#me-check-in", "module", "me", "check-in"),
        ("pages", "#part", "#me-part", "page", "me", "part"),
        ("pages", "other.md", "../pages/other.html", "page", "other", ""),
        ("pages", "../modules/x.md", "../facilitator/x.html", "module", "x", ""),
        ("modules", "../assets/my%20pic.png", "../assets/my%20pic.png", "asset", "assets/my pic.png", ""),
        ("modules", "../assets/guide.pdf#page=2", "../assets/guide.pdf#page=2", "asset", "assets/guide.pdf", "page=2"),
        ("modules", "../handouts/h.html", "../handouts/h.html", "site", "handouts/h.html", ""),
        ("pages", "../schedule.html#week-2", "../schedule.html#week-2", "site", "schedule.html", "week-2"),
        ("modules", "assets/x.pdf", "../modules/assets/x.pdf", "asset", "modules/assets/x.pdf", ""),
        ("modules", "../pages/p.html", "../pages/p.html", "site", "pages/p.html", ""),
        ("modules", "https://988lifeline.org/", "https://988lifeline.org/", "external", "", ""),
        ("modules", "mailto:team@example.org", "mailto:team@example.org", "external", "", ""),
        ("modules", "tel:988", "tel:988", "external", "", ""),
    ],
)
def test_classify(folder: str, url: str, href: str, kind: str, target: str, anchor: str) -> None:
    t = classify(url, folder, "me", image=False)
    assert (t.href, t.kind, t.target, t.anchor, t.code) == (href, kind, target, anchor, "")


@pytest.mark.parametrize(
    ("url", "image", "code", "severity"),
    [
        ("javascript:alert(1)", False, "IOP024", "warning"),
        ("java\tscript:alert(1)", False, "IOP024", "warning"),
        ("&#x6A;avascript:alert(1)", False, "IOP024", "warning"),
        ("file:///etc/passwd", False, "IOP026", "error"),
        ("data:image/png;base64,AAAA", True, "IOP026", "error"),
        ("//example.org/page", False, "IOP026", "error"),
        ("https://example.org/a.png", True, "IOP029", "error"),
        ("/etc/passwd", False, "IOP029", "error"),
        ("../../secret.md", False, "IOP029", "error"),
        ("../program.md", False, "IOP026", "error"),
        ("other.md", True, "IOP026", "error"),
        ("", False, "IOP026", "error"),
        ("", True, "IOP025", "error"),
        ("#top", True, "IOP025", "error"),
    ],
)
def test_classify_problems(url: str, image: bool, code: str, severity: str) -> None:
    t = classify(url, "modules", "me", image=image)
    assert (t.code, t.severity) == (code, severity)
    assert t.message and t.hint


def test_built_links_point_at_built_pages(make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path) -> None:
    alpha = module_text("alpha").replace(
        "Overview for the facilitator.",
        "Overview. Next: [beta](beta.md), [its topic](beta.md#topic-the-topic), [its plan](beta.md#session-plan), "
        "[our practice](#practice-and-summary), [the notes](../pages/notes.md#how-to-start), "
        "[a handout file](../assets/sheet.pdf) and ![A chart](../assets/chart.png).",
    )
    notes = "---\ntitle: Notes\n---\n\n## How to start\n\nSee [alpha](../modules/alpha.md#check-in-current-concerns).\n\n## How to start\n"
    src = make_curriculum(modules={"alpha": alpha, "beta": module_text("beta")}, pages={"notes": notes})
    (src / "assets").mkdir()
    (src / "assets" / "sheet.pdf").write_bytes(b"%PDF-1.4")
    (src / "assets" / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    out = tmp_path / "site"
    result = run_cli("build", str(src), "--out", str(out))
    assert result.exit_code == 0, result.output
    page = (out / "facilitator" / "alpha.html").read_text("utf-8")
    for href in ('href="../facilitator/beta.html"', 'href="../facilitator/beta.html#beta-topic-the-topic"',
                 'href="../facilitator/beta.html#session-plan"', 'href="#alpha-practice-and-summary"',
                 'href="../pages/notes.html#notes-how-to-start"', 'href="../assets/sheet.pdf"', 'src="../assets/chart.png"'):
        assert href in page
    assert 'id="beta-topic-the-topic"' in (out / "facilitator" / "beta.html").read_text("utf-8")
    assert 'id="alpha-practice-and-summary"' in page
    notes_html = (out / "pages" / "notes.html").read_text("utf-8")
    assert 'id="notes-how-to-start"' in notes_html and 'id="notes-how-to-start-2"' in notes_html
    assert 'href="../facilitator/alpha.html#alpha-check-in-current-concerns"' in notes_html
    # every rewritten link resolves to a file of the site
    for rel in ("facilitator/beta.html", "pages/notes.html", "assets/sheet.pdf", "assets/chart.png"):
        assert (out / rel).is_file()


def test_broken_anchor_suggests_the_closest(make_curriculum: MakeCurriculum) -> None:
    alpha = module_text("alpha").replace("Overview for the facilitator.", "See [topic](beta.md#topic-the-topik).")
    src = make_curriculum(modules={"alpha": alpha, "beta": module_text("beta")})
    problems = [p for p in run(src).problems if p.code == "IOP026"]
    assert [(p.line, p.column, p.message, p.hint) for p in problems] == [
        (10, 13, "the link `beta.md#topic-the-topik` points to an anchor `topic-the-topik` that module `beta` does not have.",
         "Did you mean `#topic-the-topic`?")
    ]


def test_segment_and_heading_anchors_are_unique_and_fast() -> None:
    body = "## Same\n\n### Same\n\n" * 3000
    converted = Converter().convert(body, "m.md", 1, "m")
    assert len(set(converted.anchors)) == len(converted.anchors) == 6000
    assert [s.anchor for s in converted.segments[:3]] == ["m-same", "m-same-2", "m-same-3"]


def test_links_to_pages_of_the_built_site(make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path) -> None:
    page = ("---\ntitle: Notes\n---\n\nPrint [the sheet](../handouts/alpha-sheet.html), see [the calendar](../schedule.html) "
            "and [session one](../sessions/1.html).\n")
    src = make_curriculum(pages={"notes": page})
    out = tmp_path / "site"
    assert run_cli("build", str(src), "--out", str(out)).exit_code == 0
    html = (out / "pages" / "notes.html").read_text("utf-8")
    for href in ("../handouts/alpha-sheet.html", "../schedule.html", "../sessions/1.html"):
        assert f'href="{href}"' in html and (out / "pages" / href).resolve().is_file()


def test_a_link_to_a_page_the_site_does_not_have(make_curriculum: MakeCurriculum, run_cli: RunCli, tmp_path: Path) -> None:
    page = "---\ntitle: Notes\n---\n\nPrint [the sheet](../handouts/alpha-shet.html).\n"
    src = make_curriculum(pages={"notes": page})
    out = tmp_path / "site"
    result = run_cli("build", str(src), "--out", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert problem_lines(result) == [
        f"{src}/pages/notes.md:5:19: error IOP026: the link `../handouts/alpha-shet.html` points to "
        "handouts/alpha-shet.html, which the site does not have. Hint: Did you mean `../handouts/alpha-sheet.html`?"
    ]


def problem_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if " IOP" in line]
