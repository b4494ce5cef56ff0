"""Links and images in content: what an author's URL becomes on the site, and whether it points
anywhere.

Authors link to the source files they see in their editor; the build rewrites each link to the
page that file becomes. Every page that shows converted content is one folder deep in the site
(facilitator/, handouts/, pages/, sessions/), so a rewritten URL starts with `../`:

    written in modules/x.md          points to             on the site
    other.md  or  other.md#part      modules/other.md      ../facilitator/other.html#other-part
    ../pages/p.md#part               pages/p.md            ../pages/p.html#p-part
    #part                            this module           #x-part
    ../assets/a.png                  assets/a.png          ../assets/a.png
    ../handouts/h.html               a page of the site    ../handouts/h.html
    https://..., mailto:..., tel:... another site          unchanged

Anchors are written as the author sees them (a segment's `{#id}`, or its title as a slug) and
get the page's prefix, because the manual puts every module on one page. `classify` is pure and
local: it needs only the URL and where it was written. `check_owner_refs` runs once everything is read,
when every module, page, anchor and asset is known; `check_site_refs` once the site is rendered,
for links written as site paths (a handout, a session, the schedule).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from iopcurr.errors import Problem, Severity, did_you_mean
from iopcurr.model import Module, Page, Ref

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})  # the schemes markup.sanitize keeps
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript"})
# Ids the default theme gives every facilitator page (module.html); linked without a prefix.
MODULE_PAGE_ANCHORS = frozenset(
    {"objectives", "materials", "handouts", "session-plan", "overview", "opening", "closing"}
)
# source folder → (kind, site folder)
FOLDERS = {"modules": ("module", "facilitator"), "pages": ("page", "pages")}

_AMP = "\x02amp\x03"  # Python-Markdown's stand-in for `&` in autolinked e-mail addresses
_ESCAPED = re.compile("\x02([0-9]{1,7})\x03")  # its stand-in for a backslash-escaped character (`\\.`)
_PLACEHOLDER = re.compile("\x02[^\x02\x03]{0,40}\x03")  # any other of its stand-ins (raw HTML kept aside)
LONG = 120  # characters of a path shown in a message
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


@dataclass(frozen=True)
class Target:
    """What a URL written in content means, what the site writes instead, and what is wrong."""

    href: str
    kind: str  # "module", "page", "asset", "site", "external" or "none"
    target: str = ""
    anchor: str = ""
    code: str = ""  # a problem found without knowing the rest of the curriculum
    severity: Severity = "error"
    message: str = ""
    hint: str = ""


def scheme_of(url: str) -> str:
    """The URL's scheme, lowercased, as a browser reads it (ignoring spaces and control chars)."""
    m = _SCHEME.match(_INVISIBLE.sub("", html.unescape(url.replace(_AMP, "&"))))
    return m.group(1).lower() if m else ""


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _char(code: str, written: bool) -> str:
    n = int(code)
    return "…" if n >= 0x110000 else ("\\" if written else "") + chr(n)


def as_written(url: str, *, backslashes: bool = True) -> str:
    """A URL without Python-Markdown's stand-ins: the way the author wrote it (`..\\..\\x`), to
    show, or with its escaped characters back without their backslash (`\\.` → `.`), to follow."""
    url = _ESCAPED.sub(lambda m: _char(m.group(1), backslashes), url.replace(_AMP, "&"))
    return _PLACEHOLDER.sub("…", url)


def anchor_id(kind: str, ident: str, anchor: str) -> str:
    """The HTML id an anchor written as `#anchor` in a link to module/page `ident` refers to."""
    if kind == "module" and anchor in MODULE_PAGE_ANCHORS:
        return anchor
    return f"{ident}-{anchor}"


def _wrong(url: str, image: bool, code: str, problem: str, hint: str, severity: Severity = "error") -> Target:
    """The Target of a URL that points nowhere: "the link `url` " + `problem`."""
    shown = shorten(html.unescape(as_written(url)).strip())
    message = f"the {'image' if image else 'link'} `{shown}` {problem}"
    return Target(url, "none", code=code, severity=severity, message=message, hint=hint)


def classify(url: str, folder: str, owner: str, *, image: bool) -> Target:
    """Where `url`, written in `folder`/`owner`.md (folder: modules or pages), points."""
    plain = html.unescape(as_written(url, backslashes=False)).strip()
    scheme = scheme_of(plain)
    if not plain and image:
        return Target(url, "none", code="IOP025", message="this image names no file.",
                      hint="Write `![what it shows](../assets/picture.png)`.")
    if not plain:
        return Target(url, "none", code="IOP026", message="this link has no address.",
                      hint="Write `[text](other-module.md)` or a web address.")
    if scheme in SCRIPT_SCHEMES:
        return _wrong(url, image, "IOP024", "would run a script; it is removed from the site.",
                      "Link to a page, a file or a web address instead.", "warning")
    if scheme in SAFE_SCHEMES or plain.startswith("//"):
        return _external(url, image, scheme)
    if scheme:
        return _wrong(url, image, "IOP026", f"uses `{scheme}:`, which the site does not keep.",
                      "Use an http, https, mailto or tel address, or a file in assets/.")
    rest, _, anchor = plain.partition("#")
    path, _, query = rest.partition("?")
    if not path and image:
        return _wrong(url, image, "IOP025", "names no file.", "Write `![what it shows](../assets/picture.png)`.")
    if not path:
        kind = FOLDERS.get(folder, ("page", "pages"))[0]
        return Target("#" + anchor_id(kind, owner, anchor), kind, owner, anchor) if anchor else Target(url, "external")
    if path.startswith("/"):
        return _wrong(url, image, "IOP029", "is an absolute path, which breaks when the site is opened from "
                      "a folder or a USB stick.", "Write the path from this file, e.g. `../assets/name.png`.")
    return _local(url, image, posixpath.normpath(posixpath.join(folder, unquote(path))), query, anchor)


def _external(url: str, image: bool, scheme: str) -> Target:
    """`classify` for a URL of another site."""
    if image:
        return _wrong(url, image, "IOP029", "is on another host; the site never loads anything from "
                      "another host.", "Save the image in assets/ and write `![what it shows](../assets/name.png)`.")
    if not scheme:
        return _wrong(url, image, "IOP026", "has no scheme, so it breaks when the site is opened from a "
                      "folder.", "Write it in full, starting with `https://`.")
    return Target(url, "external")


def _local(url: str, image: bool, resolved: str, query: str, anchor: str) -> Target:
    """`classify` for a relative path, `resolved` from the curriculum folder."""
    if resolved == ".." or resolved.startswith("../"):
        return _wrong(url, image, "IOP029", "leads outside the curriculum folder.",
                      "Copy the file into assets/ and link to it there.")
    parts = resolved.split("/")
    if resolved.endswith(".md"):
        if image or len(parts) != 2 or parts[0] not in FOLDERS:
            return _wrong(url, image, "IOP026", f"points to {shorten(resolved, LONG)}, which is not a module "
                          "or a page.", "Only modules/*.md and pages/*.md become pages of the site.")
        kind, site_folder = FOLDERS[parts[0]]
        ident = parts[1][:-3]
        fragment = "#" + anchor_id(kind, ident, anchor) if anchor else ""
        return Target(f"../{site_folder}/{quote(ident)}.html{fragment}", kind, ident, anchor)
    href = "../" + quote(resolved) + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")
    kind = "asset" if image or parts[0] in ("assets", "modules") else "site"  # the site has no modules/ folder
    return Target(href, kind, resolved, anchor)


Anchors = dict[tuple[str, str], frozenset[str]]  # ("module" or "page", id) → the ids its page defines


def anchor_table(owners: Iterable[Module | Page]) -> Anchors:
    """What links into the curriculum can find: every module and page, and its anchors."""
    return {("module" if isinstance(o, Module) else "page", o.id): frozenset(o.anchors) for o in owners}


def check_owner_refs(owner: Module | Page, anchors: Anchors, files: frozenset[str]) -> list[Problem]:
    """Every link and image of one module or page that points into the curriculum finds its
    module, page, anchor or file (links to the site are checked once it is rendered, by
    check_site_refs)."""
    problems = []
    for ref in (r for r in owner.refs if r.kind != "site"):
        if ref.kind == "asset":
            code, found = "IOP025", _missing_asset(ref, files)
        else:
            code, found = "IOP026", _missing_page(ref, anchors)
        if found is not None:
            problems.append(Problem(owner.path, ref.line, _points_to(ref) + found[0], code, hint=found[1], column=ref.column))
    return problems


def _points_to(ref: Ref) -> str:
    """How every problem of a link or image that finds nothing starts."""
    return f"the {'image' if ref.image else 'link'} `{shorten(as_written(ref.url))}` points to "


def _missing_asset(ref: Ref, files: frozenset[str]) -> tuple[str, str] | None:
    """What is wrong (message end, hint) with a link to a file of assets/ (`files`), if anything."""
    if ref.target in files:
        return None
    name = shorten(posixpath.basename(ref.target), LONG)
    same = sorted(f for f in files if posixpath.basename(f) == name)
    otherwise = (f"Add {name} to the assets/ folder, or correct the file name." if ref.target.startswith("assets/")
                 else f"Put the file in assets/ and write the path from this file, e.g. `../assets/{name}`.")
    # Compared without the `assets/` every path shares, so that only a near name is offered.
    hint = f"Did you mean `../{same[0]}`?" if same else did_you_mean(
        ref.target.removeprefix("assets/"), sorted(f.removeprefix("assets/") for f in files), otherwise, "`../assets/{}`")
    return f"{shorten(ref.target, LONG)}, which is not a file in assets/.", hint


def _missing_page(ref: Ref, anchors: Anchors) -> tuple[str, str] | None:
    """What is wrong (message end, hint) with a link to a module or page, if anything."""
    folder = "modules" if ref.kind == "module" else "pages"
    key = (ref.kind, ref.target)
    if key not in anchors:
        ids = sorted(i for k, i in anchors if k == ref.kind)
        hint = did_you_mean(ref.target, ids, f"Link to a file in {folder}/, e.g. `{ids[0]}.md`." if ids else "", "`{}.md`")
        return f"{folder}/{shorten(ref.target, LONG)}.md, which does not exist.", hint
    return _missing_anchor(ref, anchors[key])


def _missing_anchor(ref: Ref, defined: frozenset[str]) -> tuple[str, str] | None:
    """What is wrong (message end, hint) with the anchor of a link to a module or page, if anything."""
    if not ref.anchor or anchor_id(ref.kind, ref.target, ref.anchor) in defined or (
            ref.kind == "module" and ref.anchor in MODULE_PAGE_ANCHORS):
        return None
    names = sorted(a.removeprefix(f"{ref.target}-") for a in defined)
    if ref.kind == "module":
        names = sorted({*names, "session-plan"})
    listed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    hint = did_you_mean(ref.anchor, names, f"Its anchors: {listed}." if names else "It has no anchors.", "`#{}`")
    return f"an anchor `{shorten(ref.anchor, 40)}` that {ref.kind} `{shorten(ref.target, LONG)}` does not have.", hint


def check_site_refs(modules: Iterable[Module], pages: Iterable[Page], site: Iterable[str]) -> list[Problem]:
    """Links written as paths of the built site (`../handouts/x.html`) find a file it has."""
    paths = frozenset(site)
    owners: list[Module | Page] = [*modules, *pages]
    problems: list[Problem] = []
    for owner in owners:
        for ref in (r for r in owner.refs if r.kind == "site" and r.target not in paths):
            hint = did_you_mean(ref.target, sorted(paths), "Link to a module or page by its .md file, or to a file in assets/.",
                                "`../{}`")
            problems.append(Problem(owner.path, ref.line, f"{_points_to(ref)}{shorten(ref.target, LONG)}, "
                                    "which the site does not have.", "IOP026", hint=hint, column=ref.column))
    return problems
