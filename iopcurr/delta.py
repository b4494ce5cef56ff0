"""An edit that keeps the program's shape, applied in time proportional to the edit: the live
preview's fast path (`incremental.Project` assembles everything again when `patch` says no).

The shape of a program is what the pages show of other files: a module's id, title, track,
summary and handouts (their ids and titles, and the ones it lists), a page's id, title, summary
and order. An edit that keeps them keeps the order of the modules, the schedule, the navigation,
the ids and the checks across files (`Assembled.shared`). `patch` makes the new curriculum from
the last good one by putting the saved files' modules and pages in their places, checks those
files again (and, when their anchors change, the files that link to them), and lists the pages
the edit can change:

    a module   its facilitator page and the pages of its sessions; the page of each of its
               handouts whose content changed; where a handout's reading grade changed, the home
               page and the facilitator pages that list the handout; the calendar file when the
               events of its sessions changed
    a page     its own page

Every other page keeps its bytes; the collections (packet, manual, search index) bind every
page and are the caller's. Tests compare the result with a full build.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from iopcurr.checks import reading_grade
from iopcurr.errors import Problem, has_errors, sort_problems
from iopcurr.links import anchor_key
from iopcurr.model import Curriculum, Module, OutputFile, Page, Schedule, SessionPlan
from iopcurr.parsed import Parsed
from iopcurr.pipeline import Assembled, PlanFunction, file_problems
from iopcurr.render import (
    Link,
    Theme,
    _site,
    nav_table,
    remember_nav,
    render_handout,
    render_index,
    render_module,
    render_page,
    sessions_by_module,
)
from iopcurr.sessionpages import Tables, render_ics, render_session, render_session_extras, session_event

Key = tuple[str, str]  # ("module" or "page", id): what a link into the curriculum names


def module_outline(m: Module) -> tuple[object, ...]:
    """What other pages show of a module."""
    return (m.id, m.title, m.track, m.summary, m.handout_refs, tuple((h.id, h.title) for h in m.handouts))


def page_outline(p: Page) -> tuple[object, ...]:
    """What other pages show of a page."""
    return (p.id, p.title, p.summary, p.order)


@dataclass(frozen=True)
class Index:
    """Lookups into a good build that an edit keeping the shape leaves as they are, or changes
    in a few entries (made in linear time after a full build, patched after each edit)."""

    parsed_at: dict[str, int]  # source path → position in the parsed files (and in the sources)
    module_at: dict[str, int]  # module id → position in curriculum.modules
    page_at: dict[str, int]  # page id → position in curriculum.pages
    listed_by: dict[str, tuple[int, ...]]  # handout id → positions of the modules whose page lists it
    sessions_of: dict[str, tuple[int, ...]]  # module id → positions of its sessions in the schedule
    scheduled: dict[str, tuple[Link, ...]]  # module id → the links to its sessions on its page
    linked_from: dict[Key, frozenset[str]]  # → the source paths with a link or image into it
    calendar: Tables  # the lookups of the calendar pages
    shared_paths: frozenset[str]  # the files that problems of the checks across files name
    own_paths: bool  # each problem that a file's own checks find names that file


def index_of(parsed: Sequence[Parsed], done: Assembled, schedule: Schedule) -> Index:
    cur = done.curriculum
    listed: dict[str, list[int]] = {}
    for i, m in enumerate(cur.modules):
        for hid in m.session_handouts:
            listed.setdefault(hid, []).append(i)
    sessions: dict[str, list[int]] = {}
    for i, s in enumerate(schedule.sessions):
        sessions.setdefault(s.module_id, []).append(i)
    linked: dict[Key, set[str]] = {}
    for p in parsed:
        for key in _targets(p):
            linked.setdefault(key, set()).add(p.path)
    return Index(
        parsed_at={p.path: i for i, p in enumerate(parsed)},
        module_at={m.id: i for i, m in enumerate(cur.modules)},
        page_at={p.id: i for i, p in enumerate(cur.pages)},
        listed_by={k: tuple(v) for k, v in listed.items()},
        sessions_of={k: tuple(v) for k, v in sessions.items()},
        scheduled=sessions_by_module(schedule),
        linked_from={k: frozenset(v) for k, v in linked.items()},
        calendar=Tables.of(cur),
        shared_paths=frozenset(p.path for p in done.shared),
        own_paths=all(p.path == path for path, found in done.local.items() for p in found),
    )


def _targets(p: Parsed) -> frozenset[Key]:
    owner = p.module or p.page
    return frozenset((r.kind, r.target) for r in owner.refs if r.kind in ("module", "page")) if owner else frozenset()


@dataclass(frozen=True)
class Touched:
    """The pages an edit can change (positions in the curriculum and the schedule)."""

    modules: tuple[int, ...]  # facilitator pages
    handouts: tuple[tuple[int, str], ...]  # (position of the module, handout id): handout pages
    pages: tuple[int, ...]
    sessions: tuple[int, ...]
    home: bool  # index.html
    calendar: bool  # schedule.ics
    owners: tuple[Module | Page, ...]  # the saved modules and pages (their links to site paths)


@dataclass(frozen=True)
class Patched:
    parsed: list[Parsed]
    done: Assembled
    problems: tuple[Problem, ...]  # sorted
    ok: bool
    index: Index
    touched: Touched


@dataclass(frozen=True)
class Good:
    """What `patch` starts from: the last build whose site is the one served."""

    parsed: Sequence[Parsed]
    done: Assembled
    schedule: Schedule
    problems: tuple[Problem, ...]  # sorted
    index: Index


def patch(good: Good, fresh: dict[int, Parsed], assets: frozenset[str], plan: PlanFunction) -> Patched | None:
    """`good` with the files at the positions of `fresh` read again (None: the edit changes the
    program's shape, so everything must be assembled again)."""
    cur, index = good.done.curriculum, good.index
    modules, pages = list(cur.modules), list(cur.pages)
    changed_modules: list[tuple[int, Module, Module]] = []  # (position, old, new)
    changed_pages: list[tuple[int, Page]] = []
    for pos, new in fresh.items():
        old = good.parsed[pos]
        if new.path != old.path or new.path in index.shared_paths:
            return None
        if old.module is not None and new.module is not None:
            i = index.module_at.get(new.module.id)
            if i is None or modules[i] is not old.module or module_outline(old.module) != module_outline(new.module):
                return None
            modules[i] = new.module
            changed_modules.append((i, old.module, new.module))
        elif old.page is not None and new.page is not None:
            j = index.page_at.get(new.page.id)
            if j is None or pages[j] is not old.page or page_outline(old.page) != page_outline(new.page):
                return None
            pages[j] = new.page
            changed_pages.append((j, new.page))
        else:
            return None
    program = cur.program
    parsed = list(good.parsed)
    for pos, new in fresh.items():
        parsed[pos] = new
    new_cur = Curriculum(cur.source, program, tuple(modules), tuple(pages))

    # The checks: the saved files again, and those that link to a module or page whose anchors changed.
    anchors, linked = good.done.anchors, index.linked_from
    again = {parsed[pos].path for pos in fresh}
    for pos, new in fresh.items():
        old_owner, owner = good.parsed[pos].module or good.parsed[pos].page, new.module or new.page
        assert owner is not None and old_owner is not None
        if owner.anchors != old_owner.anchors:
            anchors = {**anchors, anchor_key(owner): frozenset(owner.anchors)}
            again |= linked.get(anchor_key(owner), frozenset())
        before, after = _targets(good.parsed[pos]), _targets(new)
        if before != after:
            linked = dict(linked)
            for key in before - after:
                linked[key] = linked[key] - {new.path}
            for key in after - before:
                linked[key] = linked.get(key, frozenset()) | {new.path}
    plans = dict(good.done.plans)
    local = dict(good.done.local)
    for path in again:
        p = parsed[index.parsed_at[path]]
        planned: Sequence[Problem] = ()
        if p.module is not None and p.module.id in index.module_at:
            plans[p.module.id], planned = plan(p.module, program)
        local[path] = file_problems(program, p, anchors, assets, complete=not p.broken, planned=planned)
    done = Assembled(new_cur, plans, good.done.shared, local, anchors)
    own = index.own_paths and all(q.path == path for path in again for q in local[path])
    problems = good.problems
    if own:  # problems are sorted by path first: put each file's in its place
        for path in sorted(again):
            problems = _splice(problems, path, local[path])
    else:
        problems = sort_problems(done.problems)
    ok = not any(has_errors(local[path]) for path in again) if own else not has_errors(problems)

    # What the pages need: the navigation and the calendar's lookups, with the saved modules.
    fresh_handouts = {h.id: h for _, _, m in changed_modules for h in m.handouts}
    nav = nav_table(cur)
    remember_nav(new_cur, replace(nav, handouts={**nav.handouts, **fresh_handouts}))
    calendar = replace(index.calendar, modules={**index.calendar.modules, **{m.id: m for _, _, m in changed_modules}},
                       handouts={**index.calendar.handouts, **fresh_handouts})
    new_index = replace(index, linked_from=linked, calendar=calendar, own_paths=own)

    touched = _touched(good, new_cur, plans, new_index, changed_modules, changed_pages)
    return Patched(parsed, done, problems, ok, new_index, touched)


def _splice(problems: tuple[Problem, ...], path: str, found: Iterable[Problem]) -> tuple[Problem, ...]:
    lo = bisect.bisect_left(problems, path, key=_path)
    hi = bisect.bisect_right(problems, path, key=_path)
    return (*problems[:lo], *sort_problems(found), *problems[hi:])


def _path(p: Problem) -> str:
    return p.path


def _touched(good: Good, cur: Curriculum, plans: dict[str, SessionPlan | None], index: Index,
             modules: list[tuple[int, Module, Module]], pages: list[tuple[int, Page]]) -> Touched:
    facilitator = {i for i, _, _ in modules}
    handouts: list[tuple[int, str]] = []
    home = False
    for i, old, new in modules:
        for h_old, h in zip(old.handouts, new.handouts, strict=True):  # the same ids: the outline is kept
            if h.html != h_old.html:
                handouts.append((i, h.id))
            if h.text != h_old.text and reading_grade(h.text) != reading_grade(h_old.text):
                home = True  # the home page lists every handout with its grade, and so do the
                facilitator.update(index.listed_by.get(h.id, ()))  # pages of the modules that use it
    sessions = sorted(k for _, _, m in modules for k in index.sessions_of.get(m.id, ()))
    schedule = good.schedule
    calendar = False
    if schedule.dated and sessions:
        old_cur, old_plans, total = good.done.curriculum, good.done.plans, len(schedule.sessions)
        calendar = any(
            session_event(old_cur, old_plans, schedule.sessions[k], total, good.index.calendar)
            != session_event(cur, plans, schedule.sessions[k], total, index.calendar)
            for k in sessions
        )
    return Touched(tuple(sorted(facilitator)), tuple(handouts), tuple(j for j, _ in pages), tuple(sessions), home,
                   calendar, (*(m for _, _, m in modules), *(p for _, p in pages)))


def sheets_touched(cur: Curriculum, schedule: Schedule, index: Index, touched: Touched) -> list[int]:
    """The sessions whose run sheet, handouts or paperwork an edit can change: the sessions of
    the saved modules, the ones right after them (they collect its home assignment), and the
    sessions of every module that lists a changed handout."""
    found = set(touched.sessions) | {k + 1 for k in touched.sessions if k + 1 < len(schedule.sessions)}
    for _, hid in touched.handouts:
        for i in index.listed_by.get(hid, ()):
            found.update(index.sessions_of.get(cur.modules[i].id, ()))
    return sorted(found)


def render_touched(cur: Curriculum, plans: dict[str, SessionPlan | None], theme: Theme, schedule: Schedule,
                   index: Index, touched: Touched) -> list[OutputFile]:
    """The pages `touched` lists, rendered as a full build renders them."""
    site = _site(cur)
    out: list[OutputFile] = []
    if touched.home:
        out.append(render_index(cur, site, theme, schedule, None))
    for i in touched.modules:
        m = cur.modules[i]
        out.append(render_module(cur, site, theme, i, plans.get(m.id), index.scheduled.get(m.id, ())))
    titles = nav_table(cur).track_titles
    for i, hid in touched.handouts:
        m = cur.modules[i]
        h = next(h for h in m.handouts if h.id == hid)
        out.append(render_handout(cur, site, theme, m, h, titles))
        if cur.program.handouts.large_print:
            out.append(render_handout(cur, site, theme, m, h, titles, large=True))
    for j in touched.pages:
        out.append(render_page(cur, site, theme, cur.pages[j]))
    for k in touched.sessions:
        out.append(render_session(cur, plans, schedule, theme, k, index.calendar, site))
    for k in sheets_touched(cur, schedule, index, touched):
        out += render_session_extras(cur, plans, schedule, theme, k, index.calendar, site)
    if touched.calendar:
        out.append(render_ics(cur, plans, schedule, index.calendar))
    return out
