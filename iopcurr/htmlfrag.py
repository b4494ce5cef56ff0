"""Rewrite fragments of our own HTML so that several pages can be bound into one document.

The packet and the manual put many pages into one: heading levels move down, every id gets a
prefix that keeps it unique in the whole document, and links between the bound pages become
links inside the document. The input is HTML that iopcurr itself wrote (templates and sanitized
Markdown), so start tags are well formed; only tags are rewritten, text is never touched.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping

# A comment, or a start/end tag whose attribute values may hold `>` inside quotes.
_TAG = re.compile(
    r"""<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=/>"']+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*)\s*(/?)>""",
    re.S,
)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_HEADING = re.compile(r"^h([1-6])$", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ID_REFS = ("aria-labelledby", "aria-describedby", "aria-controls", "for", "headers")
_REBOUND = ("id", "href", "src", *_ID_REFS)  # the attributes `rebind` rewrites

Attrs = list[tuple[str, str | None]]
TagFn = Callable[[str, bool, Attrs], tuple[str, Attrs]]
# (name, closing, raw attribute text) → may `fn` change this tag or need to see it? Tags it says
# no to are left as they are without parsing their attributes (most tags of a page: the speed of
# binding a 1,000-module manual depends on it).
TagFilter = Callable[[str, bool, str], bool]


def parse_attrs(text: str) -> Attrs:
    out: Attrs = []
    for m in _ATTR.finditer(text):
        value = next((g for g in (m.group(2), m.group(3), m.group(4)) if g is not None), None)
        out.append((m.group(1), value))
    return out


def _serialize(name: str, closing: bool, attrs: Attrs, void: bool) -> str:
    if closing:
        return f"</{name}>"
    parts = [name]
    for key, value in attrs:
        if value is None:
            parts.append(key)
        else:
            parts.append(f'{key}="{value.replace(chr(34), "&quot;")}"')
    return "<" + " ".join(parts) + (" />" if void else ">")


def map_tags(html: str, fn: TagFn, wants: TagFilter | None = None) -> str:
    """Call `fn(name, closing, attrs)` for every tag (that `wants`); it returns the new name and
    attributes."""

    def one(m: re.Match[str]) -> str:
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
        return _serialize(new_name, closing, new_attrs, bool(void))

    return _TAG.sub(one, html)


def shift_headings(html: str, by: int, title_class: str = "") -> str:
    """Move every heading `by` levels down (h1 → h3 for by=2), never past h6.

    With `title_class`, a former h1 gets that class, so it can still look like a title.
    """

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

    return map_tags(html, fn, lambda name, closing, raw: _HEADING.match(name) is not None)


def ids_of(html: str) -> list[str]:
    """Every id attribute in the fragment, in document order."""
    found: list[str] = []

    def fn(name: str, closing: bool, attrs: Attrs) -> tuple[str, Attrs]:
        found.extend(v for k, v in attrs if k.lower() == "id" and v)
        return name, attrs

    map_tags(html, fn, lambda name, closing, raw: "id" in raw.lower())
    return found


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


def relative(target: str, from_page: str) -> str:
    """The relative URL from the page at `from_page` to the site path `target`."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def rebind(
    html: str,
    page: str,
    into: str,
    ids: Mapping[str, Mapping[str, str]],
    anchors: Mapping[str, str],
) -> str:
    """Rewrite a fragment of the page at `page` for the document at `into`.

    `ids[p]` maps the old ids of each bound page `p` to their new ones; `anchors[p]` is the id
    of the section where page `p` starts. Ids get their new names, links to a bound page go to
    its place in the document, and other relative links and images are re-based on `into`.
    """
    own = ids.get(page, {})

    def link(href: str) -> str:
        where = resolve(page, href)
        if where is None:
            return href
        target, fragment = where
        if target in anchors:
            inside = ids.get(target, {}).get(fragment) if fragment else None
            return "#" + (inside or anchors[target])
        url = relative(target, into)
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

    def wants(name: str, closing: bool, raw: str) -> bool:
        low = raw.lower()
        return not closing and any(key in low for key in _REBOUND)

    return map_tags(html, fn, wants)


def keep_links(html: str, keep: Callable[[str], bool]) -> str:
    """Drop the href of every link for which `keep(href)` is false (the text stays)."""

    def fn(name: str, closing: bool, attrs: Attrs) -> tuple[str, Attrs]:
        if closing or name.lower() != "a":
            return name, attrs
        return name, [
            (k, v) for k, v in attrs if not (k.lower() == "href" and v is not None and not keep(v))
        ]

    return map_tags(html, fn, lambda name, closing, raw: not closing and name.lower() == "a")
