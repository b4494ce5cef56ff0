"""Generated modules for the audience-separation property tests (tests/test_separation.py).

A module is drawn as a structure (segments of prose and blocks; handouts with worksheet parts)
and written out with the variations authors make: 0-4 blank lines around and inside every fence,
`:::` or longer fences, `:::kind` with no space, trailing spaces and tabs on fence lines, lists,
tables and code blocks that hold `:::`, and no newline after the last line. Every word is a
token that says where it was written: `g…x` for the facilitator guide (plain prose, script,
discussion, roleplay, facilitator, homework), `h<handout>w…x` for a handout.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from hypothesis import strategies as st

GUIDE_BLOCKS = ("script", "discussion", "roleplay", "facilitator", "homework")
TOKEN = re.compile(r"\b(?:g\d+x|h\d+w\d+x)\b")


@dataclass
class Written:
    """A module's text and where each of its words belongs."""

    text: str = ""
    guide: set[str] = field(default_factory=set)
    handouts: dict[str, set[str]] = field(default_factory=dict)  # handout id → its words

    @property
    def client(self) -> set[str]:
        return set().union(*self.handouts.values()) if self.handouts else set()


def tokens(html: str) -> set[str]:
    """The tokens in the text of `html` (not in its tags and attributes)."""
    return set(TOKEN.findall(re.sub(r"<[^>]+>", " ", html)))


class _Writer:
    def __init__(self, draw: st.DrawFn, prefix: str) -> None:
        self.draw, self.prefix = draw, prefix
        self.out = Written()
        self.lines: list[str] = []
        self.count = itertools.count()

    def word(self, where: set[str], handout: int | None = None) -> str:
        n = next(self.count)
        w = f"g{n}x" if handout is None else f"h{handout}w{n}x"
        where.add(w)
        return w

    def words(self, where: set[str], handout: int | None = None, k: int = 3) -> str:
        return " ".join(self.word(where, handout) for _ in range(k))

    def blank(self) -> None:
        self.lines += [self.draw(st.sampled_from(["", " ", "\t"]))] * self.draw(st.integers(0, 4))

    def fence(self, kind: str, attrs: str = "") -> None:
        colons = ":" * self.draw(st.integers(3, 5))
        space = self.draw(st.sampled_from([" ", "", "  "])) if kind else ""
        trail = self.draw(st.sampled_from(["", " ", "\t", " \t "]))
        self.blank()
        self.lines.append(f"{colons}{space}{kind}{' ' + attrs if attrs else ''}{trail}")
        self.blank()

    def close(self) -> None:
        self.blank()
        self.lines.append(":" * self.draw(st.integers(3, 5)) + self.draw(st.sampled_from(["", "  ", "\t"])))
        self.blank()

    def prose(self, where: set[str], handout: int | None = None) -> None:
        """A paragraph, a list, a table or a code block that holds fence-like lines."""
        shape = self.draw(st.sampled_from(["para", "list", "table", "code", "colons"]))
        w = lambda k=3: self.words(where, handout, k)  # noqa: E731
        if shape == "para":
            self.lines += [w(), w()]
        elif shape == "list":
            self.lines += [f"- {w()}", f"- {w(2)} ::: {w(1)}", f"  - {w()}"]
        elif shape == "table":
            self.lines += ["| A | B |", "| --- | --- |", f"| {w(1)} | {w(1)} ::: |"]
        elif shape == "code":
            self.lines += ["```", ":::", f"## {w(1)}", f"::: handout {{#{w(1)}}}", ":::", "```"]
        else:
            self.lines += [f"{w(2)} ::: {w(1)}"]
        self.blank()
        self.lines.append("")

    def handout(self, index: int) -> None:
        hid = f"{self.prefix}-sheet-{index}"
        words = self.out.handouts.setdefault(hid, set())
        self.fence("handout", f'{{#{hid} title="Sheet"}}')
        self.prose(words, index)
        for part in self.draw(st.lists(st.sampled_from(["prose", "check", "lines", "scale", "grid"]), max_size=3)):
            if part == "prose":
                self.prose(words, index)
            elif part == "check":
                self.lines += [f"- [ ] {self.words(words, index)}", f"- [x] {self.words(words, index)}", ""]
            else:
                attrs = {"lines": "{n=2}", "scale": '{low="Low" high="High"}', "grid": '{columns="A | B" rows=2}'}[part]
                self.fence(part, attrs)
                self.lines.append(self.words(words, index))
                self.close()
        self.close()

    def segment(self, n: int, handouts: itertools.count[int]) -> None:
        self.lines += [f"## Part {self.word(self.out.guide)}", ""]
        for item in self.draw(st.lists(st.sampled_from(["prose", "block", "handout"]), min_size=1, max_size=4)):
            if item == "prose":
                self.prose(self.out.guide)
            elif item == "block":
                self.fence(self.draw(st.sampled_from(GUIDE_BLOCKS)))
                self.prose(self.out.guide)
                self.close()
            else:
                self.handout(next(handouts))


@st.composite
def module_bodies(draw: st.DrawFn, prefix: str = "m") -> Written:
    """The body of a module: an overview and three segments, with at least one handout."""
    writer = _Writer(draw, prefix)
    handouts = itertools.count(1)
    writer.prose(writer.out.guide)
    for n in range(3):
        writer.segment(n, handouts)
    if not writer.out.handouts:
        writer.handout(next(handouts))
    writer.fence("homework")
    writer.lines.append(writer.words(writer.out.guide))
    writer.close()
    text = "\n".join(writer.lines).rstrip("\n") + draw(st.sampled_from(["", "\n"]))
    writer.out.text = text
    return writer.out


def with_line_ends(text: str, end: str) -> str:
    return text.replace("\n", end)


FRONT = """---
title: Module {n}
summary: A generated module.
objectives:
  - Name one thing.
  - Practise one thing.
materials: [Pens]
---

"""
