"""`iopcurr build --pdf`: the PDFs, opened with pypdf and poppler.

WeasyPrint is slow, so every test here shares one build of one small curriculum (A4 paper, so
that the page size cannot be the default by chance).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import BUNDLED, PROGRAM, module_text, need_tool, need_weasyprint

from iopcurr.cli import cli

A4 = (595, 842)
GRIDS = 6
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

def _grid(g: int) -> str:
    labels = " | ".join(f"G{g}{d}" for d in DAYS)
    columns = "Day | What I did | Craving 0-10"
    return f'::: grid {{columns="{columns}" labels="{labels}"}}\nGrid number {g}\n:::\n'


# A handout with several week grids after one another: some would straddle a page break if
# the print style let them.
WORKSHEETS = (
    """\
---
title: Worksheets
summary: Many grids.
objectives: [Name one thing., Practise one thing.]
materials: [Pens]
---

Overview.

## Check-in

::: script
"Hello."
:::

## Topic

::: facilitator
HIDDEN coaching tip for worksheets.
:::

## Practice

::: handout {#many-grids title="Many Grids"}
Fill in one grid each week.

**Before you start**

- [ ] I have a pen.
- [x] I read the steps.

::: scale {low="None" high="Very strong"}
My craving now:
:::

"""
    + "\n".join(_grid(g) for g in range(1, GRIDS + 1))
    + """
:::

::: homework
Fill the grids.
:::
"""
)


@pytest.fixture(scope="session")
def pdf_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `iopcurr build --pdf` for the whole session."""
    need_weasyprint()
    root = tmp_path_factory.mktemp("pdfcur")
    src = root / "cur"
    (src / "modules").mkdir(parents=True)
    (src / "pages").mkdir()
    (src / "program.yml").write_text(PROGRAM + "handouts:\n  paper: a4\n  duplex: true\n", "utf-8")
    (src / "modules" / "alpha.md").write_text(module_text("alpha"), "utf-8")
    (src / "modules" / "beta.md").write_text(module_text("beta"), "utf-8")
    (src / "modules" / "worksheets.md").write_text(WORKSHEETS, "utf-8")
    out = root / "site"
    result = CliRunner().invoke(
        cli, ["build", str(src), "--out", str(out), "--pdf"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    # 3 handouts x 2 sizes, 3 fillable ones, the packet, the manual
    assert ", 11 PDFs," in result.output
    (root / "output.txt").write_text(result.output, "utf-8")
    return out


def pdftext(path: Path, page: int | None = None, crop: tuple[int, int, int, int] | None = None) -> str:
    """The text of a PDF, or of one page; `crop` (x, y, width, height in points) keeps one area."""
    tool = need_tool("pdftotext")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    area = ["-x", str(crop[0]), "-y", str(crop[1]), "-W", str(crop[2]), "-H", str(crop[3])] if crop else []
    return subprocess.run(
        [tool, *pages, *area, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def reader(path: Path) -> Any:
    from pypdf import PdfReader

    return PdfReader(path)


HANDOUTS = ("alpha-sheet", "beta-sheet", "many-grids")


def all_pdfs(site: Path) -> list[Path]:
    return sorted((site / "pdf").rglob("*.pdf"))


def test_pdf_files_for_handouts_both_sizes_packet_and_manual(pdf_site: Path) -> None:
    expected = {f"handouts/{h}.pdf" for h in HANDOUTS} | {
        f"handouts/large/{h}.pdf" for h in HANDOUTS
    }
    expected |= {"packet.pdf", "manual.pdf"} | {f"fill/{h}.pdf" for h in HANDOUTS}
    assert {p.relative_to(pdf_site / "pdf").as_posix() for p in all_pdfs(pdf_site)} == expected


def test_every_page_has_the_paper_size_of_program_yml(pdf_site: Path) -> None:
    for path in all_pdfs(pdf_site):
        for page in reader(path).pages:
            assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4, (
                path
            )


def test_pdfs_carry_title_and_language(pdf_site: Path) -> None:
    for path, title in [
        (pdf_site / "pdf" / "handouts" / "beta-sheet.pdf", "Sheet for Beta · Test Program"),
        (
            pdf_site / "pdf" / "handouts" / "large" / "beta-sheet.pdf",
            "Sheet for Beta (large print)",
        ),
        (pdf_site / "pdf" / "manual.pdf", "Facilitator manual · Test Program"),
        (pdf_site / "pdf" / "packet.pdf", "Client workbook · Test Program"),
    ]:
        pdf = reader(path)
        assert pdf.metadata.title.startswith(title)
        assert pdf.trailer["/Root"]["/Lang"] == "en"


def test_handout_pdfs_hold_the_handout_and_nothing_for_facilitators(pdf_site: Path) -> None:
    for hid in HANDOUTS:
        for path in (
            pdf_site / "pdf" / "handouts" / f"{hid}.pdf",
            pdf_site / "pdf" / "handouts" / "large" / f"{hid}.pdf",
        ):
            text = pdftext(path)
            assert ("Write one step." in text) or ("Fill in one grid each week." in text), path
            for secret in (
                "SECRET",
                "HIDDEN",
                "reading grade",
                "Let's go around",
                "Try the step",
                "Program home",
            ):
                assert secret not in text, (path, secret)
    packet = pdftext(pdf_site / "pdf" / "packet.pdf")
    assert "Sheet for Alpha" in packet and "Grid number 6" in packet
    assert "SECRET" not in packet and "HIDDEN" not in packet


def test_crisis_contacts_at_the_foot_of_every_handout_page(pdf_site: Path) -> None:
    for path in [*(pdf_site / "pdf" / "handouts").rglob("*.pdf"), pdf_site / "pdf" / "packet.pdf"]:
        for n in range(1, len(reader(path).pages) + 1):
            text = pdftext(path, n)
            if not text.strip() and path.name == "packet.pdf":
                continue  # the blank back of a sheet (handouts.duplex)
            assert "Need help right now?" in text and "988" in text, (path, n)


def test_manual_has_everything_and_a_bookmark_per_module(pdf_site: Path) -> None:
    manual = pdf_site / "pdf" / "manual.pdf"
    text = pdftext(manual)
    for expected in (
        "SECRET facilitator note for alpha",
        "HIDDEN coaching tip",
        "Grid number 3",
        "Appendix: client handouts",
    ):
        assert expected in text
    outline = reader(manual).outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == ["Contents", "Test Program", "Modules", "Appendix: client handouts"]
    assert [m.title for m in module_bookmarks(manual)] == ["Alpha", "Beta", "Worksheets"]


def module_bookmarks(manual: Path) -> list[Any]:
    outline = reader(manual).outline
    at = next(
        i
        for i, item in enumerate(outline)
        if not isinstance(item, list) and item.title == "Modules"
    )
    children = outline[at + 1]
    assert isinstance(children, list)
    return children


def test_manual_starts_every_module_on_a_new_page(pdf_site: Path) -> None:
    manual = pdf_site / "pdf" / "manual.pdf"
    pdf = reader(manual)
    starts = [pdf.get_destination_page_number(m) for m in module_bookmarks(manual)]
    assert starts == sorted(set(starts))
    for n, title in zip(starts[1:], ("Beta", "Worksheets"), strict=True):
        lines = [line.strip() for line in pdftext(manual, n + 1).splitlines() if line.strip()]
        # Only the running header (program, module) comes before the module's title.
        assert lines.index(title) <= 2, lines[:4]
        assert not any(
            line.startswith("SECRET facilitator note for") and title.lower() not in line
            for line in lines
        ), lines


def test_a_worksheet_is_never_split_across_pages(pdf_site: Path) -> None:
    for path in (
        pdf_site / "pdf" / "handouts" / "many-grids.pdf",
        pdf_site / "pdf" / "handouts" / "large" / "many-grids.pdf",
        pdf_site / "pdf" / "packet.pdf",
    ):
        count = len(reader(path).pages)
        assert count >= 3, (
            path
        )  # the grids do not fit on one or two pages, so breaks fall among them
        pages = [pdftext(path, n) for n in range(1, count + 1)]
        for g in range(1, GRIDS + 1):
            holding = {
                n
                for n, text in enumerate(pages)
                for part in (f"Grid number {g}", *(f"G{g}{d}" for d in DAYS))
                if part in text
            }
            assert len(holding) == 1, (path, g, holding)


def test_large_print_body_text_is_at_least_18_points(pdf_site: Path) -> None:
    def sizes(path: Path) -> Counter[float]:
        found: Counter[float] = Counter()

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                found[round(size * scale, 1)] += len(text.strip())

        for page in reader(path).pages:
            page.extract_text(visitor_text=visit)
        return found

    large = sizes(pdf_site / "pdf" / "handouts" / "large" / "alpha-sheet.pdf")
    regular = sizes(pdf_site / "pdf" / "handouts" / "alpha-sheet.pdf")
    body_large, body_regular = large.most_common(1)[0][0], regular.most_common(1)[0][0]
    assert body_large >= 18 > body_regular
    assert min(large) >= 9  # the running header and footer are the only smaller text


def test_pages_link_to_their_pdfs(pdf_site: Path) -> None:
    for page, pdf in [
        ("handouts/beta-sheet.html", "pdf/handouts/beta-sheet.pdf"),
        ("handouts/large/beta-sheet.html", "pdf/handouts/large/beta-sheet.pdf"),
        ("handouts/packet.html", "pdf/packet.pdf"),
        ("facilitator/manual.html", "pdf/manual.pdf"),
        ("index.html", "pdf/manual.pdf"),
        ("facilitator/alpha.html", "pdf/handouts/alpha-sheet.pdf"),
    ]:
        html = (pdf_site / page).read_text("utf-8")
        targets = {
            (pdf_site / page).parent.joinpath(h).resolve()
            for h in re.findall(r'href="([^"#]+\.pdf)"', html)
        }
        assert (pdf_site / pdf).resolve() in targets, page
        assert all(t.is_file() for t in targets), page


def test_pdf_links_lead_nowhere_outside_the_document(pdf_site: Path) -> None:
    """Links between site pages mean nothing in a PDF and are dropped; nothing points at a host."""
    for path in all_pdfs(pdf_site):
        for page in reader(path).pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                if action and "/URI" in action:
                    assert "iopcurr.invalid" not in str(action["/URI"]), path


def test_pdfs_are_the_same_whoever_makes_them(pdf_site: Path) -> None:
    """Byte-identical output: in one process or in several, and build after build."""
    from iopcurr.model import OutputFile
    from iopcurr.render.pdf import render_pdfs

    files = [
        OutputFile(p.relative_to(pdf_site).as_posix(), p.read_bytes())
        for p in pdf_site.rglob("*")
        if p.is_file() and p.suffix in (".html", ".css")
    ]
    jobs = [
        ("handouts/alpha-sheet.html", "pdf/handouts/alpha-sheet.pdf"),
        ("handouts/beta-sheet.html", "pdf/handouts/beta-sheet.pdf"),
    ]
    heard: list[str] = []
    one = render_pdfs(files, jobs, workers=1).files
    two = render_pdfs(files, jobs, workers=2, progress=heard.append).files
    assert one == two
    assert heard == ["PDF 1/2", "PDF 2/2"]
    assert one[0].content == (pdf_site / "pdf" / "handouts" / "alpha-sheet.pdf").read_bytes()


# ---------------------------------------------------------------- issue 20: handouts people fill in


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w’'-]+", text.replace("\u2011", "-").lower()))


def test_no_page_holds_nothing_but_the_crisis_contacts(pdf_site: Path) -> None:
    """The crisis box never stands alone on a sheet: every page that has any text has some
    besides the running header, the page number and the crisis contacts. (Only the blank back
    of a sheet, left by `handouts.duplex`, has no text at all.)"""
    handout = (pdf_site / "handouts" / "alpha-sheet.html").read_text("utf-8")
    crisis = re.search(r'<aside class="crisis".*?</aside>', handout, re.S)
    assert crisis is not None
    crisis_words = _words(re.sub(r"<[^>]+>", " ", crisis.group(0)))
    # The body of an A4 page: below the running header, above the tallest footer (large print).
    body = (0, 58, A4[0], A4[1] - 58 - 130)
    blank = []
    for path in all_pdfs(pdf_site):
        for n in range(1, len(reader(path).pages) + 1):
            if not pdftext(path, n).strip():
                blank.append((path.name, n))
                continue
            text = pdftext(path, n, crop=body)
            own = {w for w in _words(text) if not w.isdigit()} - crisis_words
            assert own, (path, n, text)
    # Blank backs only in the duplex packet, each right before a handout that starts a sheet.
    assert {name for name, _ in blank} <= {"packet.pdf"}


def test_duplex_packet_starts_every_handout_on_a_right_hand_page(pdf_site: Path) -> None:
    packet = reader(pdf_site / "pdf" / "packet.pdf")
    starts = {
        item.title: packet.get_destination_page_number(item)
        for item in packet.outline
        if not isinstance(item, list)
    }
    for title in ("Sheet for Alpha", "Sheet for Beta", "Many Grids"):
        assert starts[title] % 2 == 0, (title, starts)  # 0-based: pages 1, 3, 5, ... are right-hand


def test_every_pdf_is_tagged_pdf_ua(pdf_site: Path) -> None:
    """PDF/UA-1: a structure tree, marked content, the language, a title shown as the window
    title, and the PDF/UA identification in the XMP metadata."""
    for path in all_pdfs(pdf_site):
        pdf = reader(path)
        root = pdf.trailer["/Root"]
        assert "/StructTreeRoot" in root, path
        assert bool(root["/MarkInfo"]["/Marked"]), path
        assert root["/Lang"] == "en", path
        assert pdf.metadata.title, path
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]), path
        xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
        assert "pdfuaid:part" in xmp and "1" in xmp.split("pdfuaid:part")[1][:5], path
        # The worksheets are in the tree: headings, lists and the grid tables.
        kinds = _struct_kinds(root["/StructTreeRoot"])
        assert {"/H1", "/P"} <= kinds, (path, kinds)
        if path.name == "many-grids.pdf" and "fill" not in path.parts:
            assert {"/Table", "/TH", "/TD", "/L", "/LI"} <= kinds, kinds


def _struct_kinds(node: Any, found: set[str] | None = None, depth: int = 0) -> set[str]:
    found = set() if found is None else found
    node = node.get_object()
    if depth > 60:
        return found
    if hasattr(node, "get") and "/S" in node:
        found.add(str(node["/S"]))
    kids = node.get("/K") if hasattr(node, "get") else None
    if kids is None:
        return found
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "get"):
            _struct_kinds(kid, found, depth + 1)
    return found


def test_fillable_pdfs_have_a_named_field_for_every_worksheet_part(pdf_site: Path) -> None:
    fields = reader(pdf_site / "pdf" / "fill" / "many-grids.pdf").get_fields()
    assert all(str(f.get("/TU", "")).strip() for f in fields.values()), fields
    assert fields["name"]["/FT"] == "/Tx" and fields["name"]["/TU"] == "Name"
    assert fields["date"]["/FT"] == "/Tx" and fields["date"]["/TU"] == "Date"
    # One check box per checklist item, named by its words, ticked where the source says [x].
    assert fields["check-1"]["/FT"] == "/Btn" and fields["check-1"]["/TU"] == "I have a pen."
    assert fields["check-2"]["/TU"] == "I read the steps." and fields["check-2"].get("/V") == "/on"
    # One radio group for the scale: 0 to 10.
    scale = fields["scale-1"]
    assert scale["/FT"] == "/Btn" and int(scale["/Ff"]) & (1 << 15)  # the radio flag
    assert scale["/TU"].startswith("My craving now")
    assert [str(o) for o in scale["/Opt"]] == [str(v) for v in range(11)]
    # A text field per grid cell, named by its row label and column head.
    grid = {k: f for k, f in fields.items() if k.startswith("grid-")}
    assert len(grid) == GRIDS * len(DAYS) * 2
    assert fields["grid-1-1-2"]["/TU"] == "G1Mon, What I did"
    assert fields["grid-6-7-3"]["/TU"] == "G6Sun, Craving 0-10"
    # Writing lines: a multi-line text field named by its prompt.
    lines = reader(pdf_site / "pdf" / "fill" / "alpha-sheet.pdf").get_fields()["lines-1"]
    assert lines["/FT"] == "/Tx" and int(lines["/Ff"]) & (1 << 12) and lines["/TU"] == "My step:"


def test_handout_pages_link_their_fillable_pdf(pdf_site: Path) -> None:
    for page, target in [
        ("handouts/alpha-sheet.html", "../pdf/fill/alpha-sheet.pdf"),
        ("handouts/large/many-grids.html", "../../pdf/fill/many-grids.pdf"),
    ]:
        html = (pdf_site / page).read_text("utf-8")
        assert f'<a href="{target}">Fill in on screen (PDF)</a>' in html, page


def test_a_handout_longer_than_two_pages_is_a_warning(pdf_site: Path) -> None:
    output = (pdf_site.parent / "output.txt").read_text("utf-8")
    assert len(reader(pdf_site / "pdf" / "handouts" / "many-grids.pdf").pages) > 2
    assert re.search(r"worksheets\.md:\d+: warning IOP030: the handout `many-grids` prints on \d pages", output)
    assert "`alpha-sheet` prints" not in output


def test_check_pages_counts_the_printed_pages_with_the_builds_pdfs(pdf_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --pages` warns as `build --pdf` does, from the PDFs the build left in its cache:
    nothing is made again, nothing is removed."""
    monkeypatch.chdir(pdf_site.parent)  # `check cur` measures with the cache of ./site
    cached = sorted((pdf_site / ".iopcurr-cache" / "pdf").iterdir())
    result = CliRunner().invoke(cli, ["check", "cur", "--pages"], catch_exceptions=False)
    assert re.search(r"worksheets\.md:\d+: warning IOP030: the handout `many-grids` prints on \d pages", result.output)
    assert "`alpha-sheet` prints" not in result.output and "Note:" not in result.output
    assert sorted((pdf_site / ".iopcurr-cache" / "pdf").iterdir()) == cached


def test_check_pages_without_weasyprint_is_one_note(make_curriculum: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now fails
    result = CliRunner().invoke(cli, ["check", str(make_curriculum()), "--pages"])
    assert result.exit_code == 0 and result.exception is None, result.output
    (note,) = [line for line in result.output.splitlines() if "page check" in line]
    assert note.startswith("Note: ") and 'pip install "iopcurr[pdf]"' in note
    assert "IOP030" not in result.output and "Traceback" not in result.output


def test_a_weasyprint_older_than_67_stops_the_pdf_build_with_the_install_command(
        make_curriculum: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    need_weasyprint()
    import weasyprint

    monkeypatch.setattr(weasyprint, "__version__", "66.0")
    result = CliRunner().invoke(cli, ["build", str(make_curriculum()), "-o", str(tmp_path / "site"), "--pdf"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "version 66.0 is installed; 67 or later is needed" in result.output and "pip install" in result.output
    assert not (tmp_path / "site").exists()


def test_every_bundled_handout_prints_on_at_most_two_pages() -> None:
    """Each handout of the bundled curriculum, English and Spanish, in regular print on its Letter
    paper: at most 2 pages (large print may be longer)."""
    need_weasyprint()
    from iopcurr.pipeline import long_handout_problems

    assert [p.format() for p in long_handout_problems(BUNDLED, None)] == []


def test_crisis_numbers_never_break_and_large_print_footer_is_body_size(pdf_site: Path) -> None:
    for path in (pdf_site / "pdf" / "handouts").rglob("*.pdf"):
        text = pdftext(path, 1).replace("\u2011", "-")
        assert "1-800-662-4357" in text, path  # on one line: pdftotext ends a broken line with "1-\n"

    found: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if "Need help" in text or "Lifeline" in text:
            found.append(size * (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5)

    reader(pdf_site / "pdf" / "handouts" / "large" / "alpha-sheet.pdf").pages[0].extract_text(visitor_text=visit)
    assert found and min(found) >= 17.9, found


def test_unchanged_pdfs_come_from_the_cache(pdf_site: Path, tmp_path: Path) -> None:
    """Made once, then taken from the cache; after one page changes, only its PDF is made."""
    from iopcurr.model import OutputFile
    from iopcurr.render.pdf import render_pdfs

    cache = pdf_site / ".iopcurr-cache"
    assert (cache / "CACHEDIR.TAG").is_file() and len(list((cache / "pdf").glob("*.pdf"))) == 11

    files = [
        OutputFile(p.relative_to(pdf_site).as_posix(), p.read_bytes())
        for p in pdf_site.rglob("*")
        if p.is_file() and p.suffix in (".html", ".css") and ".iopcurr-cache" not in p.parts
    ]
    jobs = [
        ("handouts/alpha-sheet.html", "pdf/handouts/alpha-sheet.pdf"),
        ("handouts/beta-sheet.html", "pdf/handouts/beta-sheet.pdf"),
        ("handouts/alpha-sheet.html", "pdf/fill/alpha-sheet.pdf"),
    ]
    first = render_pdfs(files, jobs, workers=1, cache=tmp_path / "c" / "pdf")
    assert first.rendered == tuple(t for _, t in jobs)
    again = render_pdfs(files, jobs, workers=1, cache=tmp_path / "c" / "pdf")
    assert again.rendered == () and again.files == first.files and again.pages == first.pages
    edited = [
        OutputFile(f.path, f.content.replace(b"You can do this.", b"You can do it."))
        if f.path == "handouts/beta-sheet.html" else f
        for f in files
    ]
    third = render_pdfs(edited, jobs, workers=1, cache=tmp_path / "c" / "pdf")
    assert third.rendered == ("pdf/handouts/beta-sheet.pdf",)
    assert third.files[1] != first.files[1] and third.files[0] == first.files[0]
    # A new stylesheet makes every PDF again.
    restyled = [
        OutputFile(f.path, f.content + b"\nh1 { color: #000; }") if f.path == "static/print.css" else f
        for f in edited
    ]
    assert len(render_pdfs(restyled, jobs, workers=1, cache=tmp_path / "c" / "pdf").rendered) == 3


def _ink(ppm: Path) -> tuple[float, float]:
    """The ink of a page image (binary PPM): its mean darkness, 0 white to 1 black (a sum, so a
    thin line counts the same whether the renderer draws it on one pixel row or shades two),
    and the height (0 top, 1 bottom) of the first row of the body that holds a dark pixel."""
    data = ppm.read_bytes()
    fields = data.split(maxsplit=4)
    width, height, body = int(fields[1]), int(fields[2]), fields[4]
    first = 1.0
    for y in range(height):
        row = body[y * width * 3 : (y + 1) * width * 3]
        if first == 1.0 and y > height * 0.09 and any(sum(row[x : x + 3]) < 384 for x in range(0, len(row), 3)):
            first = y / height  # below the running header
    return 1 - sum(body) / (255 * len(body)), first


def test_a_handout_printed_from_the_browser_looks_like_its_pdf(pdf_site: Path, tmp_path: Path) -> None:
    """Chromium's print of a handout page and WeasyPrint's PDF of it: the same paper, pages,
    words in the same order, about as much ink, the body starting at the same height. The page
    images are kept in $IOPCURR_SCREENSHOTS (or the test's temporary folder) to look at."""
    import os

    need_tool("/usr/bin/chromium")
    pdftoppm = need_tool("pdftoppm")
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("IOPCURR_SCREENSHOTS") or tmp_path) / "print-vs-pdf"
    shots.mkdir(parents=True, exist_ok=True)
    for hid in ("alpha-sheet", "many-grids"):
        printed = tmp_path / f"{hid}-chromium.pdf"
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            page.goto((pdf_site / "handouts" / f"{hid}.html").as_uri())
            page.pdf(path=str(printed), prefer_css_page_size=True)
            browser.close()
        made = pdf_site / "pdf" / "handouts" / f"{hid}.pdf"
        assert len(reader(printed).pages) == len(reader(made).pages), hid
        box = reader(printed).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == A4

        def lines(path: Path) -> list[str]:
            skip = ("Need help", "Test Program", "National Helpline", "Lifeline", "/", "Space to write")
            found = [line.strip() for line in pdftext(path).splitlines()
                     if line.strip() and not any(s in line for s in skip)]
            return list(dict.fromkeys(found))  # once each: WeasyPrint also heads the page with the title

        assert [w for w in lines(printed) if w in lines(made)][:6] == lines(made)[:6], hid
        for name, pdf_path in (("chromium", printed), ("weasyprint", made)):
            subprocess.run([pdftoppm, "-r", "30", "-f", "1", "-l", "1", str(pdf_path), str(shots / f"{hid}-{name}")],
                           check=True)
        (a,) = shots.glob(f"{hid}-chromium*.ppm")
        (b,) = shots.glob(f"{hid}-weasyprint*.ppm")
        ink_a, top_a = _ink(a)
        ink_b, top_b = _ink(b)
        assert 0.4 < ink_a / ink_b < 2.5, (hid, ink_a, ink_b)  # thin lines anti-alias differently
        assert abs(top_a - top_b) < 0.05, (hid, top_a, top_b)


def test_tonights_handouts_come_as_one_pdf_per_module(make_curriculum: Any, tmp_path: Path) -> None:
    need_weasyprint()
    from pypdf import PdfReader

    program = PROGRAM + "schedule:\n  weeks: 1\n  days: [mon, wed, thu]\n  first_date: 2027-01-04\n"
    src = make_curriculum({"alpha": module_text("alpha"), "beta": module_text("beta")}, program=program)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", str(src), "--out", str(out), "--pdf", "--today", "2027-01-06"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for ident in ("alpha", "beta"):
        text = " ".join(p.extract_text() for p in PdfReader(out / "pdf" / "bundles" / f"{ident}.pdf").pages)
        assert "You can do this" in " ".join(text.split()) and "SECRET" not in text
    card = (out / "index.html").read_text("utf-8")
    assert 'href="pdf/bundles/beta.pdf">PDF</a>' in card  # the card fixed by --today: session 2, Wednesday
    data = (out / "static" / "sessions.js").read_text("utf-8")
    assert '"pdf": "pdf/bundles/alpha.pdf"' in data  # what night.js reads for the card in the browser
    again = tmp_path / "plain"
    assert CliRunner().invoke(cli, ["build", str(src), "--out", str(again)]).exit_code == 0
    assert '"pdf": ""' in (again / "static" / "sessions.js").read_text("utf-8")
    assert not (again / "pdf").exists()
