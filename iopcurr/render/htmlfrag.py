"""Rewrite fragments of our own HTML so that several pages can be bound into one document.

The packet and the manual put many pages into one: heading levels move down, every id gets a
prefix that keeps it unique in the whole document, and links between the bound pages become
links inside the document. The input is HTML that iopcurr itself wrote (templates and sanitized
Markdown), so start tags are well formed; only tags are rewritten, text is never touched.

`scan` finds, in one pass that stays in the regular-expression engine for all other tags, only
the tags that binding may change (headings, and tags with an id, a link or an image), and
`bind_tags` rewrites those: heading levels (`_shift`), then ids and links (`_rebind`). A
1,000-module manual has 800,000 tags, of which 50,000 may change.
"""

from __future__ import annotations

import functools
import posixpath
import re
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

# A start/end tag whose attribute values may hold `>` inside quotes (groups: /, name, attributes, /).
_START_END = r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=/>"']+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*)\s*(/?)>"""
# A comment, or such a tag.
_TAG = re.compile(rf"<!--.*?-->|{_START_END}", re.S)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_HEADING = re.compile(r"^h([1-6])$", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ID_REFS = ("aria-labelledby", "aria-describedby", "aria-controls", "for", "headers")
_REBOUND = ("id", "href", "src", *_ID_REFS)  # the attributes `_rebind` rewrites

Attrs = list[tuple[str, str | None]]
TagFn = Callable[[str, bool, Attrs], tuple[str, Attrs]]
# (name, closing, raw attribute text) → may `fn` change this tag or need to see it? Tags it says
# no to are left as they are without parsing their attributes (most tags of a page: `keep_links`
# reads only the links of every page a PDF is made of, on every `--pdf` build).
TagFilter = Callable[[str, bool, str], bool]


def parse_attrs(text: str) -> Attrs:
    # the last group that took part is the value's (2, 3 or 4), or the name's when there is none
    return [(m[1], m[i] if (i := m.lastindex or 1) > 1 else None) for m in _ATTR.finditer(text)]


def _one(m: re.Match[str], fn: TagFn, wants: TagFilter | None) -> str:
    """The tag matched by `_TAG` as `fn` leaves it: itself when `wants` says no or nothing changed,
    else written anew (values in double quotes)."""
    slash, name, raw, void = m.groups()
    if name is None:  # a comment
        return m.group(0)
    closing, raw = bool(slash), raw or ""
    if wants is not None and not wants(name, closing, raw):
        return m.group(0)
    attrs = parse_attrs(raw)
    new_name, new_attrs = fn(name, closing, attrs)
    if new_name == name and new_attrs == attrs:
        return m.group(0)
    if closing:
        return f"</{new_name}>"
    parts = [new_name, *(k if v is None else f'{k}="{v.replace(chr(34), "&quot;")}"' for k, v in new_attrs)]
    return "<" + " ".join(parts) + (" />" if void else ">")


def map_tags(html: str, fn: TagFn, wants: TagFilter | None = None) -> str:
    """Call `fn(name, closing, attrs)` for every tag (that `wants`); it returns the new name and
    attributes."""
    return _TAG.sub(lambda m: _one(m, fn, wants), html)


def _shift(by: int, title_class: str) -> TagFn:
    def fn(name: str, closing: bool, attrs: Attrs) -> tuple[str, Attrs]:
        m = _HEADING.match(name)
        if not m:
            return name, attrs
        level = int(m.group(1))
        if level == 1 and title_class and not closing:
            classes = next((v for k, v in attrs if k.lower() == "class"), None)
            attrs = [(k, v) for k, v in attrs if k.lower() != "class"]
            attrs.append(("class", f"{classes} {title_class}" if classes else title_class))
        return f"h{min(6, level + by)}", attrs

    return fn


def unique_ids(ids: Iterable[str], prefix: str, owner: str, taken: set[str]) -> dict[str, str]:
    """New ids `prefix-old` that are unique against `taken` (which is updated).

    An id that already starts with `owner-` (a module's segment anchors do) drops that part,
    so `cravings-check-in` of module `cravings` becomes `module-cravings-check-in`.
    """
    mapping: dict[str, str] = {}
    for old in ids:
        if old in mapping:
            continue
        short = old[len(owner) + 1 :] if owner and old.startswith(owner + "-") else old
        new = f"{prefix}-{short}"
        n = 2
        while new in taken:
            new = f"{prefix}-{short}-{n}"
            n += 1
        taken.add(new)
        mapping[old] = new
    return mapping


def resolve(page: str, href: str) -> tuple[str, str] | None:
    """A relative link of the page at `page` (a site path) → (site path, fragment).

    None for links that leave the site (with a scheme, or protocol-relative).
    A link to `#x` resolves to the page itself.
    """
    if not href or _SCHEME.match(href) or href.startswith("//"):
        return None
    path, _, fragment = href.partition("#")
    path = path.split("?", 1)[0]
    if not path:
        return page, fragment
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if target.startswith("../") or target == "..":
        return None
    return target, fragment


@functools.lru_cache(maxsize=4096)
def relative(target: str, from_page: str) -> str:
    """The relative URL from the page at `from_page` to the site path `target`."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


@dataclass(frozen=True)
class Document:
    """The document that pages are bound into, as `_rebind` takes it: its site path, the new ids
    of each bound page (old id → new), and the id of the section where each bound page starts."""

    into: str
    ids: Mapping[str, Mapping[str, str]]
    anchors: Mapping[str, str]


def _rebind(page: str, doc: Document) -> TagFn:
    """The rewrite of one tag of the page at `page` for `doc`: ids get their new names, links to
    a bound page go to its place in the document, other relative links and images are re-based
    on `doc.into`."""
    own = doc.ids.get(page, {})

    def link(href: str) -> str:
        where = resolve(page, href)
        if where is None:
            return href
        target, fragment = where
        if target in doc.anchors:
            inside = doc.ids.get(target, {}).get(fragment) if fragment else None
            return "#" + (inside or doc.anchors[target])
        url = relative(target, doc.into)
        return f"{url}#{fragment}" if fragment else url

    def fn(name: str, closing: bool, attrs: Attrs) -> tuple[str, Attrs]:
        if closing:
            return name, attrs
        out: Attrs = []
        for key, value in attrs:
            k = key.lower()
            if value is not None:
                if k == "id":
                    value = own.get(value, value)
                elif k in _ID_REFS:
                    value = " ".join(own.get(v, v) for v in value.split())
                elif (k == "href" and name.lower() == "a") or k == "src":
                    value = link(value)
            out.append((key, value))
        return name, out

    return fn


# ---------------------------------------------------------------- only the tags that may change

# A tag that none of the rewrites above can change, in the form our own HTML has: a lower-case
# name that is not a heading, and attributes with lower-case names (none of them one that
# `_rebind` or the search for ids reads) and values, if any, in double quotes. `_TAG` reads such a tag in
# one way only, this one, so skipping it inside the engine leaves every other tag where `_TAG`
# finds it. Anything else (upper case, other quotes, comments, a stray `<`) is left to `_TAG`.
_KEYS = "|".join(re.escape(k) for k in _REBOUND)
_PLAIN_ATTR = rf"""\s++(?!(?:{_KEYS})[\s=/>])[a-z][a-z0-9-]*+(?:="[^"]*+")?"""
_PLAIN_TAG = rf"""<(?:(?!h[1-6][\s/>])[a-z][a-z0-9-]*+(?:{_PLAIN_ATTR})*+\s*+/?>|/(?!h[1-6][\s>])[a-z][a-z0-9-]*+\s*+>)"""
# Text and plain tags up to the next `<` that starts something else, and that: a comment, a tag
# that may change (group 1, then `_TAG`'s groups) or a `<` that starts nothing (text).
_TO_NEXT = re.compile(rf"(?:[^<]++|{_PLAIN_TAG})*+(?:<!--.*?-->|({_START_END})|<)", re.S)


@dataclass(frozen=True)
class Scan:
    """What `scan` found in a fragment: where each tag that binding may change starts (its
    attributes are read again when it is rewritten: a 1,000-module manual has 50,000 of them,
    and keeping them parsed would take 20 MB), and the fragment's ids (for `unique_ids`)."""

    starts: array[int]
    ids: tuple[str, ...]


def scan(html: str) -> Scan:
    """The tags of `html` that `_shift`, the search for ids or `_rebind` may change, where `_TAG`
    finds them (comments left out), in document order; and the ids of `html`."""
    starts: array[int] = array("q")
    ids: list[str] = []
    pos = 0
    to_next = _TO_NEXT.match
    while (m := to_next(html, pos)) is not None:
        pos = m.end()
        _, _, name, raw, _ = m.groups()
        if name is not None:
            starts.append(m.start(1))
            if raw and "id" in raw.lower():
                ids.extend(v for k, v in parse_attrs(raw) if v and k.lower() == "id")
    return Scan(starts, tuple(ids))


def bind_tags(html: str, found: Scan, by: int, title_class: str, page: str, doc: Document) -> str:
    """The fragment `html` of the page at `page`, rewritten for `doc`: headings `by` levels down,
    never past h6 (with `title_class`, a former h1 gets that class, so it still looks like a
    title), then ids and links (`_rebind`). Only the tags that `scan(html)` found are rewritten."""
    shift = _shift(by, title_class)
    rebound = _rebind(page, doc)

    def fn(name: str, closing: bool, attrs: Attrs) -> tuple[str, Attrs]:
        new_name, new_attrs = shift(name, closing, attrs)
        if new_name != name or new_attrs != attrs:
            # `_rebind` then reads the tag as written: a `"` in a value is `&quot;` there
            new_attrs = [(k, v if v is None else v.replace('"', "&quot;")) for k, v in new_attrs]
        return rebound(new_name, closing, new_attrs)

    out: list[str] = []
    last = 0
    for start in found.starts:
        t = _TAG.match(html, start)
        if t is None:  # not the fragment that was scanned
            raise ValueError(f"no tag at {start} of the fragment of {page}")
        out += (html[last:start], _one(t, fn, None))
        last = t.end()
    out.append(html[last:])
    return "".join(out)


def keep_links(html: str, keep: Callable[[str], bool]) -> str:
    """Drop the href of every link for which `keep(href)` is false (the text stays)."""

    def fn(name: str, closing: bool, attrs: Attrs) -> tuple[str, Attrs]:
        if closing or name.lower() != "a":
            return name, attrs
        return name, [
            (k, v) for k, v in attrs if not (k.lower() == "href" and v is not None and not keep(v))
        ]

    return map_tags(html, fn, lambda name, closing, raw: not closing and name.lower() == "a")
