"""Several clinics, one curriculum: `sites/<name>.yml` beside program.yml, each a partial program
file merged over it.

The merge is deep for mappings (a site that writes `session: {start: "17:30"}` keeps the
program's `session.minutes`) and whole for everything else (a list in a site file replaces the
program's list: `crisis`, `schedule.days`, `tracks`). Every key keeps the file and line it was
written at, so a problem in a key the site file set is reported at the site file's line
(`sites/eastside.yml:4: ...`), and one in a key it left alone at program.yml's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from iopcurr.errors import IopError, Problem
from iopcurr.model import Program
from iopcurr.source.blocks import ID
from iopcurr.source.config import program_from
from iopcurr.source.loader import MAX_FILE_BYTES, Sources, decode_source, outside
from iopcurr.source.yamlread import load_yaml

SITES_DIR = "sites"


def site_names(source: Path) -> list[str]:
    """The sites of the curriculum in `source`: the names of its sites/*.yml files, sorted (none
    without a sites/ folder: glob finds nothing in a folder that is not there)."""
    return sorted(p.stem for p in (source / SITES_DIR).glob("*.yml") if ID.match(p.stem) and p.is_file())


def site_file(source: Path, name: str) -> Path:
    """sites/<name>.yml of the curriculum in `source` (a usage error, exit 2, if there is none)."""
    known = site_names(source)
    if name not in known:
        listed = f"Its sites: {', '.join(known)}." if known else f"It has no {SITES_DIR}/ folder with .yml files."
        raise IopError(f"no site `{name}`: there is no {source / SITES_DIR / (name + '.yml')}. {listed}",
                       path=str(source / SITES_DIR))
    return source / SITES_DIR / f"{name}.yml"


def merge(base: Any, over: Any) -> Any:
    """`over` merged over `base`: mappings key by key, anything else (lists too) replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{key: merge(base[key], value) if key in base else value for key, value in over.items()}}
    return over


def merged_lines(base: Any, base_lines: Mapping[str, int], over: Any, over_lines: Mapping[str, int],
                 over_path: str) -> tuple[dict[str, int], dict[str, str]]:
    """The line of every key of the merged program, and the site file as the origin of the keys it
    wrote. A key the site file replaced (a list, a text) hides the program's keys below it."""
    replaced = [key for key in over_lines
                if not (isinstance(_at(over, key), dict) and isinstance(_at(base, key), dict))]
    lines = {key: line for key, line in base_lines.items()
             if not any(key == r or key.startswith(r + ".") for r in replaced)}
    lines.update(over_lines)
    return lines, {key: over_path for key in over_lines}


def _at(data: Any, dotted: str) -> Any:
    """The value at a dotted key (`schedule.days.0`), or None."""
    for part in dotted.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def site_program(program_text: str, program_path: str, site_text: str,
                 site_path: str) -> tuple[Program, list[Problem]]:
    """The program of one site: the site file merged over program.yml, checked as one program.
    The site file must be a mapping; its problems are reported at its own lines."""
    base, base_lines, problems = load_yaml(program_text, program_path)
    over, over_lines, more = load_yaml(site_text, site_path)
    problems += more
    if over is not None and not isinstance(over, dict):
        problems.append(Problem(site_path, 1, "a site file must be a mapping of program settings "
                                "(`key: value` lines).", "IOP002"))
    if not isinstance(base, dict) or not isinstance(over, dict):
        # program.yml itself is not a mapping (reported as for a build without sites), or the
        # site file did not parse: check the program alone, with the site's problems.
        return program_from(base, base_lines, problems, program_path)
    lines, origins = merged_lines(base, base_lines, over, over_lines, site_path)
    return program_from(merge(base, over), lines, problems, program_path, origins)


def with_site(source: Path, sources: Sources, name: str) -> Sources:
    """`sources` with the site file of `name` to merge over program.yml (read from disk)."""
    path = site_file(source, name)
    problems = list(sources.problems)
    text: str | None = None
    try:
        if not path.resolve().is_relative_to(source.resolve()):
            problems.append(outside(path))
        elif path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(str(path), None, f"the site file is larger than {MAX_FILE_BYTES:,} bytes.", "IOP030"))
        else:
            text, more = decode_source(path.read_bytes(), str(path))
            problems += more
    except OSError as exc:
        problems.append(Problem(str(path), None, f"the site file cannot be read: {exc.strerror or exc}.", "IOP025"))
    return replace(sources, site_path=str(path), site_text=text if text is not None else "",
                   problems=tuple(problems))
