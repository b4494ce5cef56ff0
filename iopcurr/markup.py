"""The Python-Markdown setup and our block extension.

One conversion per module body. The extension works in three passes:

1. `_FencePreprocessor` reads the raw lines (so it knows true line numbers), validates the
   `::: kind {attrs}` fences and the `## Segment {minutes=.. third=..}` headings, records what it
   found, and rewrites each into a marker line of its own (`:::iop-open 3`).
2. `_FenceBlockProcessor` turns the markers into elements: a `div` per block (its inner
   Markdown parsed as Markdown) and an empty `iop-seg` element where a segment starts.
3. `_SplitTreeprocessor` gives every block its final HTML shape (labels, worksheet lines,
   scales and grids, checkboxes), takes handouts out of the guide text, and lays the tree out
   as overview, segments and handouts separated by comments, so that the one serialized string
   can be cut into pieces afterwards.

`Converter.convert` returns an immutable `Converted`. It never evaluates content as a template.
"""

from __future__ import annotations

import bisect
import functools
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import markdown
import nh3
from markdown import util as md_util
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor

from iopcurr.errors import Problem
from iopcurr.links import Target, classify
from iopcurr.model import Converted, Handout, Ref, Segment
from iopcurr.safety import (
    CONVERT_SECONDS,
    MAX_INDENT,
    MAX_QUOTE_DEPTH,
    TimeLimitExceeded,
    scan_html,
    time_limit,
)

GUIDE_KINDS = ("script", "discussion", "roleplay", "facilitator", "homework")
WORKSHEET_KINDS = ("lines", "scale", "grid")
ALL_KINDS = (*GUIDE_KINDS, "handout", *WORKSHEET_KINDS)

LABELS = {
    "script": "Say",
    "discussion": "Discussion questions",
    "roleplay": "Role play",
    "facilitator": "Facilitator note",
    "homework": "Home assignment",
}

ATTRS: dict[str, frozenset[str]] = {
    **{kind: frozenset({"title"}) for kind in GUIDE_KINDS},
    "handout": frozenset({"id", "title"}),
    "lines": frozenset({"n"}),
    "scale": frozenset({"from", "to", "low", "high"}),
    "grid": frozenset({"columns", "rows", "labels"}),
}
SEGMENT_ATTRS = frozenset({"minutes", "third", "id"})

# Extensions every conversion uses. Part of the cache key: change them and caches refresh.
EXTENSIONS = ("tables", "fenced_code", "sane_lists", "smarty", "def_list", "abbr")

_OPEN = re.compile(r"^(:{3,})\s*([A-Za-z][\w-]*)?\s*(\{.*\})?\s*$")
_CLOSE = re.compile(r"^:{3,}\s*$")
_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^( *)([-*+]|\d+[.)])\s")
_HEADING = re.compile(r"^(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_ATTR_TOKEN = re.compile(
    r"""\s*(?:\#([\w-]+)|\.([\w-]+)|([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s}"']+)))"""
)
_MARKER = re.compile(r"<!--iop:(\w+):([\w-]*)-->")
_STASH = re.compile("\x02[^\x03]*\x03")
_SLUG = re.compile(r"[^a-z0-9]+")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_QUOTES = re.compile(r"^ {0,3}(?:> ?)+")
# A line that starts with another character (most lines of prose), or with `*`, `+` or `-` and
# then no space (`**Bold**`), can match none of the patterns above, is not indented and is not
# blank: the preprocessor passes it on as it is (and it ends a list). An empty line, too, matches
# none of them and changes nothing.
_PLAIN = re.compile(r"[^\s:#>`~*+\-\d]|[*+\-]\S")
_TASK = re.compile(r"^\s*\[([ xX])\]\s+")
_SEGMENT_ATTRS = re.compile(r"\s*(\{[^{}]*\})\s*$")
_H2 = re.compile(r"\s*<h2[^>]*>(.*?)</h2>", re.S)
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")

MAX_NESTING = 20

_SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_SAFE_ATTRS = {
    "*": {"class", "id", "title", "lang", "role", "aria-label", "aria-hidden", "dir"},
    "a": {"href"},
    "div": {"tabindex"},  # the scroll box around a table (see _wrap_table)
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "section"


def _unique(used: dict[str, int], anchor: str) -> str:
    """`anchor`, or `anchor-2`, `anchor-3`, ... if taken; records the one returned."""
    if anchor not in used:
        used[anchor] = 1
        return anchor
    n = used[anchor]
    while True:
        n += 1
        candidate = f"{anchor}-{n}"
        if candidate not in used:
            used[anchor] = n
            used[candidate] = 1
            return candidate


def parse_attrs(text: str) -> tuple[dict[str, str], str]:
    """`{#id .cls key=value key="two words"}` → (attributes, leftover text that did not parse)."""
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    out: dict[str, str] = {}
    pos = 0
    while pos < len(inner):
        m = _ATTR_TOKEN.match(inner, pos)
        if not m or m.end() == pos:
            rest = inner[pos:].strip()
            return out, rest
        ident, cls, key = m.group(1), m.group(2), m.group(3)
        if ident:
            out["id"] = ident
        elif cls:
            out.setdefault("class", cls)
        elif key:
            value = next(g for g in (m.group(4), m.group(5), m.group(6)) if g is not None)
            out[key] = value
        pos = m.end()
    return out, ""


@dataclass
class _BlockInfo:
    kind: str
    attrs: dict[str, str]
    line: int


@dataclass
class _SegInfo:
    title: str
    attrs: dict[str, str]
    line: int


@dataclass
class _State:
    """Scratch state of one conversion (reset before each)."""

    path: str = ""
    first_line: int = 1
    prefix: str = ""
    owner: str = ""
    segmented: bool = True
    problems: list[Problem] = field(default_factory=list)
    blocks: list[_BlockInfo] = field(default_factory=list)
    segments: list[_SegInfo] = field(default_factory=list)
    handouts: list[tuple[int, str, str, str]] = field(default_factory=list)  # (block, id, title, text)
    kinds: list[str] = field(default_factory=list)
    links: list[tuple[str, bool, str, Target]] = field(default_factory=list)  # (url, image, alt, target)
    anchors: list[str] = field(default_factory=list)
    too_deep: bool = False

    @property
    def folder(self) -> str:
        return "modules" if self.segmented else "pages"

    def problem(self, offset: int, message: str, code: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(
            Problem(self.path, self.first_line + offset, message, code, severity, hint)  # type: ignore[arg-type]
        )


class _FencePreprocessor(Preprocessor):
    def __init__(self, md: markdown.Markdown, state: _State) -> None:
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        st = self.state
        out: list[str] = []
        stack: list[int] = []  # open block indexes
        code_fence: str | None = None
        last_level = 1
        in_list, unit = False, 0
        for i, line in enumerate(lines):
            line = line.replace("<!--iop:", "<!-- iop:")  # an author's comment never fakes our markers
            if code_fence is not None:
                out.append(line)
                if line.strip().startswith(code_fence) and set(line.strip()) <= set(code_fence[0]):
                    code_fence = None
                continue
            if not line or _PLAIN.match(line):  # blank, or plain text: see _PLAIN
                if line:
                    in_list, unit = False, 0
                out.append(line)
                continue
            cm = _CODE.match(line)
            if cm:
                code_fence = cm.group(1)
                out.append(line)
                continue
            if _CLOSE.match(line):
                if stack:
                    out += ["", f":::iop-close {stack.pop()}", ""]
                else:
                    st.problem(i, "this `:::` closes no open block.", "IOP008", "Remove it, or open a block above it with `::: kind`.")
                continue
            om = _OPEN.match(line)
            if om:
                out += self._open(i, om, stack)
                continue
            lm = _LIST_ITEM.match(line)
            if lm:
                width = len(lm.group(1))
                if not width and i and not lines[i - 1].strip():
                    unit = 0
                if in_list and width and not unit:
                    unit = width
                if in_list and width and unit < 4:
                    line = " " * (width * 4 // unit) + line[width:]
                in_list = True
            elif not line.strip():
                pass
            elif not line.startswith(" "):
                in_list, unit = False, 0
            line = self._limit_depth(i, line)
            hm = _HEADING.match(line)
            if hm and (hm.group(2) or "").strip():
                level = len(hm.group(1))
                if level == 1:
                    st.problem(i, "a `#` heading in the body: the title comes from the front matter.", "IOP028", "Start sections at `##`.", "warning")
                elif level > last_level + 1:
                    st.problem(i, f"heading level {level} follows level {last_level}: a level is skipped.", "IOP028", f"Use {'#' * (last_level + 1)} here.", "warning")
                last_level = level
                if level == 2 and st.segmented and not stack:
                    out += self._segment(i, hm.group(2))
                    continue
            out.append(line)
        for index in reversed(stack):
            info = st.blocks[index]
            st.problem(info.line - st.first_line, f"the `{info.kind}` block opened here is never closed.", "IOP008", "Add a line holding only `:::` where the block ends.")
            out += ["", f":::iop-close {index}", ""]
        return out

    def _limit_depth(self, i: int, line: str) -> str:
        """Clamp indentation and quote depth (deeper makes Python-Markdown recurse and crawl)."""
        st = self.state
        indent = len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))
        if indent > MAX_INDENT:
            if not st.too_deep:
                st.problem(i, f"this line is nested {indent // 4} levels deep (by its indentation); the limit is "
                           f"{MAX_INDENT // 4}.", "IOP030", "Nest lists less deeply.")
            st.too_deep = True
            line = " " * MAX_INDENT + line.lstrip(" \t")
        qm = _QUOTES.match(line)
        if qm and qm.group(0).count(">") > MAX_QUOTE_DEPTH:
            if not st.too_deep:
                st.problem(i, f"block quotes are nested {qm.group(0).count('>')} deep; the limit is {MAX_QUOTE_DEPTH}.",
                           "IOP030", "Use fewer `>` at the start of the line.")
            st.too_deep = True
            line = "> " * MAX_QUOTE_DEPTH + line[qm.end() :]
        return line

    def _open(self, i: int, om: re.Match[str], stack: list[int]) -> list[str]:
        st = self.state
        attrs, rest = parse_attrs(om.group(3) or "")
        kind = om.group(2) or attrs.pop("class", "")
        attrs.pop("class", None)
        if rest:
            st.problem(i, f"cannot read the attributes `{rest}`.", "IOP020", 'Write them as {#id key=value title="Two words"}.')
        if kind not in ALL_KINDS:
            st.problem(i, f"unknown block `{kind or '(none)'}`.", "IOP009", f"Use one of: {', '.join(ALL_KINDS)}.")
            kind = "facilitator"  # keep the text in the guide, never on a client page
        for key in sorted(set(attrs) - ATTRS[kind]):
            allowed = ", ".join(sorted(ATTRS[kind]))
            st.problem(i, f"`{kind}` blocks have no attribute `{key}`.", "IOP020", f"Allowed: {allowed}.")
            del attrs[key]
        parents = [st.blocks[j].kind for j in stack]
        if len(stack) >= MAX_NESTING:
            if not st.too_deep:
                st.problem(i, f"blocks are nested more than {MAX_NESTING} deep.", "IOP030", "Close some blocks first.")
            st.too_deep = True
            return [om.group(0)]  # kept as text; its `:::` will close an outer block
        if kind == "handout" and stack:
            st.problem(i, f"a handout cannot go inside a `{parents[-1]}` block.", "IOP019", "Close the block above before the handout starts.")
        if kind in GUIDE_KINDS and "handout" in parents:
            st.problem(i, f"a `{kind}` block cannot go inside a handout: handouts are for clients.", "IOP019", "Move it out of the handout.")
        if parents and parents[-1] in WORKSHEET_KINDS:
            st.problem(i, f"a `{kind}` block cannot go inside a `{parents[-1]}` worksheet block.", "IOP019", "Close the worksheet block first.")
        if kind == "handout":
            hid, title = attrs.get("id", ""), attrs.get("title", "")
            if not hid or not title:
                missing = " and no ".join(x for x, v in (("id", hid), ("title", title)) if not v)
                st.problem(i, f"this handout has no {missing}.", "IOP010", 'Write ::: handout {#my-handout title="My Handout"}.')
            elif not _ID.match(hid):
                st.problem(i, f"handout id {hid!r} may use only lowercase letters, digits and hyphens.", "IOP020")
        self._check_numbers(i, kind, attrs)
        index = len(st.blocks)
        st.blocks.append(_BlockInfo(kind, attrs, st.first_line + i))
        st.kinds.append(kind)
        stack.append(index)
        return ["", f":::iop-open {index}", ""]

    def _check_numbers(self, i: int, kind: str, attrs: dict[str, str]) -> None:
        limits = {"n": (1, 40), "rows": (1, 60), "from": (0, 100), "to": (0, 100)}
        for key, (low, high) in limits.items():
            if key in attrs:
                value = attrs[key]
                if not value.isdigit() or not low <= int(value) <= high:
                    self.state.problem(i, f"`{key}` of a `{kind}` block must be a whole number from {low} to {high}, not {value!r}.", "IOP020")
                    del attrs[key]

    def _segment(self, i: int, heading: str) -> list[str]:
        st = self.state
        attrs: dict[str, str] = {}
        am = _SEGMENT_ATTRS.search(heading)
        title = heading
        if am:
            attrs, rest = parse_attrs(am.group(1))
            title = heading[: am.start()].rstrip()
            if rest:
                st.problem(i, f"cannot read the segment attributes `{rest}`.", "IOP020", "Write {minutes=20 third=2}.")
            for key in sorted(set(attrs) - SEGMENT_ATTRS):
                st.problem(i, f"segments have no attribute `{key}`.", "IOP020", "Use minutes=, third= or #id.")
                del attrs[key]
            if "minutes" in attrs and not attrs["minutes"].isdigit():
                st.problem(i, f"`minutes` must be a whole number, not {attrs['minutes']!r}.", "IOP020")
                del attrs["minutes"]
            if "third" in attrs and attrs["third"] not in ("1", "2", "3"):
                st.problem(i, f"`third` must be 1, 2 or 3, not {attrs['third']!r}.", "IOP020")
                del attrs["third"]
        index = len(st.segments)
        st.segments.append(_SegInfo(title, attrs, st.first_line + i))
        return ["", f":::iop-seg {index}", "", f"## {title}", ""]


class _FenceBlockProcessor(BlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return block.startswith(":::iop-")

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        first, _, rest = blocks.pop(0).partition("\n")
        if rest.strip():
            blocks.insert(0, rest)
        what, _, number = first[len(":::iop-") :].partition(" ")
        if what == "seg":
            etree.SubElement(parent, "iop-seg", {"n": number})
        elif what == "open":
            inner: list[str] = []
            closing = f":::iop-close {number}"
            while blocks and blocks[0].split("\n", 1)[0] != closing:
                inner.append(blocks.pop(0))
            if blocks:
                tail = blocks.pop(0).partition("\n")[2]
                if tail.strip():
                    blocks.insert(0, tail)
            div = etree.SubElement(parent, "div", {"data-iop": number})
            self.parser.parseBlocks(div, inner)
        return True


class _SplitTreeprocessor(Treeprocessor):
    def __init__(self, md: markdown.Markdown, state: _State) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        st = self.state
        self._shape(root)
        self._links(root)
        children = list(root)
        for child in children:
            root.remove(child)
        handouts: list[etree.Element] = []
        used: dict[str, int] = {}
        titles: set[int] = set()  # the h2 of each segment: the template writes it, with the anchor
        after_segment = False
        for child in children:
            if child.tag == "iop-seg":
                n = int(child.get("n", "0"))
                info = st.segments[n]
                info.attrs["anchor"] = _unique(used, f"{st.prefix}{info.attrs.get('id') or slugify(info.title)}")
                root.append(etree.Comment(f"iop:seg:{n}"))
                after_segment = True
                continue
            if after_segment and child.tag == "h2":
                titles.add(id(child))
            after_segment = False
            if child.tag == "div" and child.get("data-handout"):
                handouts.append(child)
                root.append(self._handout_card(child))
                continue
            root.append(child)
        for div in handouts:
            root.append(etree.Comment(f"iop:handout:{div.get('data-handout')}"))
            for part in list(div):
                root.append(part)
        for el in root.iter():
            if el.tag in _HEADINGS and id(el) not in titles and not el.get("id"):
                text = _STASH.sub("", "".join(el.itertext()))
                el.set("id", _unique(used, f"{st.prefix}{slugify(text)}"))
        st.anchors = list(used)

    def _links(self, root: etree.Element) -> None:
        """Rewrite each Markdown link and image to its URL on the site (see links.py)."""
        st = self.state
        for el in root.iter():
            attr = "href" if el.tag == "a" else "src" if el.tag == "img" else ""
            if not attr or el.get(attr) is None:
                continue
            url = el.get(attr, "")
            target = classify(url, st.folder, st.owner, image=el.tag == "img")
            el.set(attr, target.href)
            st.links.append((url, el.tag == "img", el.get("alt", ""), target))

    # -- block shapes

    def _shape(self, parent: etree.Element) -> None:
        for child in list(parent):
            if len(child):
                self._shape(child)
            if child.tag == "li":
                self._task(child)
            if child.tag == "table":
                self._wrap_table(parent, child)
            if child.tag == "ul" and any(li.get("class") == "ws-check" for li in child):
                child.set("class", "ws-checklist")
                child.set("aria-label", "Checklist")  # the boxes are drawn, so say what the list is
            if child.tag == "div" and child.get("data-iop") is not None:
                info = self.state.blocks[int(child.attrib.pop("data-iop"))]
                self._block(parent, child, info)

    def _wrap_table(self, parent: etree.Element, table: etree.Element) -> None:
        """A table scrolls sideways in a box of its own on a small screen, never the whole page.

        The box is focusable and named, so keyboard users can scroll it too (WCAG 1.4.10, 2.1.1).
        """
        headers = [" ".join("".join(th.itertext()).split()) for th in table.iter("th")][:4]
        label = "Table: " + ", ".join(h for h in headers if h) if any(headers) else "Table"
        wrap = etree.Element("div", {"class": "table-wrap", "role": "region", "tabindex": "0", "aria-label": label})
        parent.insert(list(parent).index(table), wrap)
        parent.remove(table)
        wrap.append(table)

    def _block(self, parent: etree.Element, div: etree.Element, info: _BlockInfo) -> None:
        kind, attrs = info.kind, info.attrs
        if kind == "handout":
            hid = attrs.get("id") or f"handout-{info.line}"
            div.set("data-handout", hid)
            self.state.handouts.append((info.line, hid, attrs.get("title", hid), _plain_text(div)))
            return
        if kind in GUIDE_KINDS:
            div.set("class", f"block block-{kind}")
            label = etree.Element("p", {"class": "block-label"})
            title = attrs.get("title", "")
            label.text = f"{LABELS[kind]}: {title}" if title else LABELS[kind]
            div.insert(0, label)
        elif kind == "lines":
            div.set("class", "ws ws-lines")
            n = int(attrs.get("n", "3"))
            hint = etree.SubElement(div, "span", {"class": "visually-hidden"})
            hint.text = f"Space to write ({n} lines)."
            for _ in range(n):
                etree.SubElement(div, "div", {"class": "ws-line", "aria-hidden": "true"})
        elif kind == "scale":
            self._scale(div, attrs)
        elif kind == "grid":
            self._grid(div, attrs)

    def _scale(self, div: etree.Element, attrs: dict[str, str]) -> None:
        low_n, high_n = int(attrs.get("from", "0")), int(attrs.get("to", "10"))
        if high_n <= low_n:
            high_n = low_n + 10
        low, high = attrs.get("low", ""), attrs.get("high", "")
        div.set("class", "ws ws-scale")
        points = etree.SubElement(div, "ol", {"class": "ws-scale-points", "aria-label": f"Circle a number from {low_n} to {high_n}"})
        for value in range(low_n, high_n + 1):
            li = etree.SubElement(points, "li")
            li.text = str(value)
        if low or high:
            ends = etree.SubElement(div, "p", {"class": "ws-scale-ends"})
            a = etree.SubElement(ends, "span", {"class": "ws-scale-low"})
            a.text = f"{low_n} = {low}" if low else ""
            a.tail = " "
            b = etree.SubElement(ends, "span", {"class": "ws-scale-high"})
            b.text = f"{high_n} = {high}" if high else ""

    def _grid(self, div: etree.Element, attrs: dict[str, str]) -> None:
        columns = [c.strip() for c in attrs.get("columns", "").split("|") if c.strip()] or ["", ""]
        labels = [c.strip() for c in attrs.get("labels", "").split("|") if c.strip()]
        rows = len(labels) or int(attrs.get("rows", "5"))
        caption_parts = list(div)
        for part in caption_parts:
            div.remove(part)
        div.set("class", "ws ws-grid-wrap")
        table = etree.SubElement(div, "table", {"class": "ws-grid"})
        if caption_parts:
            caption = etree.SubElement(table, "caption")
            for part in caption_parts:
                caption.append(part)
        head = etree.SubElement(etree.SubElement(table, "thead"), "tr")
        for name in columns:
            th = etree.SubElement(head, "th", {"scope": "col"})
            th.text = name
        body = etree.SubElement(table, "tbody")
        for r in range(rows):
            tr = etree.SubElement(body, "tr")
            for c in range(len(columns)):
                if c == 0 and labels:
                    th = etree.SubElement(tr, "th", {"scope": "row"})
                    th.text = labels[r]
                else:
                    td = etree.SubElement(tr, "td")
                    td.text = "\u00a0"

    def _task(self, li: etree.Element) -> None:
        holder = li[0] if len(li) and li[0].tag == "p" and not (li.text or "").strip() else li
        text = holder.text or ""
        m = _TASK.match(text)
        if not m:
            return
        holder.text = text[m.end() :]
        li.set("class", "ws-check")
        box = etree.Element("span", {"class": "ws-box", "aria-hidden": "true"})
        box.text = "☒" if m.group(1).lower() == "x" else "☐"
        box.tail = " "
        holder.insert(0, box)
        box.tail = " " + (holder.text or "")
        holder.text = None

    def _handout_card(self, div: etree.Element) -> etree.Element:
        hid = div.get("data-handout", "")
        title = next((t for _, h, t, _ in self.state.handouts if h == hid), hid)
        card = etree.Element("div", {"class": "handout-ref"})
        p = etree.SubElement(card, "p")
        strong = etree.SubElement(p, "strong")
        strong.text = "Client handout:"
        strong.tail = " "
        a = etree.SubElement(p, "a", {"href": f"../handouts/{hid}.html"})
        a.text = title
        return card


_BLOCK_TAGS = {"p", "li", "td", "th", "caption", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_SKIP_CLASSES = {"ws-line", "ws-scale-points", "visually-hidden", "ws-box", "block-label"}


def _skipped(el: etree.Element) -> bool:
    """Whether the reading grade leaves out the element (see _SKIP_CLASSES)."""
    classes = el.get("class")
    return classes is not None and not _SKIP_CLASSES.isdisjoint(classes.split())


def _plain_text(el: etree.Element) -> str:
    """Readable text of a tree, one sentence-terminated line per block (for reading grade)."""
    out: list[str] = []

    def own(e: etree.Element) -> str:
        parts = [e.text or ""]
        for c in e:
            if c.tag in _BLOCK_TAGS or c.tag in ("ul", "ol", "div", "table", "thead", "tbody", "tr", "dl"):
                continue
            if _skipped(c):
                parts.append(c.tail or "")
                continue
            parts.append("".join(c.itertext()))
            parts.append(c.tail or "")
        return _STASH.sub("", "".join(parts))

    def walk(e: etree.Element) -> None:
        if _skipped(e):
            return
        if e.tag in _BLOCK_TAGS:
            text = " ".join(own(e).split())
            if text:
                out.append(text if text[-1] in ".!?" else text + ".")
        for c in e:
            walk(c)

    walk(el)
    return "\n".join(out)


class _IopExtension(Extension):
    def __init__(self, state: _State) -> None:
        super().__init__()
        self.state = state

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_FencePreprocessor(md, self.state), "iop_fences", 29)
        md.parser.blockprocessors.register(_FenceBlockProcessor(md.parser), "iop_blocks", 105)
        md.treeprocessors.register(_SplitTreeprocessor(md, self.state), "iop_split", 5)
        quicker_smarty(md)


# What each of smarty's patterns (Python-Markdown 3.x, default settings) needs in a text to match
# there: the regular expression, as the extension writes it, and a substring every match holds.
SMARTY_NEEDS: dict[str, str] = {
    '(?<!\\.)\\.{3}(?!\\.)': '...',
    '(?<!-)---(?!-)': '---',
    '(?<!-)--(?!-)': '--',
    '^\'(?=[!"#\\$\\%\'()*+,-.\\/:;<=>?\\@\\[\\\\\\]\\^_`{|}~]\\B)': "'",
    '^"(?=[!"#\\$\\%\'()*+,-.\\/:;<=>?\\@\\[\\\\\\]\\^_`{|}~]\\B)': '"',
    '"\'(?=\\w)': '"\'',
    '\'"(?=\\w)': '\'"',
    '(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])\\\'"': '\'"',
    '(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])\\"\'': '"\'',
    "(?<!\\w)'(?=\\d{2}s)": "'",
    "(\\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)'(?=\\w)": "'",
    "(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])'(?!\\s|s\\b|\\d)": "'",
    "'(\\s|s\\b)": "'",
    "'": "'",
    '(\\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)"(?=\\w)': '"',
    '"(?=\\s)': '"',
    '(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])"': '"',
    '"': '"',
}


class _NeedfulInlineProcessor(InlineProcessor):
    """An inline pass that tries a pattern on a text only when the text holds the substring that
    every match of the pattern holds. The same result as InlineProcessor (whose loop this is,
    with the one test added): a pattern that cannot match is passed over as if it had not."""

    def __init__(self, md: markdown.Markdown, patterns: Any, needs: tuple[str, ...]) -> None:
        super().__init__(md)
        self.inlinePatterns = patterns
        self.needs = needs

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, md_util.AtomicString):
            return data
        start = 0
        count = len(self.inlinePatterns)
        while patternIndex < count:
            if self.needs[patternIndex] not in data:
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = self._InlineProcessor__applyPattern(  # type: ignore[attr-defined]
                self.inlinePatterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def quicker_smarty(md: markdown.Markdown) -> None:
    """Replace smarty's inline pass with `_NeedfulInlineProcessor` when every one of its patterns
    is one we know (`SMARTY_NEEDS`); otherwise leave it as it is.

    smarty tries its 18 patterns on every text of a page, and most texts hold no quote, no `--`
    and no `...`: that pass was 40% of converting a module (12.8 of 30.5 ms)."""
    smarty = md.treeprocessors["smarty"] if "smarty" in md.treeprocessors else None  # noqa: SIM401 (a Registry has no get)
    priority = next((item.priority for item in getattr(md.treeprocessors, "_priority", ()) if item.name == "smarty"), None)
    if (type(smarty) is not InlineProcessor or priority is None
            or not hasattr(InlineProcessor, "_InlineProcessor__applyPattern")):
        return
    patterns = smarty.inlinePatterns
    needs = tuple(SMARTY_NEEDS[source] for p in patterns if (source := getattr(p, "pattern", None)) in SMARTY_NEEDS)
    if len(needs) == len(patterns):  # (one need per pattern, in the same order)
        md.treeprocessors.register(_NeedfulInlineProcessor(md, patterns, needs), "smarty", priority)


_SANITIZER: dict[str, Any] = {
    "tags": _SAFE_TAGS,
    "attributes": _SAFE_ATTRS,
    "url_schemes": {"http", "https", "mailto", "tel"},
    "link_rel": None,
    "strip_comments": True,
}
# nh3.clean turns these options into ammonia's on every call, which was a third of its time; a
# Cleaner does it once. (Older nh3 has no Cleaner: there, clean with the same options.)
_clean: Callable[[str], str] = (
    nh3.Cleaner(**_SANITIZER).clean if hasattr(nh3, "Cleaner") else functools.partial(nh3.clean, **_SANITIZER)
)


def sanitize(html: str) -> str:
    """Keep formatting; drop scripts, event handlers, `javascript:` URLs and unknown tags."""
    return str(_clean(html))


class Converter:
    """A reusable Markdown converter. One per process; not thread-safe."""

    def __init__(self) -> None:
        self.state = _State()
        self.md = self._markdown()
        self.conversions = 0  # how many bodies this converter has converted (for tests and benchmarks)

    def convert(self, body: str, path: str, first_line: int, owner: str, *, segmented: bool = True) -> Converted:
        """Convert a module (segmented) or page body that starts at `first_line` of `path`.

        Never raises for what the body holds: input too deep or too slow for the Markdown library
        gives an empty result with an IOP030 problem.
        """
        self.conversions += 1
        try:
            with time_limit(CONVERT_SECONDS):
                return self._convert(body, path, first_line, owner, segmented)
        except (TimeLimitExceeded, RecursionError) as exc:
            self.md = self._markdown()  # it may have stopped half-way through a change
            why = (f"converting it took longer than {CONVERT_SECONDS:g} seconds"
                   if isinstance(exc, TimeLimitExceeded) else "it is nested too deeply to convert")
            problem = Problem(path, first_line, f"{why}, so it was left out.", "IOP030",
                              hint="Look for very long lines, deep nesting or thousands of `[` brackets.")
            return Converted("", (), (), (), (problem,))

    def _markdown(self) -> markdown.Markdown:
        return markdown.Markdown(extensions=[*EXTENSIONS, _IopExtension(self.state)], output_format="html")

    def _convert(self, body: str, path: str, first_line: int, owner: str, segmented: bool) -> Converted:
        st = self.state
        st.__init__()  # type: ignore[misc]
        st.path, st.first_line, st.prefix, st.owner, st.segmented = path, first_line, f"{owner}-", owner, segmented
        self.md.reset()
        html = self.md.convert(body)
        pieces = _split(html)
        segments = []
        for n, info in enumerate(st.segments):
            piece = pieces.get(("seg", str(n)), "")
            title_html, body_html = _title_and_body(piece)
            segments.append(
                Segment(
                    title=" ".join(_STASH.sub("", info.title).split()),
                    title_html=sanitize(title_html),
                    anchor=info.attrs.get("anchor", slugify(info.title)),
                    minutes=int(info.attrs["minutes"]) if "minutes" in info.attrs else None,
                    third=int(info.attrs["third"]) if "third" in info.attrs else None,
                    line=info.line,
                    html=sanitize(body_html),
                )
            )
        handouts = tuple(
            Handout(hid, title, owner, path, line, sanitize(pieces.get(("handout", hid), "")), text)
            for line, hid, title, text in st.handouts
        )
        raw = [b for b in self.md.htmlStash.rawHtmlBlocks if isinstance(b, str)]
        refs, problems = _References(body, path, first_line).collect(st, raw)
        return Converted(
            overview_html=sanitize(pieces.get(("overview", ""), "")),
            segments=tuple(segments),
            handouts=handouts,
            block_kinds=tuple(st.kinds),
            problems=(*st.problems, *problems),
            refs=tuple(refs),
            anchors=tuple(st.anchors),
        )


class _References:
    """Links, images and raw HTML of one body → Refs to check later and problems found now,
    each located at its line and column in the source."""

    def __init__(self, body: str, path: str, first_line: int) -> None:
        self.body, self.path, self.first_line = body, path, first_line
        self.newlines = [m.start() for m in re.finditer("\n", body)]
        self.cursor = 0

    def where(self, pos: int) -> tuple[int, int]:
        """Line (in the file) and column (from 1) of offset `pos` of the body."""
        before = bisect.bisect_left(self.newlines, pos)
        start = self.newlines[before - 1] + 1 if before else 0
        return self.first_line + before, pos - start + 1

    def find(self, needle: str) -> int:
        """Where `needle` is next written (from the last place found, else from the top), or -1."""
        if not needle:
            return -1
        pos = self.body.find(needle, self.cursor)
        if pos < 0:
            pos = self.body.find(needle)
        if pos >= 0:
            self.cursor = pos + len(needle)
        return pos

    def problem(self, pos: int, code: str, severity: str, message: str, hint: str) -> Problem:
        line, column = self.where(pos) if pos >= 0 else (self.first_line, None)
        return Problem(self.path, line, message, code, severity, hint, column)  # type: ignore[arg-type]

    def collect(self, st: _State, raw: list[str]) -> tuple[list[Ref], list[Problem]]:
        refs: list[Ref] = []
        problems: list[Problem] = []
        for url, image, alt, target in st.links:
            pos = self.find(url)
            line, column = self.where(pos) if pos >= 0 else (self.first_line, None)
            if target.code:
                problems.append(self.problem(pos, target.code, target.severity, target.message, target.hint))
            elif target.kind in ("module", "page", "asset", "site"):
                refs.append(Ref(target.kind, target.target, target.anchor, url, line, column, image))  # type: ignore[arg-type]
            if image and not alt.strip():
                problems.append(self.problem(pos, "IOP027", "error", "this image has no alt text.",
                                             "Describe it: `![what the image shows](path)`."))
        self.cursor = 0
        for fragment in raw:
            findings, urls = scan_html(fragment)
            if not findings and not urls:
                continue
            base = self.find(fragment)
            for f in findings:
                problems.append(self._at(base, fragment, f.line, f.column, f.code, f.severity, f.message, f.hint))
            for u in urls:
                target = classify(u.url, st.folder, st.owner, image=u.image)
                if target.code == "IOP024":
                    continue  # the scan reported it
                if target.code:
                    problems.append(self._at(base, fragment, u.line, u.column, target.code, target.severity,
                                             target.message, target.hint))
                elif target.kind in ("module", "page"):
                    problems.append(self._at(base, fragment, u.line, u.column, "IOP026", "error",
                                             f"the link `{u.url}` in raw HTML is not rewritten to the page it names.",
                                             f"Write it as a Markdown link: `[text]({u.url})`."))
                elif target.kind in ("asset", "site"):
                    pos = self._offset(base, fragment, u.line, u.column)
                    line, column = self.where(pos) if pos >= 0 else (self.first_line, None)
                    refs.append(Ref(target.kind, target.target, target.anchor, u.url, line, column, u.image))  # type: ignore[arg-type]
        return refs, problems

    def _offset(self, base: int, fragment: str, line: int, column: int) -> int:
        if base < 0:
            return -1
        offset = 0
        for _ in range(line - 1):
            offset = fragment.find("\n", offset) + 1
            if offset == 0:
                return base
        return base + offset + column - 1

    def _at(self, base: int, fragment: str, line: int, column: int, code: str, severity: str,
            message: str, hint: str) -> Problem:
        return self.problem(self._offset(base, fragment, line, column), code, severity, message, hint)


def _split(html: str) -> dict[tuple[str, str], str]:
    pieces: dict[tuple[str, str], str] = {}
    key = ("overview", "")
    pos = 0
    for m in _MARKER.finditer(html):
        pieces[key] = pieces.get(key, "") + html[pos : m.start()]
        key = (m.group(1), m.group(2))
        pos = m.end()
    pieces[key] = pieces.get(key, "") + html[pos:]
    return {k: v.strip() for k, v in pieces.items()}


def _title_and_body(piece: str) -> tuple[str, str]:
    m = _H2.match(piece)
    if not m:
        return "", piece
    return m.group(1), piece[m.end() :].strip()


def extension_settings() -> dict[str, Any]:
    """What, besides the text, decides a conversion's result (part of the cache key)."""
    return {"extensions": list(EXTENSIONS), "kinds": list(ALL_KINDS), "markdown": markdown.__version__}
