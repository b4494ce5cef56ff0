"""Markdown to HTML: the text between fences, converted one piece at a time.

`blocks.outline` reads the body's structure (segments, fenced blocks, their lines); this module
converts each run of plain Markdown between fences on its own with Python-Markdown and wraps
the result in the block's HTML (labels, worksheet lines, scales and grids, handout cards).
Python-Markdown never decides where a block starts or ends, so a handout holds exactly the text
written inside its fences, wherever the blank lines are.

`Converter.convert` returns an immutable `Converted`. It never evaluates content as a template.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from html import escape
from typing import Any, cast

import markdown
import nh3
from markdown import treeprocessors
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from iopcurr.errors import Problem
from iopcurr.model import Converted, Handout, Ref, Segment
from iopcurr.plan.links import SAFE_SCHEMES, Target, as_written, classify
from iopcurr.plan.safety import CONVERT_SECONDS, MAX_INDENT, MAX_QUOTE_DEPTH, TimeLimitExceeded, scan_html, time_limit
from iopcurr.source.blocks import CORE, GUIDE_KINDS, LIST_ITEM, Block, Node, Section, Text, fence_after, outline, stamps
from iopcurr.source.points import segment_points

LABELS = {
    "script": "Say",
    "discussion": "Discussion questions",
    "roleplay": "Role play",
    "facilitator": "Facilitator note",
    "homework": "Home assignment",
}
HANDOUT_CARD = "Client handout:"  # the label of a handout's card in the guide

# Extensions every conversion uses. Part of the cache key: change them and caches refresh.
EXTENSIONS = ("tables", "fenced_code", "sane_lists", "def_list", "abbr", "smarty")

_QUOTES = re.compile(r"^ {0,3}(?:> ?)+")
_STASH = re.compile("\x02[^\x03]*\x03")
_SLUG = re.compile(r"[^a-z0-9]+")
_TASK = re.compile(r"^\s*\[([ xX])\]\s+")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

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
}


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "section"


def _unique(used: dict[str, int], anchor: str) -> str:
    """`anchor`, or `anchor-2`, `anchor-3`, ... if taken; records the one returned."""
    n, candidate = used.get(anchor, 1), anchor
    while candidate in used:
        n += 1
        candidate = f"{anchor}-{n}"
    used[anchor], used[candidate] = n, 1
    return candidate


@dataclass
class _State:
    """Scratch state of one conversion (reset before each), shared by its pieces; then finds the
    refs and problems of the body's links and raw HTML, each at its line and column in the source."""

    path: str = ""
    body: str = ""
    first_line: int = 1  # the file line where `body` starts
    line: int = 1  # the file line of the piece being converted
    owner: str = ""  # the module or page id, which prefixes its anchors
    folder: str = "modules"  # of the body's file: modules (segmented) or pages, for its links
    problems: list[Problem] = field(default_factory=list)
    links: list[tuple[str, bool, str, Target]] = field(default_factory=list)  # (url, image, alt, target)
    raw: list[str] = field(default_factory=list)  # raw HTML fragments, for the safety scan
    refs: list[Ref] = field(default_factory=list)
    cursor: int = 0  # in `body`, where the last link or fragment was found
    used: dict[str, int] = field(default_factory=dict)  # anchors given out
    texts: list[str] = field(default_factory=list)  # plain text of each piece converted
    discussion: bool = False  # converting a discussion block: `{.core}` ends its core questions
    definitions: str = ""  # the body's link reference and abbreviation definitions, added to each piece
    handouts: list[Handout] = field(default_factory=list)

    def where(self, pos: int) -> tuple[int, int | None]:
        """Line (in the file) and column (from 1) of offset `pos` of the body; for -1 (not
        found), the body's first line and no column."""
        if pos < 0:
            return self.first_line, None
        return self.first_line + self.body.count("\n", 0, pos), pos - self.body.rfind("\n", 0, pos)

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

    def problem(self, pos: int, code: str, severity: str, message: str, hint: str) -> None:
        line, column = self.where(pos)
        self.problems.append(Problem(self.path, line, message, code, severity, hint, column))  # type: ignore[arg-type]

    def target(self, target: Target, url: str, pos: int, image: bool, *, raw: bool = False) -> None:
        """The ref or the problem of one URL; in raw HTML, a link to a module or page is a problem
        (it is not rewritten), and a script address was reported by the scan already."""
        if target.code and not (raw and target.code == "IOP024"):
            self.problem(pos, target.code, target.severity, target.message, target.hint)
        elif raw and target.kind in ("module", "page"):
            self.problem(pos, "IOP026", "error", f"the link `{url}` in raw HTML is not rewritten to the page it names.",
                         f"Write it as a Markdown link: `[text]({url})`.")
        elif target.kind in ("module", "page", "asset", "site"):
            self.refs.append(Ref(target.kind, target.target, target.anchor, url, *self.where(pos), image))  # type: ignore[arg-type]

    def collect(self) -> None:
        """The refs and problems of the links and raw HTML met while converting."""
        for url, image, alt, target in self.links:
            pos = self.find(as_written(url))  # as the author wrote it (`..\\..\\x`), to find its line
            if pos < 0:
                pos = self.find(url)
            self.target(target, url, pos, image)
            if image and not alt.strip():
                self.problem(pos, "IOP027", "error", "this image has no alt text.",
                             "Describe it: `![what the image shows](path)`.")
        self.cursor = 0
        for fragment in self.raw:  # the refs and problems of each fragment of raw HTML
            findings, urls = scan_html(fragment)
            if not findings and not urls:
                continue
            base = self.find(fragment)
            for f in findings:
                self.problem(base + f.offset if base >= 0 else -1, f.code, f.severity, f.message, f.hint)
            for u in urls:
                target = classify(u.url, self.folder, self.owner, image=u.image)
                self.target(target, u.url, base + u.offset if base >= 0 else -1, u.image, raw=True)


class _LinesPreprocessor(Preprocessor):
    """Nested list items indented by 2 or 3 become 4 (Python-Markdown needs 4); indentation and
    block quotes deeper than the limits are clamped (deeper makes Python-Markdown crawl)."""

    def __init__(self, md: markdown.Markdown, state: _State) -> None:
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        code_fence: str | None = None
        in_list, unit = False, 0
        for i, line in enumerate(lines):
            before, code_fence = code_fence, fence_after(code_fence, line)
            if before is None and code_fence is None:
                line, in_list, unit = _list_indent(line, i > 0 and not lines[i - 1].strip(), in_list, unit)
                line = self._limit_depth(i, line)
            out.append(line)
        return out

    def _limit_depth(self, i: int, line: str) -> str:
        """`line` clamped to the limits. (Indentation that deep leaves no block quote: one starts at
        most three spaces in.)"""
        indent = len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(4))
        qm = _QUOTES.match(line)
        if indent > MAX_INDENT:
            why = f"this line is nested {indent // 4} levels deep (by its indentation); the limit is {MAX_INDENT // 4}."
            hint, line = "Nest lists less deeply.", " " * MAX_INDENT + line.lstrip(" \t")
        elif qm and qm.group(0).count(">") > MAX_QUOTE_DEPTH:
            why = f"block quotes are nested {qm.group(0).count('>')} deep; the limit is {MAX_QUOTE_DEPTH}."
            hint, line = "Use fewer `>` at the start of the line.", "> " * MAX_QUOTE_DEPTH + line[qm.end() :]
        else:
            return line
        st = self.state
        if not any(p.code == "IOP030" for p in st.problems):  # only the first of a body is reported
            st.problems.append(Problem(st.path, st.line + i, why, "IOP030", hint=hint))
        return line


def _list_indent(line: str, after_blank: bool, in_list: bool, unit: int) -> tuple[str, bool, int]:
    """(line, in_list, unit) after `line`: a nested item indented by `unit` (2 or 3) is indented
    by 4 per level instead; `unit` is the indentation of the list's first nested item."""
    if lm := LIST_ITEM.match(line):
        width = len(lm.group(1))
        if not width and after_blank:
            unit = 0
        if in_list and width and not unit:
            unit = width
        if in_list and width and unit < 4:
            line = " " * (width * 4 // unit) + line[width:]
        return line, True, unit
    if line.strip() and not line.startswith(" "):
        return line, False, 0
    return line, in_list, unit


class _ShapeTreeprocessor(Treeprocessor):
    """Gives a converted piece its final shape: checkboxes, table boxes, links rewritten to the
    site, an id on every heading; and records its plain text (for reading grade and search)."""

    def __init__(self, md: markdown.Markdown, state: _State) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        st = self.state
        _shape(root, st.discussion)
        for el in root.iter():
            attr = "href" if el.tag == "a" else "src" if el.tag == "img" else ""
            if attr and el.get(attr) is not None:
                url = el.get(attr, "")
                target = classify(url, st.folder, st.owner, image=el.tag == "img")
                el.set(attr, target.href)
                st.links.append((url, el.tag == "img", el.get("alt", ""), target))
            elif el.tag in _HEADINGS and not el.get("id"):
                text = _STASH.sub("", "".join(el.itertext()))
                el.set("id", _unique(st.used, f"{st.owner}-{slugify(text)}"))
        st.texts.append(_plain_text(root))


def _shape(parent: etree.Element, discussion: bool) -> None:
    """Checkboxes, core questions (in a discussion block) and table boxes, inner ones first."""
    for child in list(parent):
        if len(child):
            _shape(child, discussion)
        if child.tag == "li":
            _task(child)
            if discussion:
                _core_item(child)
        if child.tag == "table":
            _wrap_table(parent, child)
        if child.tag == "ul" and any(li.get("class") == "ws-check" for li in child):
            child.set("class", "ws-checklist")
            child.set("aria-label", "Checklist")  # the boxes are drawn, so say what the list is


CORE_LABEL = '<span class="core-label">Core</span>'


def _core_item(li: etree.Element) -> None:
    """A question whose text ends with `{.core}`: the marker becomes the class `core` and a
    visible "Core" label (text, not colour alone)."""
    holder = li[0] if len(li) and li[0].tag == "p" else li
    inline = [c for c in holder if c.tag not in ("ul", "ol", "p")]
    last = inline[-1] if inline else None
    text = (last.tail if last is not None else holder.text) or ""
    if not text.rstrip().endswith(CORE):
        return
    text = text.rstrip().removesuffix(CORE).rstrip()
    if last is not None:
        last.tail = text
    else:
        holder.text = text
    li.set("class", "core")
    _prepend(holder, {"class": "core-label"}, "Core", holder.text or "")


def _wrap_table(parent: etree.Element, table: etree.Element) -> None:
    """A table scrolls sideways in a box of its own on a small screen, never the whole page.

    The box is focusable and named, so keyboard users can scroll it too (WCAG 1.4.10, 2.1.1).
    """
    headers = [" ".join("".join(th.itertext()).split()) for th in table.iter("th")][:4]
    label = "Table: " + ", ".join(h for h in headers if h) if any(headers) else "Table"
    wrap = etree.Element("div", {"class": "table-wrap", "role": "region", "tabindex": "0", "aria-label": label})
    parent[list(parent).index(table)] = wrap
    wrap.append(table)


def _task(li: etree.Element) -> None:
    holder = li[0] if len(li) and li[0].tag == "p" and not (li.text or "").strip() else li
    m = _TASK.match(holder.text or "")
    if not m:
        return
    li.set("class", "ws-check")
    box = "☒" if m.group(1).lower() == "x" else "☐"
    _prepend(holder, {"class": "ws-box", "aria-hidden": "true"}, box, (holder.text or "")[m.end() :])


def _prepend(holder: etree.Element, attrs: dict[str, str], text: str, rest: str) -> None:
    """A span holding `text` at the start of `holder`, whose own text becomes `rest`."""
    span = etree.Element("span", attrs)
    span.text, span.tail = text, " " + rest
    holder.text = None
    holder.insert(0, span)


_BLOCK_TAGS = {"p", "li", "td", "th", "caption", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_CONTAINERS = _BLOCK_TAGS | {"ul", "ol", "div", "table", "thead", "tbody", "tr", "dl"}
_SKIP_CLASSES = {"ws-box", "core-label"}


def _plain_text(root: etree.Element) -> str:
    """Readable text of a tree, one sentence-terminated line per block (for reading grade)."""
    out: list[str] = []
    for e in root.iter():
        if e.tag in _BLOCK_TAGS and (text := " ".join(_own_text(e).split())):
            out.append(text if text[-1] in ".!?" else text + ".")
    return "\n".join(out)


def _own_text(e: etree.Element) -> str:
    """The text of `e` but that of the blocks inside it, checkboxes and "Core" labels."""
    parts = [e.text or ""]
    for c in e:
        if c.tag not in _CONTAINERS and c.get("class") not in _SKIP_CLASSES:
            parts.append("".join(c.itertext()))
        parts.append(c.tail or "")
    return _STASH.sub("", "".join(parts))


_HELD = re.compile("\x02smart:(\\d+)\x03")
_MAY_SMARTEN = re.compile(r"['\"]|--|\.\.\.")  # what smarty's patterns need, one of them at least


class _SmartTreeprocessor(Treeprocessor):
    """smarty's curly quotes, dashes and ellipses, tried only on texts that may hold one: smarty's
    own pass tries its 18 patterns on every text (parsing 100 modules took 45% longer with it)."""

    def __init__(self, md: markdown.Markdown, patterns: list[InlineProcessor]) -> None:
        super().__init__(md)
        self.patterns = patterns

    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if el is not root:
                el.text, el.tail = self.smarten(el.text), self.smarten(el.tail)

    def smarten(self, text: str | None) -> str | None:
        """Each pattern in turn, left to right; what one replaces is hidden from the next (as in
        smarty, whose inline pass puts a placeholder in its place)."""
        if not text or isinstance(text, AtomicString) or not _MAY_SMARTEN.search(text):
            return text
        held: list[str] = []
        for pattern in self.patterns:
            pos = 0
            while m := pattern.compiled_re.search(text, pos):
                held.append(str(pattern.handleMatch(m, text)[0]))
                token = f"\x02smart:{len(held) - 1}\x03"
                text = text[: m.start()] + token + text[m.end() :]
                pos = m.start() + len(token)
        return _HELD.sub(lambda m: held[int(m.group(1))], text)


def sanitize(html: str) -> str:
    """Keep formatting; drop scripts, event handlers, `javascript:` URLs and unknown tags."""
    return str(nh3.clean(html, tags=_SAFE_TAGS, attributes=_SAFE_ATTRS, url_schemes=set(SAFE_SCHEMES), link_rel=None,
                         strip_comments=True))


class Converter:
    """A reusable Markdown converter: converts the pieces of a body and wraps them in their blocks'
    HTML. One per process; not thread-safe."""

    def __init__(self) -> None:
        self.state = _State()
        self.md = self._markdown()

    def convert(self, body: str, path: str, first_line: int, owner: str, *, segmented: bool = True) -> Converted:
        """Convert a module (segmented) or page body that starts at `first_line` of `path`.

        Never raises for what the body holds: input too deep or too slow for the Markdown library
        gives an empty result with an IOP030 problem.
        """
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
        md = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
        md.preprocessors.register(_LinesPreprocessor(md, self.state), "iop_lines", 29)
        smarty = cast(treeprocessors.InlineProcessor, md.treeprocessors["smarty"])
        patterns = cast("list[InlineProcessor]", list(smarty.inlinePatterns))  # (its stubs name the wrong class)
        md.treeprocessors.register(_SmartTreeprocessor(md, patterns), "smarty", 6)  # in place of smarty's pass
        md.treeprocessors.register(_ShapeTreeprocessor(md, self.state), "iop_shape", 5)
        return md

    def _convert(self, body: str, path: str, first_line: int, owner: str, segmented: bool) -> Converted:
        st = self.state
        st.__init__(path, body, first_line, owner=owner,  # type: ignore[misc]
                    folder="modules" if segmented else "pages")
        shape = outline(body, path, first_line, segmented=segmented)
        anchors = [_unique(st.used, f"{owner}-{s.attr('id') or slugify(s.title)}") for s in shape.sections]
        st.definitions = "\n\n" + "\n".join(shape.definitions) if shape.definitions else ""
        overview = self.nodes(shape.overview)
        segments = tuple(self.segment(s, anchor) for s, anchor in zip(shape.sections, anchors, strict=True))
        st.collect()
        return Converted(
            overview_html=sanitize(overview),
            segments=segments,
            handouts=tuple(st.handouts),
            block_kinds=tuple(b.kind for b in shape.blocks),
            problems=(*shape.problems, *st.problems),
            refs=tuple(st.refs),
            anchors=tuple(st.used),
            stamps=stamps(shape),
        )

    def segment(self, s: Section, anchor: str) -> Segment:
        html = sanitize(self.nodes(s.children))
        minutes, third, each = s.attr("minutes"), s.attr("third"), s.attr("go-round")
        return Segment(title=" ".join(s.title.split()), title_html=sanitize(self.title(s)), anchor=anchor,
                       minutes=int(minutes) if minutes else None, third=int(third) if third else None,
                       line=s.line, html=html, go_round=float(each) if each else None, points=segment_points(html))

    def piece(self, text: str, line: int) -> str:
        """One run of Markdown between fences → HTML (its plain text goes to `state.texts`)."""
        st = self.state
        st.line = line
        self.md.reset()
        html = self.md.convert(text + st.definitions)
        st.raw += [b for b in self.md.htmlStash.rawHtmlBlocks if isinstance(b, str)]
        return html

    def title(self, s: Section) -> str:
        html = self.piece(s.title.replace("#", "&#35;", 1) if s.title.startswith("#") else s.title, s.line)
        return html.removeprefix("<p>").removesuffix("</p>") if html.startswith("<p>") else html

    def nodes(self, nodes: tuple[Node, ...]) -> str:
        return "\n".join(self.piece("\n".join(n.lines), n.line) if isinstance(n, Text) else self.block(n) for n in nodes)

    def block(self, b: Block) -> str:
        st = self.state
        if b.kind == "handout":
            return self.handout(b)
        outer, st.discussion = st.discussion, b.kind == "discussion"
        inner = self.nodes(b.children)
        st.discussion = outer
        if b.kind in GUIDE_KINDS:
            title = b.attr("title")
            label = escape(f"{LABELS[b.kind]}: {title}" if title else LABELS[b.kind])
            core = (" core", f" {CORE_LABEL}") if b.core else ("", "")
            return (f'<div class="block block-{b.kind}{core[0]}">\n<p class="block-label">{label}{core[1]}</p>\n'
                    f"{inner}\n</div>")
        return {"lines": _lines, "scale": _scale}.get(b.kind, _grid)(b, inner)  # a worksheet block

    def handout(self, b: Block) -> str:
        """The handout's card in the guide; the handout itself, with the plain text of its pieces,
        goes to `state.handouts`. A facilitator block written inside it (an error) stays in the guide."""
        st = self.state
        start = len(st.texts)
        guide = tuple(c for c in b.children if isinstance(c, Block) and c.kind in GUIDE_KINDS)
        inner = self.nodes(tuple(c for c in b.children if c not in guide))
        hid = b.attr("id") or f"handout-{b.line}"
        title = b.attr("title", hid)
        text = "\n".join(t for t in st.texts[start:] if t)
        st.handouts.append(Handout(hid, title, st.owner, st.path, b.line, sanitize(inner), text))
        card = (f'<div class="handout-ref">\n<p><strong>{HANDOUT_CARD}</strong> '
                f'<a href="../handouts/{escape(hid)}.html">{escape(title)}</a></p>\n</div>')
        html = "\n".join([card, self.nodes(guide)]).strip()
        del st.texts[start:]  # none of it is text of a handout around this one (an error too)
        return html


def _lines(b: Block, inner: str) -> str:
    n = int(b.attr("n", "3"))
    lines = '<div class="ws-line" aria-hidden="true"></div>' * n
    space = "1 line" if n == 1 else f"{n} lines"
    return f'<div class="ws ws-lines">\n{inner}\n<span class="visually-hidden">Space to write ({space}).</span>{lines}</div>'


def _scale(b: Block, inner: str) -> str:
    low_n, high_n = int(b.attr("from", "0")), int(b.attr("to", "10"))
    high_n = high_n if high_n > low_n else low_n + 10
    points = "".join(f"<li>{v}</li>" for v in range(low_n, high_n + 1))
    out = (f'<div class="ws ws-scale">\n{inner}\n<ol class="ws-scale-points" '
           f'aria-label="Circle a number from {low_n} to {high_n}">{points}</ol>')
    low, high = b.attr("low"), b.attr("high")
    if low or high:
        out += (f'<p class="ws-scale-ends"><span class="ws-scale-low">{escape(f"{low_n} = {low}" if low else "")}</span> '
                f'<span class="ws-scale-high">{escape(f"{high_n} = {high}" if high else "")}</span></p>')
    return out + "</div>"


def _grid(b: Block, inner: str) -> str:
    columns = [c.strip() for c in b.attr("columns").split("|") if c.strip()] or ["", ""]
    labels = [c.strip() for c in b.attr("labels").split("|") if c.strip()]
    rows = len(labels) or int(b.attr("rows", "5"))
    caption = f"<caption>{inner}</caption>" if inner else ""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f'<th scope="row">{escape(labels[r])}</th>' if c == 0 and labels else "<td>\u00a0</td>"
                         for c in range(len(columns))) + "</tr>"
        for r in range(rows))
    return (f'<div class="ws ws-grid-wrap"><table class="ws-grid">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def extension_settings() -> dict[str, Any]:
    """What, besides the text, decides a conversion's result (part of the cache key)."""
    return {"extensions": list(EXTENSIONS), "markdown": markdown.__version__}
