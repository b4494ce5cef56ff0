"""Problems an author can cause, and the one exception the command line turns into an exit code.

Stages never raise for content problems: they return `Problem` values, so that a run reports
all of them together. `IopError` is for what stops a run at once (a refused output folder, a
missing source folder); it carries the same location fields and an exit code.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from functools import partial
from types import MappingProxyType
from typing import IO, Any, Literal

import click

Severity = Literal["error", "warning"]

# Stable problem codes: (short name, what it means, how to fix it). The docs table is generated
# from this registry (see `codes_markdown_table`) and a test keeps the two in step.
CODES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "IOP001": ("Malformed YAML", "Fix the YAML syntax at the line and column shown."),
    "IOP002": ("Not a mapping", "Front matter and program.yml must be `key: value` lines."),
    "IOP003": ("Unknown key", "Remove the key or correct its spelling (see the hint)."),
    "IOP004": ("Wrong type", "Give the key a value of the type the message names."),
    "IOP005": ("Missing key", "Add the required key."),
    "IOP006": ("Duplicate id", "Rename one file or handout so every id is unique."),
    "IOP007": ("Unknown reference", "Point to an existing module, handout, track or page id."),
    "IOP008": ("Unclosed block", "Close the block with a line holding only `:::`."),
    "IOP009": ("Unknown block", "Use one of the block kinds listed in the authoring guide."),
    "IOP010": ("Handout without id or title", "Write `::: handout {#some-id title=\"Title\"}`."),
    "IOP011": ("Plan does not add up", "Change the segment minutes as the message says."),
    "IOP012": ("Lopsided plan", "Move minutes so each part is close to a third."),
    "IOP013": ("Starved segment", "Give the segment more minutes or merge it with another."),
    "IOP014": ("Reading grade too high", "Use shorter sentences and common words."),
    "IOP015": ("Stigmatizing term", "Use the person-first term the message suggests."),
    "IOP016": ("Not UTF-8", "Save the file as UTF-8 in your editor."),
    "IOP017": ("Empty module", "Write the session: at least one `##` segment."),
    "IOP018": ("Bad file name", "Use lowercase letters, digits and hyphens, e.g. `my-topic.md`."),
    "IOP019": ("Misplaced block", "Move the block: the message says where it may go."),
    "IOP020": ("Bad attribute", "Fix the `{...}` attributes as the message says."),
    "IOP021": ("Missing objectives", "Add 2-4 `objectives:` to the front matter."),
    "IOP022": ("No handout", "Define a `::: handout` or list one under `handouts:`."),
    "IOP023": ("No home assignment", "Add a `::: homework` block."),
    "IOP024": ("Unsafe HTML", "Remove scripts, event handlers and `javascript:` links; the site drops them."),
    "IOP025": ("Missing file", "Add the file to the curriculum or fix the path."),
    "IOP026": ("Broken link", "Point the link at an existing page, module or anchor."),
    "IOP027": ("Image without alt text", "Describe the image: `![what it shows](path)`."),
    "IOP028": ("Heading skips a level", "Use the next heading level (## then ###)."),
    "IOP029": ("Path outside the curriculum", "Keep files and links inside the curriculum."),
    "IOP030": ("Too large or too deep", "Split the file or nest less deeply; the message gives the limit."),
    "IOP031": ("Schedule problem", "Fix the schedule settings as the message says."),
    "IOP032": ("Template problem", "Fix the template in the theme override folder."),
    "IOP033": ("Hard-to-read colour", "Choose a darker `theme.accent`: links need 4.5:1 contrast."),
    "IOP034": ("Empty block", "Write the block's text between its opening line and its closing `:::`, or remove it."),
    "IOP035": ("Worksheet outside a handout", "Move the `lines`, `scale` or `grid` block into a `::: handout`."),
    "IOP036": ("Stray closing fence", "Remove the extra `:::`, or the one that closed the block too early."),
    "IOP037": ("Review overdue", "Review the module, then set `reviewed_on` and a new `next_review` in its front matter."),
    "IOP038": ("Asset that can run scripts", "Publish a PDF or PNG instead, or make the page a module or page."),
    "IOP039": ("Library file changed", "Compare the override with the library's file, take over what changed, "
               "then record the library's new version: `overrides: {library: \"HASH\"}` (the message gives it)."),
    "IOP040": ("Stale translation", "Update the translation, then its `source` or `guide_source` stamp (the hint gives it)."),
    "IOP041": ("Go-round does not fit", "Give the segment more minutes, ask for less time each (`go-round=`), "
               "or invite two or three volunteers instead of the whole group."),
})


# What a terminal would act on instead of showing: C0 and C1 control characters (ESC, BEL, CR,
# LF, ...), DEL, the line and paragraph separators, the bidirectional overrides that reorder
# what is shown, and lone surrogates (which cannot be printed as UTF-8).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` safe to print on a terminal: each control character as Python escapes it (`\\x1b`, `\\n`),
    so that what a file says (a decoded link target, a YAML string) cannot move the cursor,
    colour the screen or forge problem lines."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know."""

    path: str
    line: int | None
    message: str
    code: str  # a key of CODES
    severity: Severity = "error"
    hint: str = ""
    column: int | None = None

    def format(self) -> str:
        """`path:line[:col]: severity CODE: message (hint)`, the form editors can jump to: one line,
        with any control character escaped (`printable`)."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}" if self.column is None else f":{self.line}:{self.column}"
        hint = f" Hint: {self.hint}" if self.hint else ""
        return printable(f"{where}: {self.severity} {self.code}: {self.message}{hint}")

    def as_error(self) -> Problem:
        """The same problem as an error (for --strict)."""
        return replace(self, severity="error")


def sort_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Problems in a stable order: by file, then line, then message."""
    return tuple(sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.column or 0, p.message)))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def problems_json(problems: Iterable[Problem], **more: Any) -> str:
    """The stable JSON form of `iopcurr check --format json` (documented in the authoring guide):

    `{"schema": 1, "errors": N, "warnings": N, "problems": [{"path", "line", "column",
    "severity", "code", "message", "hint"}, ...]}`, problems sorted by path, line and column.
    New keys may be added (`more`: `check` adds "handouts"); existing ones keep their meaning
    while `schema` is 1.
    """
    items = [asdict(p) for p in sort_problems(problems)]
    errors = sum(1 for p in items if p["severity"] == "error")
    document = {"schema": 1, "errors": errors, "warnings": len(items) - errors, "problems": items, **more}
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)


def codes_markdown_table() -> str:
    """The table of problem codes for the authoring guide."""
    rows = ["| code | problem | how to fix it |", "| --- | --- | --- |"]
    rows += [f"| {code} | {name} | {fix} |" for code, (name, fix) in CODES.items()]
    return "\n".join(rows)


class IopError(click.ClickException):
    """A problem that stops the run at once, with the exit code the command line uses. A click
    exception: a command that raises it prints `path:line: error: message` and exits with the code."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None, code: int = 2):
        super().__init__(message)
        self.path = path
        self.line = line
        setattr(self, "exit_code", code)  # (each its own: click 8.5 declares `exit_code` a class variable)  # noqa: B010

    def __reduce__(self) -> tuple[Any, ...]:  # whole across processes (the PDF workers)
        return (partial(IopError, path=self.path, line=self.line, code=self.exit_code), (self.message,))

    def format(self) -> str:
        where = f"{self.path}:{self.line}: " if self.path and self.line else f"{self.path}: " if self.path else ""
        return printable(f"{where}error: {self.message}")

    def show(self, file: IO[Any] | None = None) -> None:  # click calls this to report the error
        click.echo(self.format(), file=file, err=True)


def did_you_mean(word: str, choices: Iterable[str], otherwise: str = "", form: str = "`{}`") -> str:
    """A hint for a name that is not one of `choices`: the closest of them, as `form` writes it
    ("Did you mean `weeks`?"), or `otherwise` when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"Did you mean {form.format(close[0])}?" if close else otherwise
