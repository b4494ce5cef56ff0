"""Handouts people want to fill in (issue 20), as HTML: numbered section heads, a name and date
line, write-in boxes, crisis numbers to tap, the print rules that keep the crisis box off a sheet
of its own, duplex printing, and the fillable variant made for the PDF renderer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PROGRAM, MakeCurriculum, module_text

from iopcurr.pipeline import build
from iopcurr.render.pdf import fillable_html

THEME = Path(__file__).resolve().parent.parent / "themes" / "default" / "static"

SHEET = '''
::: handout {#my-plan title="My Plan"}
Read each step. Then fill it in.

**Step one: notice**

- [ ] I feel tense.
- [x] I feel tired.

**I feel ___ when ___.**

::: scale {low="Calm" high="Very upset"}
How upset am I?
:::

**Step two: plan**

::: lines {n=3}
What will I do?
:::

::: grid {columns="Person | Phone" rows=2}
People I can call
:::

:::
'''


@pytest.fixture
def site(make_curriculum: MakeCurriculum, tmp_path: Path) -> Path:
    text = module_text("alpha").replace("::: homework", SHEET + "\n::: homework")
    src = make_curriculum(modules={"alpha": text}, program=PROGRAM + "site_url: https://clinic.example.org/iop/\nhandouts:\n  duplex: true\n")
    out = tmp_path / "site"
    result = build(src, out)
    assert result.ok, [p.format() for p in result.problems]
    return out


def main_of(path: Path) -> str:
    html = path.read_text("utf-8")
    return html[html.index("<main") : html.index("</main>")]


def test_bold_only_paragraphs_of_a_handout_become_numbered_headings(site: Path) -> None:
    html = main_of(site / "handouts" / "my-plan.html")
    # Heads that bring their own numbers ("Step one:") get no badge from the theme as well.
    assert re.findall(r'<h2 class="ws-step ws-numbered">([^<]*)</h2>', html) == ["Step one: notice", "Step two: plan"]
    # A bold sentence with blanks to fill in stays a paragraph.
    assert "<p><strong>I feel ___ when ___.</strong></p>" in html
    css = (THEME / "iopcurr.css").read_text("utf-8")
    assert "counter-reset: ws-step" in css and "content: counter(ws-step)" in css
    assert re.search(r"\.ws-step\.ws-numbered::before \{ content: none;", css)
    # In the packet the heads move down a level under the handout's title.
    packet = main_of(site / "handouts" / "packet.html")
    assert '<h3 class="ws-step ws-numbered">Step one: notice</h3>' in packet


@pytest.mark.parametrize(("heads", "badges"), [
    (["My week", "My people"], True),
    (["1. My week", "2. My people"], False),
    (["Why it matters", "Step 1. Name the problem."], False),  # one own number is enough: no mixed numbering
    (["Paso uno: fíjese", "Paso dos: planee"], False),
    (["10 things to try", "A plan for 2 weeks"], True),  # a number, but not a step's
])
def test_the_theme_numbers_heads_only_when_they_have_no_number_of_their_own(heads: list[str], badges: bool) -> None:
    from iopcurr.render.books import step_heads

    html = step_heads("".join(f"<p><strong>{h}</strong></p><p>Text.</p>" for h in heads))
    assert re.findall(r"<h2 [^>]*>([^<]*)</h2>", html) == heads
    assert html.count('class="ws-step"') == (len(heads) if badges else 0)
    assert html.count('class="ws-step ws-numbered"') == (0 if badges else len(heads))


def test_every_handout_has_a_name_and_date_line_the_facilitator_page_none(site: Path) -> None:
    line = re.compile(r'<p class="ws-name"><span class="ws-label">Name</span> .*?<span class="ws-label">Date</span>')
    for page in ("handouts/my-plan.html", "handouts/alpha-sheet.html", "handouts/large/my-plan.html"):
        assert line.search(main_of(site / page)), page
    assert len(line.findall(main_of(site / "handouts" / "packet.html"))) == 2
    assert "ws-name" not in (site / "facilitator" / "alpha.html").read_text("utf-8")
    assert ".manual .ws-name { display: none; }" in (THEME / "print.css").read_text("utf-8")


def test_write_in_areas_are_light_boxes_and_prompts_stand_out() -> None:
    css = (THEME / "iopcurr.css").read_text("utf-8")
    box = re.search(r"\.ws-lines, \.ws-scale, \.ws-checklist \{([^}]*)\}", css)
    assert box and "background: #f6f8fa" in box.group(1) and "border:" in box.group(1)
    assert re.search(r"\.ws > p:first-child, \.ws-grid caption \{ font-weight: 700; \}", css)


def test_crisis_numbers_can_be_tapped_and_never_break(site: Path) -> None:
    html = main_of(site / "handouts" / "my-plan.html")
    assert '<a class="tel" href="tel:988">988</a>' in html
    assert '<a href="sms:988">send a text to 988</a>' in html
    assert '<a class="tel" href="tel:18006624357">1-800-662-4357</a>' in html
    assert '<a class="tel" href="tel:911">911</a>' in html
    assert "sms:911" not in html  # "Call 911" takes no texts
    assert ".tel { white-space: nowrap;" in (THEME / "iopcurr.css").read_text("utf-8")
    # The printed footer: non-breaking hyphens (U+2011) inside the number.
    css = (site / "static" / "theme.css").read_text("utf-8")
    assert "1\u2011800\u2011662\u20114357" in css


def test_on_paper_the_footer_carries_the_crisis_contacts_not_a_box(site: Path) -> None:
    css = (THEME / "print.css").read_text("utf-8")
    assert ".handout .crisis { display: none; }" in css
    large = re.search(r"@page handout-large \{.*?@bottom-left \{([^}]*)\}", css, re.S)
    assert large and "font-size: 18pt" in large.group(1)
    # The packet's cover keeps its box: the cover page has no footer.
    packet = (site / "handouts" / "packet.html").read_text("utf-8")
    cover = packet[packet.index('<header class="cover">') : packet.index("</header>", packet.index('<header class="cover">'))]
    assert 'class="crisis"' in cover


def test_duplex_starts_each_packet_handout_on_a_right_hand_page(
    site: Path, make_curriculum: MakeCurriculum, tmp_path: Path
) -> None:
    rule = ".packet .book-handout { break-before: right; }"
    assert rule in (site / "static" / "theme.css").read_text("utf-8")
    plain = make_curriculum(name="plain")
    build(plain, tmp_path / "plain-site")
    assert rule not in (tmp_path / "plain-site" / "static" / "theme.css").read_text("utf-8")


def test_fillable_variant_puts_a_named_field_in_every_place_to_write(site: Path) -> None:
    html = fillable_html((site / "handouts" / "my-plan.html").read_text("utf-8"))
    assert re.search(r'<input type="text" class="ws-field ws-field-name" name="name" title="Name">', html)
    assert re.search(r'<input type="text" class="ws-field ws-field-date" name="date" title="Date">', html)
    checks = re.findall(r'<input type="checkbox" [^>]*name="(check-\d)" title="([^"]*)"( checked)?>', html)
    assert checks == [("check-1", "I feel tense.", ""), ("check-2", "I feel tired.", " checked")]
    radios = re.findall(r'<input type="radio" [^>]*name="scale-1" value="(\d+)" title="How upset am I\?: \1">', html)
    assert radios == [str(v) for v in range(11)]
    assert re.search(r'<textarea class="ws-field ws-field-lines ws-rows-3" name="lines-1" title="What will I do\?">', html)
    cells = re.findall(r'<input type="text" class="ws-field" name="(grid-1-\d-\d)" title="([^"]*)">', html)
    assert cells == [("grid-1-1-1", "Row 1, Person"), ("grid-1-1-2", "Row 1, Phone"),
                     ("grid-1-2-1", "Row 2, Person"), ("grid-1-2-2", "Row 2, Phone")]
    # Nothing drawn is left where a field now is.
    assert 'class="ws-line"' not in html and 'class="ws-box"' not in html and "&nbsp;</td>" not in html


def test_handout_without_pdfs_links_no_fillable_pdf(site: Path) -> None:
    assert "Fill in on screen" not in (site / "handouts" / "my-plan.html").read_text("utf-8")


# ---------------------------------------------------------------- valid and accessible


def test_handout_pages_and_stylesheets_stay_valid_html5(site: Path) -> None:
    from test_html_valid import PAGED_MEDIA, vnu

    files = [site / "handouts" / "my-plan.html", site / "handouts" / "large" / "my-plan.html",
             site / "handouts" / "packet.html", site / "facilitator" / "manual.html",
             *sorted((site / "static").glob("*.css"))]
    messages = [m for m in vnu(files) if not PAGED_MEDIA.search(m["message"])]
    assert not messages, [(m["url"].rsplit("/", 1)[-1], m.get("lastLine"), m["message"]) for m in messages]


def test_axe_finds_nothing_on_the_handout_pages(browser: object, site: Path) -> None:
    from conftest import AXE_JS, need_tool

    need_tool(str(AXE_JS))
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    for rel in ("handouts/my-plan.html", "handouts/large/my-plan.html", "handouts/packet.html"):
        page.goto((site / rel).as_uri())
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        assert not result["violations"], (rel, [(v["id"], [n["target"] for n in v["nodes"]][:3])
                                                for v in result["violations"]])
        # The steps are headings a screen reader can jump to, after the page title.
        names = page.evaluate("() => [...document.querySelectorAll('main h1, main h2')].map(h => h.tagName)")
        assert names[0] == "H1" or rel.endswith("packet.html")
    context.close()


# ---------------------------------------------------------------- QR codes on paper (site_url)


def test_with_site_url_each_printed_handout_carries_a_qr_code_to_its_page(
    make_curriculum: MakeCurriculum, tmp_path: Path
) -> None:
    pytest.importorskip("segno", reason="needs segno: pip install -e '.[pdf]'")
    src = make_curriculum(program=PROGRAM + "site_url: https://clinic.example.org/iop\n")
    out = tmp_path / "site"
    assert build(src, out).ok
    for rel, url in (("handouts/alpha-sheet.html", "https://clinic.example.org/iop/handouts/alpha-sheet.html"),
                     ("handouts/large/alpha-sheet.html",
                      "https://clinic.example.org/iop/handouts/large/alpha-sheet.html")):
        html = main_of(out / rel)
        svg = re.search(r'<div class="ws-qr"><svg role="img" aria-label="QR code: this handout online at ([^"]+)"', html)
        assert svg and svg.group(1) == url, rel
        assert "<path" in html
    assert ".ws-qr { display: none; }" in (THEME / "iopcurr.css").read_text("utf-8")  # paper only
    # The code holds the address: decoded back by segno's own matrix is not possible offline,
    # so check that it is the code segno makes for that address.
    import segno

    expected = segno.make("https://clinic.example.org/iop/handouts/alpha-sheet.html", error="m")
    assert expected.svg_inline(scale=2).split("d=", 1)[1][:200] in main_of(out / "handouts" / "alpha-sheet.html")


def test_without_site_url_no_qr_code_and_a_bad_one_is_refused(make_curriculum: MakeCurriculum, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(make_curriculum(), out).ok
    assert "ws-qr" not in main_of(out / "handouts" / "alpha-sheet.html")
    bad = make_curriculum(name="bad", program=PROGRAM + "site_url: clinic.example.org\n")
    result = build(bad, tmp_path / "bad-site")
    assert not result.ok and any("site_url" in p.message and p.code == "IOP004" for p in result.problems)


def test_on_a_phone_no_crisis_number_breaks_and_each_can_be_tapped(browser: object, site: Path) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 800})  # type: ignore[attr-defined]
    page.goto((site / "handouts" / "my-plan.html").as_uri())
    links = page.locator(".crisis a.tel")
    assert links.count() == 3  # the default contacts: 988, 1-800-662-4357 and 911
    for i in range(links.count()):
        box_count = links.nth(i).evaluate("a => a.getClientRects().length")
        assert box_count == 1, links.nth(i).inner_text()  # one line box: the number is not cut
        assert links.nth(i).bounding_box()["height"] >= 16
    assert page.locator('.crisis a[href="sms:988"]').is_visible()
    page.close()
