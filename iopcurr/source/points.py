"""The core points of a segment, read from its converted HTML, where every block is a
`div.block.block-<kind>`: the first line of each script, the discussion questions, the role
plays and the home assignment (what the run sheet lists; render/runsheet.py). Read once, when
the module is converted, and kept in the parse cache with it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from iopcurr.model import Points

SAY_MIN = 50  # a script's first line runs on to the sentence that ends after this many characters
SAY_CHARS = 130  # a script's first line is cut to this many characters on the run sheet


class _Blocks(HTMLParser):
    """Texts of the paragraphs and list items of each guide block, by kind, and whether each is
    core (a `{.core}` block, or a question marked `{.core}`); the "Core" labels are left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str | None, bool]] = []  # per open div: its block kind (or None), core
        self.items: list[tuple[str, str, str, int, bool]] = []  # (kind, tag, text, block number, core)
        self.buffers: list[tuple[str, str, list[str], int, bool]] = []
        self.blocks = 0
        self.label = 0  # inside a "Core" label

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div":
            self.open_div(classes)
        elif tag in ("p", "li") and (kind := next((k for k, _ in reversed(self.stack) if k), None)):
            label = "label" if "block-label" in classes else tag
            core = "core" in classes or any(c for _, c in self.stack)
            self.buffers.append((kind, label, [], self.blocks, core))
        elif tag == "span" and ("core-label" in classes or self.label):
            self.label += 1

    def open_div(self, classes: list[str]) -> None:
        kind = next((c.removeprefix("block-") for c in classes if c.startswith("block-")), None)
        block = kind if kind and "block" in classes else None
        if block:
            self.blocks += 1
        self.stack.append((block, block is not None and "core" in classes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.stack:
            self.stack.pop()
        elif tag == "span" and self.label:
            self.label -= 1
        elif tag in ("p", "li") and self.buffers:
            kind, label, parts, block, core = self.buffers.pop()
            text = " ".join("".join(parts).split())
            if text:
                self.items.append((kind, label, text, block, core))

    def handle_data(self, data: str) -> None:
        if self.buffers and not self.label:
            self.buffers[-1][2].append(data)


def first_line(text: str) -> str:
    """The opening of `text` without its quotation marks: whole sentences while they are short
    (under SAY_MIN characters), cut at a word near SAY_CHARS."""
    text = " ".join(text.split()).strip("“”\"").strip()
    ends = [m.start() for m in re.finditer(r"(?<=[.?!])[”\"]?(\s|$)", text)]
    fit = [e for e in ends if e <= SAY_CHARS]
    cut = next((e for e in fit if e >= SAY_MIN), fit[-1] if fit else len(text))
    text = text[:cut].rstrip("”\"")
    if len(text) > SAY_CHARS:
        text = text[:SAY_CHARS].rsplit(" ", 1)[0].rstrip(",;:—–-") + "…"
    return text


def _point(kind: str, tag: str, text: str, listed: bool) -> tuple[str, str] | None:
    """Which list of Points an item of a block (other than a script) goes to, and its text there;
    of a home assignment written as a list (`listed`), its items, else its paragraphs."""
    if kind == "discussion" and tag == "li":
        return "questions", text
    if kind == "roleplay" and tag == "label":
        return "roleplays", text.partition(":")[2].strip() or text
    if kind == "homework" and tag == ("li" if listed else "p"):
        return "homework", text
    return None


def segment_points(html: str) -> Points:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    firsts: dict[int, tuple[str, bool]] = {}  # the first paragraph of each script
    listed = {block for kind, tag, _, block, _ in parser.items if kind == "homework" and tag == "li"}
    found: dict[str, list[tuple[str, bool]]] = {"says": [], "questions": [], "roleplays": [], "homework": []}
    for kind, tag, text, block, core in parser.items:
        if kind == "script" and tag == "p":
            firsts.setdefault(block, (text, core))
        elif point := _point(kind, tag, text, block in listed):
            found[point[0]].append((point[1], core))
    found["says"] = [(first_line(text), core) for text, core in firsts.values()]
    every = {k: tuple(t for t, _ in v) for k, v in found.items()}
    marked = {f"core_{k}": tuple(t for t, c in found[k] if c) for k in ("says", "questions", "roleplays")}
    return Points(**every, **marked)
