"""The block structure of a module or page body, read line by line.

`outline(body)` is the one place that decides where a segment or a fenced block starts and ends;
Python-Markdown only ever converts the text between fences (see markup.py). The rules follow
Pandoc's fenced divs:

- a block opens with a line of three or more colons and a kind and/or `{attributes}`
  (`::: handout {#my-sheet title="My Sheet"}`, `:::lines`, `:::: script`), up to three spaces in;
- it closes with a line of three or more colons and nothing else, which closes the innermost
  open block, whatever the lengths of the two fences;
- blank lines anywhere (before, after or inside a block) change nothing;
- fence lines inside a code block (```` ``` ```` or `~~~`) are text;
- at the top level of a module (not inside a block or code), every `## heading` starts a segment.

The body's line ends are normalised (CRLF, CR) and a byte-order mark dropped before anything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Union

from iopcurr.errors import Problem

GUIDE_KINDS = ("script", "discussion", "roleplay", "facilitator", "homework")
WORKSHEET_KINDS = ("lines", "scale", "grid")
ALL_KINDS = (*GUIDE_KINDS, "handout", *WORKSHEET_KINDS)

ATTRS: dict[str, frozenset[str]] = {
    **{kind: frozenset({"title"}) for kind in GUIDE_KINDS},
    "handout": frozenset({"id", "title"}),
    "lines": frozenset({"n"}),
    "scale": frozenset({"from", "to", "low", "high"}),
    "grid": frozenset({"columns", "rows", "labels"}),
}
SEGMENT_ATTRS = frozenset({"minutes", "third", "id", "go-round"})
CORE_KINDS = ("script", "discussion", "roleplay")  # blocks that `{.core}` may mark
CORE = "{.core}"  # at the end of a question of a discussion list: a core question
NUMBER_LIMITS = {"n": (1, 40), "rows": (1, 60), "from": (0, 100), "to": (0, 100)}
MAX_NESTING = 20
MAX_GRID_COLUMNS = 12

_OPEN = re.compile(r"^ {0,3}(:{3,})[ \t]*([A-Za-z][\w-]*)?[ \t]*(\{.*\})?[ \t]*$")
_CLOSE = re.compile(r"^ {0,3}:{3,}[ \t]*$")
CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")  # a line that opens a code block
_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_SEGMENT_ATTRS = re.compile(r"\s*(\{[^{}]*\})\s*$")
_ATTR_TOKEN = re.compile(
    r"""\s*(?:\#([\w-]+)|\.([\w-]+)|([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s}"']+)))"""
)
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # of modules, pages, handouts, tracks and sites: parts of web addresses
_MARK = re.compile(r"[ \t]*(\{[^{}]*\})[ \t]*$")  # attributes at the end of a line of text
_DEFINITION = re.compile(r"^(?: {0,3}\[[^\]]+\]:\s*\S|\*\[[^\]]+\]:)")  # a link reference or an abbreviation
LIST_ITEM = re.compile(r"^( *)(?:[-*+]|\d+[.)])\s")  # a list item, with its indentation
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
SEGMENT_VALUES: tuple[tuple[str, Callable[[str], bool], str], ...] = (  # (attribute, valid value?, the rule)
    ("go-round", lambda v: bool(_NUMBER.match(v)) and 0 < float(v) <= 30,
     "`go-round` is the minutes each member speaks, e.g. go-round=1"),
    ("minutes", str.isdigit, "`minutes` must be a whole number"),
    ("third", lambda v: v in ("1", "2", "3"), "`third` must be 1, 2 or 3"),
)


class _Attributed:
    attrs: tuple[tuple[str, str], ...]

    def attr(self, key: str, default: str = "") -> str:
        return dict(self.attrs).get(key, default)


@dataclass(frozen=True)
class Text:
    """Lines of plain Markdown with no fence in them, not all blank; `line` is the file line of the first."""

    lines: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Block(_Attributed):
    """A fenced block: `kind` as it renders (an unknown kind renders as `facilitator`),
    `written` as the author wrote it."""

    kind: str
    written: str
    attrs: tuple[tuple[str, str], ...]
    line: int
    children: tuple[Node, ...]

    @property
    def core(self) -> bool:
        """Marked `{.core}`: to keep when time is short."""
        return "core" in self.attr("class").split()

    @property
    def has_text(self) -> bool:
        return any(isinstance(c, Text) or c.has_text for c in self.children)


Node = Union[Text, Block]  # noqa: UP007 (a runtime alias used before Block's annotations resolve)


@dataclass(frozen=True)
class Section(_Attributed):
    """A segment of the session plan: a top-level `## title {attrs}` and what follows it."""

    title: str
    attrs: tuple[tuple[str, str], ...]
    line: int
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Outline:
    overview: tuple[Node, ...]
    sections: tuple[Section, ...]
    problems: tuple[Problem, ...]
    blocks: tuple[Block, ...]  # every block of the body, outer before inner, in the order they are written
    # The link reference and abbreviation definitions (outside code): they apply to the whole body,
    # so each piece of it is converted with them.
    definitions: tuple[str, ...]


def fence_after(fence: str | None, line: str) -> str | None:
    """The fence of the code block open after `line`, given the one open before it (None: none).
    A code block ends at a line of its fence's character only, as many or more."""
    if fence is None:
        return cm.group(1) if (cm := CODE_FENCE.match(line)) else None
    stripped = line.strip()
    return None if stripped.startswith(fence) and set(stripped) == {fence[0]} else fence


def parse_attrs(text: str) -> tuple[dict[str, str], str]:
    """`{#id .cls key=value key="two words"}` → (attributes, leftover text that did not parse)."""
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    out: dict[str, str] = {}
    pos = 0
    while m := _ATTR_TOKEN.match(inner, pos):  # each token takes at least two characters
        ident, cls, key = m.group(1), m.group(2), m.group(3)
        if ident:
            out["id"] = ident
        elif cls:
            out["class"] = f"{out.get('class', '')} {cls}".strip()
        elif key:
            out[key] = next(g for g in (m.group(4), m.group(5), m.group(6)) if g is not None)
        pos = m.end()
    return out, inner[pos:].strip()


@dataclass
class _Frame:
    """A block (or a segment) being read: what it is and what it holds so far."""

    kind: str
    written: str
    attrs: dict[str, str]
    line: int
    children: list[Node]


class _Scanner:
    """The state of one pass over a body (see `outline`)."""

    def __init__(self, path: str, first_line: int, segmented: bool) -> None:
        self.path, self.first_line, self.segmented = path, first_line, segmented
        self.problems: list[Problem] = []
        self.overview: list[Node] = []
        self.sections: list[Section] = []
        self.section: _Frame | None = None  # the segment being read (its title as `written`)
        self.stack: list[_Frame] = []
        self.blocks: list[Block] = []
        self.definitions: list[str] = []
        self.text: list[str] = []
        self.text_line = first_line  # the file line of the first of `text`
        self.closed: list[tuple[str, int, int]] = []  # top-level blocks closed so far: (kind, opened, closed)
        self.heading_level = 1
        self.too_deep = False
        self.in_item = False  # the text being read is a list item (for `{.core}`)

    def problem(self, line: int, message: str, code: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(Problem(self.path, line, message, code, severity, hint))  # type: ignore[arg-type]

    def container(self) -> list[Node]:
        if self.stack:
            return self.stack[-1].children
        return self.section.children if self.section is not None else self.overview

    def flush(self) -> None:
        if any(line.strip() for line in self.text):  # blank lines alone are no text
            self.container().append(Text(tuple(self.text), self.text_line))
        self.text = []

    def scan(self, lines: list[str]) -> Outline:
        code_fence: str | None = None
        code_line = 0
        for i, line in enumerate(lines):
            n = self.first_line + i
            before, code_fence = code_fence, fence_after(code_fence, line)
            if before is None and code_fence is not None:
                code_line = n
            if before is not None or code_fence is not None:  # code, or the fence that opens or closes it
                self.add_text(n, line)
            elif _CLOSE.match(line):
                self.close(n)
            elif om := _OPEN.match(line):
                self.open(n, om, line)
            else:
                self.heading_or_text(n, line)
        end = self.first_line + len(lines)
        if code_fence is not None:
            self.problem(code_line, f"the code block opened here ({code_fence}) is never closed, so everything "
                         "after it is shown as code.", "IOP008", f"Add a line holding only {code_fence} where the code ends.", "warning")
        while self.stack:
            frame = self.stack[-1]
            self.problem(frame.line, f"the `{frame.written}` block opened here is never closed.", "IOP008",
                         "Add a line holding only `:::` where the block ends.")
            self.close(end)
        self.flush()
        self.end_section()
        blocks = tuple(sorted(self.blocks, key=lambda b: b.line))  # (inner blocks close first)
        return Outline(tuple(self.overview), tuple(self.sections), tuple(self.problems), blocks, tuple(self.definitions))

    def add_text(self, n: int, line: str) -> None:
        if not self.text:
            self.text_line = n
        self.text.append(line)

    def heading_or_text(self, n: int, line: str) -> None:
        hm = _HEADING.match(line)
        if hm and (hm.group(2) or "").strip():
            level = len(hm.group(1))
            if level == 1:
                self.problem(n, "a `#` heading in the body: the title comes from the front matter.", "IOP028",
                             "Start sections at `##`.", "warning")
            elif level > self.heading_level + 1:
                self.problem(n, f"heading level {level} follows level {self.heading_level}: a level is skipped.",
                             "IOP028", f"Use {'#' * (self.heading_level + 1)} here.", "warning")
            self.heading_level = level
            if level == 2 and self.segmented and not self.stack:
                self.start_section(n, hm.group(2))
                return
        if _DEFINITION.match(line):
            self.definitions.append(line)
        self.check_mark(n, line)
        self.add_text(n, line)

    def check_mark(self, n: int, line: str) -> None:
        """`{.core}` may end a question of a discussion list (the item's first line or one it runs
        on to); any other `{...}` there, or `{.core}` anywhere else, is a problem."""
        here = self.stack[-1].kind if self.stack else ""
        if LIST_ITEM.match(line):
            self.in_item = True
        elif not line.strip() or (not line.startswith((" ", "\t")) and not (self.text and self.text[-1].strip())):
            self.in_item = False
        mark = _MARK.search(line)
        if not mark:
            return
        if here == "discussion" and self.in_item:
            if mark.group(1) != CORE:
                self.problem(n, f"unknown marker `{mark.group(1)}` at the end of this question.", "IOP020",
                             f"Write `{CORE}` at the end of a question to mark it core, or remove the braces.")
        elif "core" in mark.group(1):
            where = "a paragraph" if here == "discussion" else f"a `{here}` block" if here else "plain text"
            self.problem(n, f"`{mark.group(1)}` marks a question of a `::: discussion` list, not {where}.", "IOP020",
                         "Mark a question `- What helps? {.core}`, or a block `::: roleplay {.core}`.")

    def start_section(self, n: int, heading: str) -> None:
        self.flush()
        self.end_section()
        am = _SEGMENT_ATTRS.search(heading)
        attrs, rest = parse_attrs(am.group(1)) if am else ({}, "")
        if rest:
            self.problem(n, f"cannot read the segment attributes `{rest}`.", "IOP020",
                         "Write both in one pair of braces: {minutes=20 third=2}.")
        for key in sorted(set(attrs) - SEGMENT_ATTRS):
            what = f"class `.{attrs[key]}`" if key == "class" else f"attribute `{key}`"
            self.problem(n, f"segments have no {what}.", "IOP020",
                         "Use minutes=, third=, go-round= or #id; mark core questions and blocks with {.core}.")
            del attrs[key]
        for key, valid, rule in SEGMENT_VALUES:
            if key in attrs and not valid(attrs[key]):
                self.problem(n, f"{rule}, not {attrs[key]!r}.", "IOP020")
                del attrs[key]
        self.section = _Frame("section", heading[: am.start()].rstrip() if am else heading, attrs, n, [])

    def end_section(self) -> None:
        if (s := self.section) is not None:
            self.sections.append(Section(s.written, tuple(s.attrs.items()), s.line, tuple(s.children)))
        self.section = None

    def open(self, n: int, om: re.Match[str], line: str) -> None:
        if len(self.stack) >= MAX_NESTING:
            if not self.too_deep:
                self.problem(n, f"blocks are nested more than {MAX_NESTING} deep.", "IOP030", "Close some blocks first.")
            self.too_deep = True
            self.add_text(n, line)  # kept as text; its `:::` will close an outer block
            return
        self.flush()
        attrs, rest = parse_attrs(om.group(3) or "")
        classes = attrs.pop("class", "").split()
        written = om.group(2) or (classes.pop(0) if classes else "")
        kind = written.lower()
        if rest:
            self.problem(n, f"cannot read the attributes `{rest}`.", "IOP020",
                         'Write them as {#id key=value title="Two words"}.')
        if kind not in ALL_KINDS:
            self.problem(n, f"unknown block `{written or '(none)'}`.", "IOP009",
                         f"Use one of: {', '.join(ALL_KINDS)}. Its text goes to the facilitator guide only.")
            kind = "facilitator"  # keep the text in the guide, never on a client page
        # The attributes `kind` does not take, or whose values are out of range, are reported and removed.
        self.check_names(n, kind, attrs, classes)
        self.check_numbers(n, kind, attrs)
        if kind == "handout":
            self.check_handout(n, attrs)
        self.check_place(n, kind)
        self.stack.append(_Frame(kind, written or "(none)", attrs, n, []))

    def check_names(self, n: int, kind: str, attrs: dict[str, str], classes: list[str]) -> None:
        for cls in classes:
            if cls == "core" and kind in CORE_KINDS:
                attrs["class"] = "core"
            else:
                self.problem(n, f"`{kind}` blocks cannot be marked `.{cls}`.", "IOP020",
                             "Only script, discussion and roleplay blocks take a class: `.core` (keep when time is short).")
        for key in sorted(set(attrs) - ATTRS[kind] - {"class"}):
            hint = "Mark the core with `.core`: ::: roleplay {.core}." if key == "core" else ""
            self.problem(n, f"`{kind}` blocks have no attribute `{key}`.", "IOP020",
                         hint or f"Allowed: {', '.join(sorted(ATTRS[kind]))}.")
            del attrs[key]

    def check_numbers(self, n: int, kind: str, attrs: dict[str, str]) -> None:
        for key, (low, high) in NUMBER_LIMITS.items():
            value = attrs.get(key)
            if value is not None and (not value.isdigit() or not low <= int(value) <= high):
                self.problem(n, f"`{key}` of a `{kind}` block must be a whole number from {low} to {high}, "
                             f"not {value!r}.", "IOP020")
                del attrs[key]
        for key, limit in (("columns", MAX_GRID_COLUMNS), ("labels", NUMBER_LIMITS["rows"][1])):
            count = len([c for c in attrs.get(key, "").split("|") if c.strip()])
            if count > limit:
                self.problem(n, f"this grid has {count} {key}; the limit is {limit}.", "IOP030",
                             "Split it into smaller grids.")
                attrs[key] = "|".join(attrs[key].split("|")[:limit])

    def check_handout(self, n: int, attrs: dict[str, str]) -> None:
        hid, title = attrs.get("id", ""), attrs.get("title", "")
        if not hid or not title:
            missing = " and no ".join(x for x, v in (("id", hid), ("title", title)) if not v)
            self.problem(n, f"this handout has no {missing}.", "IOP010",
                         'Write ::: handout {#my-handout title="My Handout"}.')
        elif not ID.match(hid):
            self.problem(n, f"handout id {hid!r} may use only lowercase letters, digits and hyphens.", "IOP020")

    def check_place(self, n: int, kind: str) -> None:
        parents = [f.kind for f in self.stack]
        if kind == "handout" and parents:
            self.problem(n, f"a handout cannot go inside a `{self.stack[-1].written}` block.", "IOP019",
                         "Close the block above before the handout starts.")
        elif kind in GUIDE_KINDS and "handout" in parents:
            self.problem(n, f"a `{kind}` block cannot go inside a handout: handouts are for clients.", "IOP019",
                         "Close the handout first, or move this block out of it.")
        elif parents and parents[-1] in WORKSHEET_KINDS:
            self.problem(n, f"a `{kind}` block cannot go inside a `{parents[-1]}` worksheet block.", "IOP019",
                         "Close the worksheet block first.")
        elif kind in WORKSHEET_KINDS and "handout" not in parents:
            self.problem(n, f"this `{kind}` worksheet block is not inside a handout, so no client will see it.",
                         "IOP035", "Move it into a `::: handout` block, or make it text.", "warning")

    def close(self, n: int) -> None:
        if not self.stack:
            self.stray_close(n)
            return
        self.flush()
        frame = self.stack.pop()
        block = Block(frame.kind, frame.written, tuple(frame.attrs.items()), frame.line, tuple(frame.children))
        if not block.has_text and frame.kind not in WORKSHEET_KINDS:
            self.problem(frame.line, f"this `{frame.written}` block holds no text.", "IOP034",
                         "Write its text between the opening line and the closing `:::`, or remove it.")
        self.container().append(block)
        self.blocks.append(block)
        if not self.stack:
            self.closed.append((frame.written, frame.line, n))

    def stray_close(self, n: int) -> None:
        hint = "Remove it, or open a block above it with `::: kind`."
        if self.closed:
            last = [f"the `{kind}` block opened at line {opened} was closed at line {closed}"
                    for kind, opened, closed in reversed(self.closed[-2:])]
            hint = (f"It would have closed a block that a `:::` above closed already ({'; '.join(last)}): "
                    "remove the `:::` that ends a block too early, or this one.")
        self.problem(n, "this `:::` closes no open block.", "IOP036", hint)


def outline(body: str, path: str, first_line: int = 1, *, segmented: bool = True) -> Outline:
    """A body's overview, segments and blocks, with the problems of its structure (pure)."""
    lines = body.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")  # one form of line end
    return _Scanner(path, first_line, segmented).scan(lines)


STAMP_LENGTH = 12


def stamps(shape: Outline) -> tuple[str, str]:
    """The version stamps of a module (what a translation names as `source` and `guide_source`):
    the first 12 hex digits of the SHA-256 of every handout (its attributes, worksheet blocks and
    each line of its text), and of the facilitator parts (the overview and the `##` segments, their
    titles, attributes and text, without the handouts)."""
    guide = stamp_lines(shape.overview, "handout")
    for s in shape.sections:
        guide += [f"## {s.title} {dict(s.attrs)}", *stamp_lines(s.children, "handout")]
    return stamp(stamp_lines(b for b in shape.blocks if b.kind == "handout")), stamp(guide)


def stamp(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:STAMP_LENGTH]


def stamp_lines(nodes: Iterable[Node], skip: str = "") -> list[str]:
    """The lines a stamp is made of: each line of text, each block as its kind and attributes and
    then its content (leaving out the blocks of kind `skip` at the top, not inside other blocks)."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            out += [line.rstrip() for line in node.lines]
        elif node.kind != skip:
            out += [f"::: {node.kind} {dict(node.attrs)}", *stamp_lines(node.children)]
    return out
