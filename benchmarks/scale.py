"""Make a large curriculum by copying the bundled modules under new names (for the benchmarks).

Copy set k holds every bundled module as `<id>-<k>`; its handouts become `<handout>-<k>`, and
references to handouts point at the same set. program.yml is the bundled one with every track
listing its copies, so the program order is: each track, then its copies set by set.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "curriculum"

_HANDOUT_DEF = re.compile(r"\{#([a-z0-9][a-z0-9-]*)")


def module_sources(bundled: Path = BUNDLED) -> dict[str, str]:
    """The bundled modules by id (not their translations, `<id>.<lang>.md`)."""
    return {p.stem: p.read_text("utf-8") for p in sorted((bundled / "modules").glob("*.md")) if "." not in p.stem}


def copy_module(text: str, handout_ids: list[str], k: int) -> str:
    """The module text with every handout id renamed for copy set `k`."""
    if not handout_ids:
        return text
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(handout_ids, key=len, reverse=True))) + r")(?![\w-])")
    return pattern.sub(lambda m: f"{m.group(1)}-{k:04d}", text)


def make_curriculum(n: int, target: Path, bundled: Path = BUNDLED) -> Path:
    """Write a curriculum of `n` modules into `target` (replacing it) and return it."""
    if target.exists():
        shutil.rmtree(target)
    (target / "modules").mkdir(parents=True)
    for extra in ("pages", "assets"):
        if (bundled / extra).is_dir():
            shutil.copytree(bundled / extra, target / extra)
    sources = module_sources(bundled)
    handout_ids = sorted({h for text in sources.values() for h in _HANDOUT_DEF.findall(text)})
    program = yaml.safe_load((bundled / "program.yml").read_text("utf-8"))
    tracks = program.get("tracks") or []
    order = [m for t in tracks for m in t.get("modules", [])] or sorted(sources)
    order += [m for m in sorted(sources) if m not in order]
    made: list[tuple[str, str]] = []  # (original id, copy id)
    k = 0
    while len(made) < n:
        for ident in order:
            if len(made) == n:
                break
            copy_id = f"{ident}-{k:04d}"
            (target / "modules" / f"{copy_id}.md").write_text(copy_module(sources[ident], handout_ids, k), "utf-8")
            made.append((ident, copy_id))
        k += 1
    sets = k
    # A partial last set may lack modules that define handouts the set refers to: point those
    # references at set 0, which is always complete when n >= the bundled count.
    if n % len(order):
        present = {c for _, c in made}
        defined = {h: ident for ident, text in sources.items() for h in _HANDOUT_DEF.findall(text)}
        last = sets - 1
        for _, copy_id in made:
            if not copy_id.endswith(f"-{last:04d}"):
                continue
            path = target / "modules" / f"{copy_id}.md"
            text = path.read_text("utf-8")
            for h, owner in defined.items():
                if f"{owner}-{last:04d}" not in present:
                    text = re.sub(rf"(?<![\w-]){re.escape(h)}-{last:04d}(?![\w-])", f"{h}-0000", text)
            path.write_text(text, "utf-8")
    copies: dict[str, list[str]] = {}
    for ident, copy_id in made:
        copies.setdefault(ident, []).append(copy_id)
    for t in tracks:
        t["modules"] = [c for s in range(sets) for m in t.get("modules", []) for c in copies.get(m, [])[s : s + 1]]
    schedule = program.get("schedule") or {}
    if "pin" in schedule:
        schedule["pin"] = {f"{m}-0000": w for m, w in schedule["pin"].items() if copies.get(m)}
    if "repeat" in schedule:  # the first copy repeats; the others rotate with their tracks
        schedule["repeat"] = {f"{m}-0000": v for m, v in schedule["repeat"].items() if copies.get(m)}
    for day, refs in (schedule.get("streams") or {}).items():
        schedule["streams"][day] = [f"{r}-0000" if copies.get(r) else r for r in refs]
    (target / "program.yml").write_text(yaml.safe_dump(program, sort_keys=False, allow_unicode=True), "utf-8")
    return target
