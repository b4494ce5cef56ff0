"""What content may not do, found in the source so that `check` can say where.

- Raw HTML that would run or embed something: `<script>` and its kin, event-handler attributes
  (`onclick=`), `javascript:` URLs. The sanitizer (markup.sanitize, nh3) is what keeps them off
  the site; `scan_html` only reports them (IOP024), with images that have no alt text (IOP027).
- Input that would make the Markdown library crash or run for minutes: lines nested too deep
  (limits below, enforced by the block preprocessor), and, as a last guard, a time limit on
  converting one file (`time_limit`).
- Control characters (ESC, BEL, vertical tab, form feed, NEL, ...) that YAML escapes such as
  `"\x1b"` put into a string: `without_controls` takes them out of every page and the calendar.
- Assets a browser would open as a page or an image that runs its scripts (`.html`, `.svg`,
  ...): they are copied as they are, outside the sanitizer's reach, so `check` warns (IOP038).
- Raw HTML nested deeper than `MAX_HTML_DEPTH` elements (IOP030): a page that deep crashes the
  PDF renderer (WeasyPrint recurses once per level) and helps no reader.

Everything here is pure except `time_limit`, which arms a timer signal when one is available.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser

from iopcurr.errors import Problem, Severity
from iopcurr.model import Asset
from iopcurr.plan.links import SCRIPT_SCHEMES, scheme_of

MAX_INDENT = 64  # columns of indentation (16 levels of nested lists)
MAX_QUOTE_DEPTH = 16  # `>` levels of nested block quotes
MAX_HTML_DEPTH = 40  # elements open at once in one fragment of raw HTML (WeasyPrint fails near 135)
CONVERT_SECONDS = 20.0  # one file; a 500 kB module of real text converts in about 3 s

UNSAFE_TAGS = frozenset({
    "script", "noscript", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "base", "meta", "link", "form", "svg", "math", "template",
})
URL_ATTRS = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
    "ping", "srcset",
})
_FALLBACK = re.compile(
    r"<\s*(?P<tag>" + "|".join(sorted(UNSAFE_TAGS)) + r")\b|\s(?P<attr>on[a-z]+)\s*=|(?P<url>(?:java|vb)script\s*:)",
    re.IGNORECASE,
)


# C0 controls but tab, line feed and carriage return; DEL; C1 controls (NEL is \x85); and lone
# surrogates (`"\\ud800"` in YAML), which cannot be written as UTF-8.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = frozenset("\x0b\x0c\x85")  # the ones that separate words: a space instead


def without_controls(text: str) -> str:
    """`text` without control characters (the same object when it has none): neither HTML nor an
    iCalendar TEXT value may hold them, and a terminal or an editor would act on them. A lone
    surrogate becomes U+FFFD, the replacement character."""
    if _CONTROLS.search(text) is None:
        return text
    if _SURROGATE.search(text):  # a pair written as two escapes (`"\\ud83d\\ude00"`) is one character
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROLS.sub(lambda m: " " if m.group() in _SPACES else "", text)


# Files a browser opens as a document that may run scripts, when a page links to them: pages are
# always warned about; an SVG only when it holds something that can run (an SVG logo is common).
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".xml", ".xsl")
SVG_SUFFIXES = (".svg", ".svgz")
_ACTIVE_SVG = re.compile(r"<\s*(?:script|foreignobject|iframe|embed|object|handler)\b|\son[a-z]+\s*=|javascript\s*:",
                         re.IGNORECASE)


def check_active_assets(assets: Iterable[Asset]) -> list[Problem]:
    """A warning for each asset published as it is that can run scripts. Reads the SVG files."""
    problems = []
    for asset in sorted(assets, key=lambda a: a.rel):
        lower = asset.rel.lower()
        if lower.endswith(SVG_SUFFIXES):
            try:
                text = asset.read().decode("utf-8", "replace")
            except OSError:
                continue
            if lower.endswith(".svgz") or _ACTIVE_SVG.search(text):
                problems.append(_active(asset, "an SVG image with scripts or event handlers"))
        elif lower.endswith(PAGE_SUFFIXES):
            problems.append(_active(asset, "a web page"))
    return problems


def _active(asset: Asset, what: str) -> Problem:
    return Problem(asset.path, None,
                   f"{asset.rel} is {what}, published as it is: a browser that opens it runs its scripts, and "
                   "the sanitizer that cleans modules and pages never sees it.", "IOP038", "warning",
                   "Publish it as a PDF or PNG, or write it as a page in pages/.")


@dataclass(frozen=True)
class Finding:
    """Something in a fragment of raw HTML, at `offset` (from 0) in the fragment."""

    offset: int
    code: str
    severity: Severity
    message: str
    hint: str = ""


@dataclass(frozen=True)
class RawUrl:
    """A link or image URL in raw HTML, at `offset` in the fragment, for the same checks as Markdown links."""

    offset: int
    url: str
    image: bool


_UNSAFE_HINT = "Remove it: pages never run scripts, handle events or embed other content."


# Elements that never hold others (no end tag), so they open no level.
VOID_TAGS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
})


class _Scanner(HTMLParser):
    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.starts = [0, *(m.end() for m in re.finditer("\n", fragment))]  # the offset of each line
        self.findings: list[Finding] = []
        self.urls: list[RawUrl] = []
        self.open: list[str] = []  # the elements open here, outermost first
        self.too_deep = False

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open and not self.too_deep:  # closes it and whatever was left open inside it
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, opens=tag not in VOID_TAGS)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, opens=False)  # `<x/>`

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], *, opens: bool) -> None:
        line, col = self.getpos()
        at = self.starts[line - 1] + col
        if opens and not self.too_deep:  # (once found, no more counting: `open` stays short)
            self.open.append(tag)
            if len(self.open) > MAX_HTML_DEPTH:
                self.too_deep = True
                self.findings.append(Finding(at, "IOP030", "error", f"this raw HTML nests elements more than "
                                             f"{MAX_HTML_DEPTH} levels deep, which the PDFs cannot be made from.",
                                             f"Nest at most {MAX_HTML_DEPTH} levels of HTML elements."))
        self.findings += [Finding(at, "IOP024", "warning", message, _UNSAFE_HINT) for message in _unsafe(tag, attrs)]
        values = dict(attrs)
        if tag == "img" and not (values.get("alt") or "").strip():
            self.findings.append(Finding(at, "IOP027", "error", "this image has no alt text.",
                                         'Add alt="what the image shows".'))
        if tag in ("img", "a") and (url := values.get("src" if tag == "img" else "href")):
            self.urls.append(RawUrl(at, url, tag == "img"))


def _unsafe(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    """What the sanitizer removes from one start tag, in words."""
    out = [f"`<{tag}>` is removed from the site."] if tag in UNSAFE_TAGS else []
    for name, value in attrs:
        if name.startswith("on"):
            out.append(f"the event handler `{name}` on `<{tag}>` is removed from the site.")
        elif name in URL_ATTRS and value and scheme_of(value) in SCRIPT_SCHEMES:
            out.append(f"the `{name}` of `<{tag}>` is a `{scheme_of(value)}:` address, which is removed from the site.")
    return out


def scan_html(fragment: str) -> tuple[list[Finding], list[RawUrl]]:
    """Unsafe HTML and images without alt text in one fragment of raw HTML, and its URLs."""
    scanner = _Scanner(fragment)
    try:
        scanner.feed(fragment)
        scanner.close()
    except (AssertionError, ValueError, RecursionError):  # html.parser gives up on some garbage
        return _scan_plain(fragment), []
    return scanner.findings, scanner.urls


def _scan_plain(fragment: str) -> list[Finding]:
    out = []
    for m in _FALLBACK.finditer(fragment):
        what = f"`<{m.group('tag').lower()}>`" if m.group("tag") else (
            f"the event handler `{m.group('attr').lower()}`" if m.group("attr") else "a script address")
        out.append(Finding(m.start(), "IOP024", "warning", f"{what} is removed from the site.", _UNSAFE_HINT))
    return out


class TimeLimitExceeded(Exception):
    """Raised inside a `time_limit` block when its time is up."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in the block after `seconds`.

    Only where a timer signal can be used: the main thread of a POSIX process with no other timer
    armed. Elsewhere the block runs without a limit (the size and nesting limits still hold).
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeLimitExceeded

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
