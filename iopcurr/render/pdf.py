"""PDFs of the handouts, the packet and the manual, made with WeasyPrint (an optional extra).

The pages are rendered from the files of the build in memory, not from disk: a fetcher hands
WeasyPrint the site's own CSS and images and refuses everything else, so making a PDF never
reaches another host. Links between site pages mean nothing on paper and are dropped; links
inside the document (the contents, "see page N") and to other sites stay.

WeasyPrint takes about a tenth of a second per page, so the PDFs are made in a few worker
processes, in batches of about the same size (the manual, the longest, first), each batch by
one renderer that parses the stylesheets once.
A PDF whose page, stylesheets, images and settings (and WeasyPrint's version) are those of a
PDF made before is taken from the cache in `<out>/.iopcurr-cache/pdf/` instead.

Every PDF is tagged PDF/UA-1: a structure tree, the page's language and title. The fillable
handouts (`pdf/fill/<id>.pdf`) are made from the handout page with form fields in place of the
drawn lines, boxes and circles (`fillable_html`); each field is named by its `title`, which
WeasyPrint writes as the field's accessible name (`/TU`).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import html as htmllib
import io
import itertools
import mimetypes
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from iopcurr.errors import IopError
from iopcurr.model import OutputFile
from iopcurr.output.cache import TAG, TAG_NAME, is_cache_folder
from iopcurr.render.books import FILL_PREFIX
from iopcurr.render.htmlfrag import keep_links, parse_attrs, resolve
from iopcurr.render.search import html_text

INSTALL_HINT = "pip install -e '.[pdf]' in a checkout of iopcurr, or pip install weasyprint"
# The site as WeasyPrint sees it. `.invalid` is reserved: this host can never be reached.
BASE = "https://site.iopcurr.invalid/"
MAX_WORKERS = 4
BATCHES_PER_WORKER = 4  # a renderer each (parsing the stylesheets takes a tenth of a second)
_KEEP = re.compile(r"^(#|https?:|mailto:|tel:)", re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_SRC = re.compile(r'\bsrc="([^"]*)"', re.I)
# What every PDF is: tagged PDF/UA-1 (structure tree, language, title). A change here, or a new
# WeasyPrint, makes every PDF again.
PDF_OPTIONS: dict[str, object] = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
CACHE_SUBDIR = "pdf"  # in the output folder's cache (cache.CACHE_DIR)


def weasyprint_missing() -> str | None:
    """Why WeasyPrint (or its Pango) cannot be loaded; None when it can."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        return str(exc)
    major = weasyprint.__version__.partition(".")[0]
    return None if major.isdigit() and int(major) >= 67 else f"version {weasyprint.__version__} is installed; 67 or later is needed"


def require_weasyprint() -> None:
    """Stop at once, with the install command, when WeasyPrint (or its Pango) is missing."""
    if (why := weasyprint_missing()) is not None:
        raise IopError(
            f"--pdf needs WeasyPrint, which cannot be loaded ({why}). "
            f"Install it with: {INSTALL_HINT} (it also needs the Pango library of your system).",
        )


def _fetcher(site: dict[str, bytes]) -> Any:
    """A WeasyPrint URL fetcher serving the build in memory and nothing else."""
    import weasyprint.urls as wurls

    class Fetcher(wurls.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> Any:
            if not url.startswith(BASE):
                raise ValueError(f"iopcurr PDFs load nothing from outside the site: {url}")
            rel = unquote(urlsplit(url).path).lstrip("/")
            if rel not in site:
                raise ValueError(f"not in the site: {rel}")
            mime = mimetypes.guess_type(rel)[0] or "application/octet-stream"
            return wurls.URLFetcherResponse(url, site[rel], {"Content-Type": mime})

    return Fetcher()


def printable_html(site: dict[str, bytes], page: str, target: str) -> tuple[str, list[str]]:
    """The page as it goes to WeasyPrint for a job: links to other site pages dropped, the site's
    stylesheets taken out (returned in order, as site paths) so that they are parsed once, and
    form fields in place for a fillable PDF."""
    sheets: list[str] = []

    def take(m: re.Match[str]) -> str:
        attrs = {k.lower(): v or "" for k, v in parse_attrs(m.group(0)[len("<link") : -1].rstrip("/"))}
        media = attrs.get("media", "all").lower()
        where = resolve(page, attrs.get("href", ""))
        if "stylesheet" not in attrs.get("rel", "").lower().split() or where is None:
            return m.group(0)
        if "print" in media or "all" in media:
            sheets.append(where[0])
        return ""

    html = keep_links(_LINK.sub(take, site[page].decode("utf-8")), lambda href: bool(_KEEP.match(href)))
    return (fillable_html(html) if target.startswith(FILL_PREFIX) else html), sheets


# ---------------------------------------------------------------- fillable handouts

_LINES = re.compile(
    r'(<div class="ws ws-lines">)(.*?)<span class="visually-hidden">[^<]*\((\d+)[^<]*\)\.</span>'  # (in any language)
    r'(?:<div class="ws-line" aria-hidden="true"></div>)+', re.S)
_CHECK = re.compile(r'(<li class="ws-check">(?:\s*<p>)?)\s*<span\b[^>]*class="ws-box"[^>]*>([☐☒])</span>(.*?)</li>', re.S)
_SCALE = re.compile(r'(<div class="ws ws-scale">)(.*?)(<ol class="ws-scale-points"[^>]*>)(.*?)(</ol>)', re.S)
_POINT = re.compile(r"<li>(-?\d+)</li>")
_GRID = re.compile(r'<table class="ws-grid">.*?</table>', re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r'<th scope="col">(.*?)</th>|<th scope="row">(.*?)</th>|<td>(?:&nbsp;|\u00a0|\s)*</td>', re.S)
_NAME_FILL = re.compile(r'<span class="ws-label">([^<]*)</span>\s*<span class="ws-fill" aria-hidden="true"></span>')


def _text(html: str, fallback: str) -> str:
    """The words of an HTML fragment, for a field's name (attribute-escaped)."""
    return htmllib.escape(html_text(html) or fallback, quote=True)


def _lines_field(m: re.Match[str], n: int) -> str:
    title = _text(m.group(2), "Space to write")
    return (f'{m.group(1)}{m.group(2)}<textarea class="ws-field ws-field-lines ws-rows-{min(int(m.group(3)), 12)}" '
            f'name="lines-{n}" title="{title}"></textarea>')


def _check_field(m: re.Match[str], n: int) -> str:
    title = _text(m.group(3), "Check box")
    on = " checked" if m.group(2) == "☒" else ""
    return f'{m.group(1)}<input type="checkbox" class="ws-field" name="check-{n}" title="{title}"{on}>{m.group(3)}</li>'


def _scale_fields(m: re.Match[str], n: int) -> str:
    prompt = _text(m.group(2), "Rating").rstrip(":.")

    def point(p: re.Match[str]) -> str:
        v = p.group(1)
        return (f'<li><label><input type="radio" class="ws-field" name="scale-{n}" value="{v}" '
                f'title="{prompt}: {v}">{v}</label></li>')

    points = m.group(3).replace('class="ws-scale-points"', 'class="ws-scale-points ws-scale-fill"', 1)
    return m.group(1) + m.group(2) + points + _POINT.sub(point, m.group(4)) + m.group(5)


def _grid_fields(m: re.Match[str], table_no: int) -> str:
    table = m.group(0)
    columns = [_text(c, "") for c in re.findall(r'<th scope="col">(.*?)</th>', table, re.S)]
    rows = itertools.count(1)

    def row(r: re.Match[str]) -> str:
        if "<td" not in r.group(1):
            return r.group(0)
        row_no = next(rows)
        label = f"Row {row_no}"
        out = []
        for col, c in enumerate(_CELL.finditer(r.group(1))):
            if c.group(2) is not None:
                label = _text(c.group(2), label)
            if c.group(1) is not None or c.group(2) is not None:
                out.append(c.group(0))
                continue
            head = columns[col] if col < len(columns) and columns[col] else f"Column {col + 1}"
            out.append(f'<td><input type="text" class="ws-field" name="grid-{table_no}-{row_no}-{col + 1}" '
                       f'title="{label}, {head}"></td>')
        return "<tr>" + "".join(out) + "</tr>"

    return _ROW.sub(row, table)


def _name_field(m: re.Match[str]) -> str:
    label = _text(m.group(1), "Name")
    return (f'<span class="ws-label">{m.group(1)}</span> <input type="text" class="ws-field ws-field-{label.lower()}" '
            f'name="{label.lower()}" title="{label}">')


def fillable_html(html: str) -> str:
    """A handout page with form fields where the paper has room to write: a multi-line text
    field for each `lines`, a check box for each checklist item, a radio group for each `scale`,
    a text field for each empty `grid` cell and for the name and date. Every field is named
    (`name`, numbered in page order by kind) and titled with the words a reader sees next to it."""
    lines, checks, scales, grids = (itertools.count(1) for _ in range(4))
    html = _LINES.sub(lambda m: _lines_field(m, next(lines)), html)
    html = _CHECK.sub(lambda m: _check_field(m, next(checks)), html)
    html = _SCALE.sub(lambda m: _scale_fields(m, next(scales)), html)
    html = _GRID.sub(lambda m: _grid_fields(m, next(grids)), html)
    return _NAME_FILL.sub(_name_field, html)


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Made:
    """One PDF and its number of pages."""

    file: OutputFile
    pages: int


@dataclass(frozen=True)
class PdfBatch:
    """The PDFs of a build: the files in job order, the pages of each, and which were made
    this time (the others came from the cache)."""

    files: tuple[OutputFile, ...]
    pages: dict[str, int]
    rendered: tuple[str, ...]


def cache_key(site: dict[str, bytes], page: str, target: str, version: str) -> str:
    """What a PDF is made from: its HTML, every site file it loads (stylesheets, images), the
    PDF settings and WeasyPrint's version. Equal keys, equal PDFs."""
    html, sheets = printable_html(site, page, target)
    used = set(sheets)
    for src in _SRC.findall(html):
        where = resolve(page, htmllib.unescape(src))
        if where is not None:
            used.add(where[0])
    # Files a stylesheet may load (`url(...)`): every static file but scripts.
    used |= {p for p in site if p.startswith("static/") and not p.endswith(".js")}
    h = hashlib.sha256()
    for part in (version, repr(sorted(PDF_OPTIONS.items())), target, html):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for path in sorted(used):
        h.update(path.encode("utf-8") + b"\0" + hashlib.sha256(site.get(path, b"")).digest())
    return h.hexdigest()


def _cached(folder: Path, keys: Sequence[str], jobs: Sequence[tuple[str, str]]) -> dict[int, Made]:
    """The PDFs of the jobs (with their `keys`) made before, by job index: the cache is a folder
    of the output's cache (safe to delete) holding PDFs by `cache_key`."""
    made: dict[int, Made] = {}
    for i, key in enumerate(keys):
        with contextlib.suppress(OSError, ValueError):
            pages = int((folder / f"{key}.pages").read_text("ascii"))
            made[i] = Made(OutputFile(jobs[i][1], (folder / f"{key}.pdf").read_bytes()), pages)
    return made


def _keep(folder: Path, key: str, made: Made) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not is_cache_folder(folder.parent):  # the cache's tag, so the output folder stays ours
            (folder.parent / TAG_NAME).write_text(TAG, "utf-8")
        for name, data in ((f"{key}.pdf", made.file.content), (f"{key}.pages", str(made.pages).encode())):
            tmp = folder / f"{name}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, folder / name)
    except OSError:
        pass  # a cache that cannot be written only makes the next build slower


def _prune(folder: Path, keep: Iterable[str]) -> None:
    """Remove the PDFs this build did not use."""
    wanted = {f"{k}{ext}" for k in keep for ext in (".pdf", ".pages")}
    for path in folder.glob("*"):  # (nothing, when the folder is missing or unreadable)
        if path.name not in wanted:
            with contextlib.suppress(OSError):
                path.unlink()


class _Renderer:
    """One batch's WeasyPrint state: fonts, parsed stylesheets and images, shared by its PDFs."""

    def __init__(self, site: dict[str, bytes]) -> None:
        from weasyprint.text.fonts import FontConfiguration

        self.site = site
        self.fetcher = _fetcher(site)
        self.fonts = FontConfiguration()
        self.css: dict[str, Any] = {}
        self.images: dict[str, Any] = {}

    def stylesheet(self, path: str) -> Any:
        import weasyprint

        if path not in self.css:
            self.css[path] = weasyprint.CSS(string=self.site[path].decode("utf-8"), base_url=BASE + path,
                                            url_fetcher=self.fetcher, font_config=self.fonts, media_type="print")
        return self.css[path]

    def render(self, page: str, target: str) -> Made:
        import weasyprint

        html, sheets = printable_html(self.site, page, target)
        fill = target.startswith(FILL_PREFIX)
        buffer = io.BytesIO()
        try:
            document = weasyprint.HTML(string=html, base_url=BASE + page, url_fetcher=self.fetcher).render(
                font_config=self.fonts, stylesheets=[self.stylesheet(s) for s in sheets if s in self.site],
                cache=self.images, pdf_forms=fill, **PDF_OPTIONS)
            # A fixed identifier keeps the PDF byte-identical from build to build.
            document.write_pdf(buffer, pdf_forms=fill, pdf_identifier=target.encode("utf-8"), **PDF_OPTIONS)
        except RecursionError:  # a last guard: the scan of raw HTML limits nesting (safety.MAX_HTML_DEPTH)
            raise IopError(f"cannot make {target}: the page {page} nests its HTML too deeply for the PDF renderer. "
                           "Nest less deeply (fewer levels of HTML elements, lists or blocks).", path=page,
                           code=1) from None
        return Made(OutputFile(target, buffer.getvalue()), len(document.pages))


def _render_batch(site: dict[str, bytes], jobs: Sequence[tuple[str, str]], batch: list[int]) -> list[tuple[int, Made]]:
    """(job index, PDF) for each job index of `batch`, made in turn by one renderer, so that the
    stylesheets are parsed once for all of them."""
    renderer = _Renderer(site)
    return [(i, renderer.render(*jobs[i])) for i in batch]


def _balanced(sizes: dict[int, int], n: int) -> list[list[int]]:
    """The job indexes of `sizes` (job index → size) in at most `n` batches of about the same
    total size, the heaviest first: each job, the longest first, joins the lightest batch."""
    heap: list[tuple[int, int, list[int]]] = [(0, b, []) for b in range(n)]
    for i in sorted(sizes, key=lambda i: -sizes[i]):
        load, b, batch = heapq.heappop(heap)
        batch.append(i)
        heapq.heappush(heap, (load + sizes[i], b, batch))
    return [batch for _, _, batch in sorted(heap, reverse=True) if batch]


def _render_todo(site: dict[str, bytes], jobs: Sequence[tuple[str, str]], todo: list[int],
                 workers: int | None) -> Iterator[tuple[int, Made]]:
    """(job index, PDF) for the jobs of `todo`, batch by batch as each is made: in worker
    processes when there are many (a few batches each, so that progress is heard)."""
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS, len(todo))
    # By the size of the page: the collections are many pages each (the manual alone may be a
    # batch), a handout one or two.
    batches = _balanced({i: len(site.get(jobs[i][0], b"")) for i in todo}, BATCHES_PER_WORKER * workers)
    if workers <= 1:
        yield from itertools.chain.from_iterable(_render_batch(site, jobs, batch) for batch in batches)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(_render_batch, site, jobs, batch) for batch in batches]):
            yield from future.result()


def render_pdfs(
    files: Iterable[OutputFile],
    jobs: Sequence[tuple[str, str]],
    *,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    cache: Path | None = None,
    prune: bool = True,
) -> PdfBatch:
    """One PDF per (HTML page, PDF path) job, from the site's files in memory, in job order.

    With `cache` (a folder), a PDF made before from the same inputs is taken from there, and
    the PDFs made now are kept there for the next build (and, with `prune`, the others removed
    from it). `progress` hears "PDF n/total" as each one is done.
    """
    import weasyprint

    site = {f.path: f.content for f in files}
    keys = [cache_key(site, page, target, weasyprint.__version__) for page, target in jobs]
    made = _cached(cache, keys, jobs) if cache is not None else {}
    todo = [i for i in range(len(jobs)) if i not in made]
    for i, result in _render_todo(site, jobs, todo, workers):
        made[i] = result
        if cache is not None:
            _keep(cache, keys[i], result)
        if progress:
            progress(f"PDF {len(made)}/{len(jobs)}")
    if cache is not None and prune:
        _prune(cache, keys)
    return PdfBatch(
        tuple(made[i].file for i in range(len(jobs))),
        {jobs[i][1]: made[i].pages for i in range(len(jobs))},
        tuple(jobs[i][1] for i in todo),
    )
