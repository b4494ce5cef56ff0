"""The changes page (`changes.html`): what changed between editions of the curriculum.

From each module's front matter (`reviewed_by`, `reviewed_on`, `next_review`, `changes:`) and,
when the curriculum folder is in a git repository and `git` is on PATH, the subjects of the
commits that touched each module file (read with the files, by `loader.git_history`; no network).
Pure: the same input gives the same page.
"""

from __future__ import annotations

from dataclasses import dataclass

from iopcurr.model import Commit, OutputFile
from iopcurr.plan.safety import without_controls
from iopcurr.render.pages import Link, SiteContext, page_context, render_page, review_note, words_date


@dataclass(frozen=True)
class ModuleChanges:
    title: str
    url: str
    review: str  # "Reviewed by X on December 5, 2026. Next review due by ..." or ""
    noted: tuple[tuple[str, str, str], ...]  # `changes:` of the front matter: (YYYY-MM-DD, in words, what changed)
    commits: tuple[tuple[str, str, str], ...]  # (YYYY-MM-DD, in words, subject) from git


@dataclass(frozen=True)
class ChangesView:
    edition: str
    git: bool  # whether the commit history could be read
    modules: tuple[ModuleChanges, ...]


def render_changes(ctx: SiteContext, history: tuple[Commit, ...] | None) -> OutputFile:
    """`changes.html`: every module in program order, with its review trail, noted changes and commits."""
    commits: dict[str, list[tuple[str, str, str]]] = {}
    for c in history or ():
        for ident in c.modules:
            commits.setdefault(ident, []).append((c.date, words_date(c.date), without_controls(c.subject)))
    view = ChangesView(
        ctx.site.edition, history is not None,
        tuple(ModuleChanges(m.title, f"facilitator/{m.id}.html", review_note(m),
                            tuple((d, words_date(d), text) for d, text in m.changes), tuple(commits.get(m.id, ())))
              for m in ctx.cur.modules),
    )
    page = page_context(ctx.site, "What changed", "changes", "changes", [Link("Home", "index.html")])
    return render_page(ctx, "changes.html", "changes.html", page, view).file
