"""blocks.outline: the one reader of segments and fenced blocks (Pandoc's fenced-div rules)."""

from __future__ import annotations

from iopcurr.source.blocks import Block, outline


def kinds(nodes: tuple[object, ...]) -> list[object]:
    return [(n.kind, kinds(n.children)) if isinstance(n, Block) else "text" for n in nodes]


def test_blank_lines_anywhere_change_nothing() -> None:
    tight = outline("## S\n::: handout {#h title=\"H\"}\nText.\n::: lines\nWrite.\n:::\n:::\nAfter.\n", "m.md")
    loose = outline("## S\n\n\n::: handout {#h title=\"H\"}\n\n\nText.\n\n\n::: lines\n\nWrite.\n\n\n:::\n\n\n:::\n\n"
                    "After.\n", "m.md")
    assert kinds(tight.sections[0].children) == kinds(loose.sections[0].children) == [
        ("handout", ["text", ("lines", ["text"])]), "text"]
    assert not tight.problems and not loose.problems


def test_any_fence_of_three_or_more_colons_closes_the_innermost_block() -> None:
    o = outline(":::: script\n::: discussion\nQ?\n::::\nSay.\n:::\n", "m.md", segmented=False)
    assert kinds(o.overview) == [("script", [("discussion", ["text"]), "text"])]


def test_fences_in_code_are_text_and_headings_in_blocks_are_not_segments() -> None:
    o = outline("## A\n\n::: script\n## Not a segment\n```\n:::\n## Nor this\n```\n:::\n\n## B\n", "m.md")
    assert [s.title for s in o.sections] == ["A", "B"]
    assert kinds(o.sections[0].children) == [("script", ["text"])]
    assert not o.problems


def test_kind_without_a_space_attributes_trailing_whitespace_and_line_ends() -> None:
    for end in ("\n", "\r\n", "\r"):
        o = outline(end.join([":::handout {#h title=\"Two words\"} \t", "Hi.", "::: \t", ""]), "m.md",
                    segmented=False)
        [block] = o.overview
        assert isinstance(block, Block)
        assert (block.kind, block.attr("id"), block.attr("title"), block.line) == ("handout", "h", "Two words", 1)


def test_lines_are_those_of_the_file() -> None:
    o = outline("Intro.\n\n## One {minutes=20}\n\n::: script\nSay.\n:::\n", "m.md", first_line=8)
    [section] = o.sections
    assert (section.line, section.attr("minutes")) == (10, "20")
    [block] = [c for c in section.children if isinstance(c, Block)]
    assert block.line == 12 and block.children[0].line == 13  # type: ignore[union-attr]


def test_a_misspelled_kind_keeps_its_text_for_facilitators_and_is_named_as_written() -> None:
    o = outline("## S\n\n::: Scirpt\nSay.\n", "m.md")
    [block] = [c for c in o.sections[0].children if isinstance(c, Block)]
    assert (block.kind, block.written) == ("facilitator", "Scirpt")
    assert [p.message for p in o.problems] == ["unknown block `Scirpt`.",
                                               "the `Scirpt` block opened here is never closed."]
