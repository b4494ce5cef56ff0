"""PDFs of the handouts, the packet and the manual, made with WeasyPrint (an optional extra).

The pages are rendered from the files of the build in memory, not from disk: a fetcher hands
WeasyPrint the site's own CSS and images and refuses everything else, so making a PDF never
reaches another host. Links between site pages mean nothing on paper and are dropped; links
inside the document (the contents, "see page N") and to other sites stay.

WeasyPrint takes about a tenth of a second per page, so the PDFs are made in a few worker
processes (the manual, the longest, first), and each process parses the stylesheets once.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any
from urllib.parse import unquote, urlsplit

from iopcurr.errors import IopError
from iopcurr.htmlfrag import keep_links, parse_attrs, resolve
from iopcurr.model import OutputFile

INSTALL_HINT = "pip install -e '.[pdf]' in a checkout of iopcurr, or pip install weasyprint"
# The site as WeasyPrint sees it. `.invalid` is reserved: this host can never be reached.
BASE = "https://site.iopcurr.invalid/"
MAX_WORKERS = 4
_KEEP = re.compile(r"^(#|https?:|mailto:|tel:)", re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)


def require_weasyprint() -> None:
    """Stop at once, with the install command, when WeasyPrint (or its Pango) is missing."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        raise IopError(
            f"--pdf needs WeasyPrint, which cannot be loaded ({exc}). "
            f"Install it with: {INSTALL_HINT} (it also needs the Pango library of your system).",
        ) from exc


def _fetcher(site: dict[str, bytes]) -> Any:
    """A WeasyPrint URL fetcher serving the build in memory and nothing else."""
    import weasyprint.urls as wurls

    def lookup(url: str) -> tuple[bytes, str]:
        if not url.startswith(BASE):
            raise ValueError(f"iopcurr PDFs load nothing from outside the site: {url}")
        rel = unquote(urlsplit(url).path).lstrip("/")
        if rel not in site:
            raise ValueError(f"not in the site: {rel}")
        return site[rel], mimetypes.guess_type(rel)[0] or "application/octet-stream"

    if hasattr(wurls, "URLFetcher"):  # WeasyPrint 67 and later

        class Fetcher(wurls.URLFetcher):  # type: ignore[misc]
            def fetch(self, url: str, headers: object = None) -> Any:
                body, mime = lookup(url)
                return wurls.URLFetcherResponse(url, body, {"Content-Type": mime})

        return Fetcher()

    def fetch(url: str, timeout: int = 10, ssl_context: object = None) -> dict[str, object]:
        body, mime = lookup(url)
        return {"string": body, "mime_type": mime, "redirected_url": url}

    return fetch


def printable_html(html: str, page: str) -> tuple[str, list[str]]:
    """The page as it goes to WeasyPrint: links to other site pages dropped, and the site's
    stylesheets taken out (returned in order, as site paths) so that they are parsed once."""
    sheets: list[str] = []

    def take(m: re.Match[str]) -> str:
        attrs = {
            k.lower(): v or "" for k, v in parse_attrs(m.group(0)[len("<link") : -1].rstrip("/"))
        }
        media = attrs.get("media", "all").lower()
        where = resolve(page, attrs.get("href", ""))
        if "stylesheet" not in attrs.get("rel", "").lower().split() or where is None:
            return m.group(0)
        if "print" in media or "all" in media:
            sheets.append(where[0])
        return ""

    html = _LINK.sub(take, html)
    return keep_links(html, lambda href: bool(_KEEP.match(href))), sheets


class _Renderer:
    """One process's WeasyPrint state: fonts, parsed stylesheets and images, shared by its PDFs."""

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
            self.css[path] = weasyprint.CSS(
                string=self.site[path].decode("utf-8"),
                base_url=BASE + path,
                url_fetcher=self.fetcher,
                font_config=self.fonts,
                media_type="print",
            )
        return self.css[path]

    def render(self, page: str, target: str) -> OutputFile:
        import weasyprint

        html, sheets = printable_html(self.site[page].decode("utf-8"), page)
        document = weasyprint.HTML(string=html, base_url=BASE + page, url_fetcher=self.fetcher)
        buffer = io.BytesIO()
        try:
            document.write_pdf(
                buffer,
                stylesheets=[self.stylesheet(s) for s in sheets if s in self.site],
                font_config=self.fonts,
                cache=self.images,
                # A fixed identifier keeps the PDF byte-identical from build to build.
                pdf_identifier=target.encode("utf-8"),
            )
        except RecursionError:  # a last guard: the scan of raw HTML limits nesting (safety.MAX_HTML_DEPTH)
            raise IopError(f"cannot make {target}: the page {page} nests its HTML too deeply for the PDF renderer. "
                           "Nest less deeply (fewer levels of HTML elements, lists or blocks).", path=page,
                           code=1) from None
        return OutputFile(target, buffer.getvalue())


_WORKER: _Renderer | None = None


def _start_worker(site: dict[str, bytes]) -> None:
    global _WORKER
    _WORKER = _Renderer(site)


def _work(page: str, target: str) -> OutputFile:
    assert _WORKER is not None
    return _WORKER.render(page, target)


def render_pdfs(
    files: Iterable[OutputFile],
    jobs: Sequence[tuple[str, str]],
    *,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[OutputFile]:
    """One PDF per (HTML page, PDF path) job, from the site's files in memory, in job order.

    `progress` hears "PDF n/total" as each one is done.
    """
    site = {f.path: f.content for f in files}
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS, len(jobs))

    def done(n: int) -> None:
        if progress:
            progress(f"PDF {n}/{len(jobs)}")

    if workers <= 1:
        renderer = _Renderer(site)
        out = []
        for page, target in jobs:
            out.append(renderer.render(page, target))
            done(len(out))
        return out
    # Longest first: the collections are many pages each, a handout one or two.
    order = sorted(range(len(jobs)), key=lambda i: -len(site.get(jobs[i][0], b"")))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(site,)
    ) as pool:
        futures: dict[int, Future[OutputFile]] = {i: pool.submit(_work, *jobs[i]) for i in order}
        for n, _ in enumerate(as_completed(futures.values()), 1):
            done(n)
        return [futures[i].result() for i in range(len(jobs))]
