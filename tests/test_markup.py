from __future__ import annotations

from iopcurr.source.blocks import parse_attrs
from iopcurr.source.markup import Converter


def convert(body: str, first_line: int = 1):  # type: ignore[no-untyped-def]
    return Converter().convert(body, "m.md", first_line, "m")


def test_parse_attrs_forms() -> None:
    attrs, rest = parse_attrs('{#my-id .cls title="Two words" n=3 low=\'a b\'}')
    assert attrs == {"id": "my-id", "class": "cls", "title": "Two words", "n": "3", "low": "a b"}
    assert rest == ""
    assert parse_attrs("{n=3 ???}")[1] == "???"


def test_segments_split_with_attributes_and_lines() -> None:
    r = convert("Intro.\n\n## One {minutes=20}\n\nA\n\n## Two {third=3 #two}\n\nB\n", first_line=6)
    assert [(s.title, s.minutes, s.third, s.line) for s in r.segments] == [("One", 20, None, 8), ("Two", None, 3, 12)]
    assert r.segments[1].anchor == "m-two"
    assert "Intro." in r.overview_html and "A" in r.segments[0].html and "B" in r.segments[1].html


def test_blocks_render_markdown_inside_with_labels() -> None:
    r = convert("## S\n\n::: script\nSay **this**.\n:::\n\n::: roleplay {title=\"Party\"}\n- a\n- b\n:::\n")
    html = r.segments[0].html
    assert '<div class="block block-script">' in html and "<strong>this</strong>" in html
    assert "Role play: Party" in html and "<li>a</li>" in html


def test_handout_leaves_the_guide_and_keeps_only_client_text() -> None:
    body = (
        "## S\n\n::: facilitator\nGUIDE ONLY\n:::\n\n"
        '::: handout {#h1 title="Sheet"}\nClient text.\n\n- [ ] Tick me\n:::\n'
    )
    r = convert(body)
    (h,) = r.handouts
    assert (h.id, h.title, h.line) == ("h1", "Sheet", 7)
    assert "Client text." in h.html and "GUIDE ONLY" not in h.html
    assert "Client text." not in r.segments[0].html
    assert 'href="../handouts/h1.html"' in r.segments[0].html  # a card links to it
    assert 'class="ws-check"' in h.html and "☐" in h.html


def test_worksheet_primitives() -> None:
    body = (
        '::: handout {#h title="T"}\n'
        "::: lines {n=4}\nPrompt\n:::\n\n"
        '::: scale {from=1 to=5 low="Calm" high="Angry"}\nHow?\n:::\n\n'
        '::: grid {columns="Day | Craving" labels="Mon | Tue | Wed"}\nLog\n:::\n'
        ":::\n"
    )
    html = convert("## S\n\n" + body).handouts[0].html
    assert html.count('class="ws-line"') == 4
    assert html.count("<li>") == 5 and "1 = Calm" in html and "5 = Angry" in html
    assert html.count('<th scope="row">') == 3 and '<th scope="col">Craving</th>' in html
    assert "<caption>" in html


def test_template_syntax_stays_literal() -> None:
    r = convert("## S\n\n{{ secret }} and {% if x %}y{% endif %}\n")
    assert "{{ secret }}" in r.segments[0].html and "{% if x %}" in r.segments[0].html


def test_nested_lists_tables_and_code() -> None:
    body = "## S\n\n- a\n  - b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```\n::: script\n## not a segment\n```\n"
    r = convert(body)
    html = r.segments[0].html
    assert "<li>a<ul>" in html.replace("\n", "")
    assert "<table>" in html and "<td>1</td>" in html
    assert len(r.segments) == 1 and "::: script" in html and r.problems == ()


def test_unclosed_and_unknown_blocks_are_problems_with_lines() -> None:
    r = convert("## S\n\n::: scrpt\nx\n:::\n\n::: discussion\n- q\n", first_line=10)
    assert [(p.line, p.code) for p in r.problems] == [(12, "IOP009"), (16, "IOP008")]
    assert "unknown block `scrpt`" in r.problems[0].message


def test_handout_without_id_or_title() -> None:
    r = convert("## S\n\n::: handout\nx\n:::\n")
    assert [(p.code, p.message) for p in r.problems] == [("IOP010", "this handout has no id and no title.")]
    r = convert('## S\n\n::: handout {title="T"}\nx\n:::\n')
    assert [p.message for p in r.problems] == ["this handout has no id."]


def test_guide_block_inside_handout_is_refused() -> None:
    r = convert('## S\n\n::: handout {#h title="T"}\n::: facilitator\nsecret\n:::\n:::\n')
    assert [p.code for p in r.problems] == ["IOP019"]


def test_scripts_and_event_handlers_are_removed() -> None:
    r = convert('## S\n\n<script>alert(1)</script>\n\n<a href="javascript:x()" onclick="y()">l</a>\n')
    html = r.segments[0].html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html


def test_two_space_nested_lists_nest() -> None:
    html = convert("## S\n\n- one\n  - two\n    - three\n").segments[0].html.replace("\n", "")
    assert "<li>one<ul><li>two<ul><li>three</li></ul>" in html


def test_an_unclosed_code_block_is_named_with_the_block_it_swallows() -> None:
    r = convert("## S\n\n::: script\nSay this.\n```\ncode\n:::\n")
    found = [(p.line, p.severity, p.message) for p in r.problems]
    assert (5, "warning", "the code block opened here (```) is never closed, so everything after it is shown as "
            "code.") in found
    assert (3, "error", "the `script` block opened here is never closed.") in found


def test_a_huge_grid_is_refused_and_cut_to_its_limits() -> None:
    # columns x labels once turned a 4.9 KB module into 302 MB of pages
    columns = " | ".join(f"c{i}" for i in range(3000))
    labels = " | ".join(f"r{i}" for i in range(3000))
    body = f'## S\n\n::: handout {{#h title="T"}}\nText.\n\n::: grid {{columns="{columns}" labels="{labels}"}}\nLog\n:::\n:::\n'
    r = convert(body)
    assert [p.code for p in r.problems if p.severity == "error"] == ["IOP030", "IOP030"]
    html = r.handouts[0].html
    assert html.count("<th scope=\"col\">") == 12 and html.count("<tr>") == 61
    assert len(html) < 40_000 < len(body) * 2


def test_a_definition_inside_a_code_block_defines_nothing() -> None:
    # "``` py" does not close the code block (blocks.fence_after), so the line after it is code too.
    html = convert("## S\n\nSee [the site][a].\n\n```\n``` py\n[a]: http://x.org\n```\n").segments[0].html
    assert "<p>See [the site][a].</p>" in html
