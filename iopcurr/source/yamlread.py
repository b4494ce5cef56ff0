"""YAML with line numbers: the value, plus the line of every key, plus problems instead of errors."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from iopcurr.errors import Problem

# What aliases (`*name`) may add to a document, in characters of text (and one per item): an
# alias repeats its anchor, and aliases of aliases multiply, so a few lines can stand for
# gigabytes of pages (a "billion laughs" in `crisis` is printed on every handout).
MAX_ALIAS_GROWTH = 100_000


def load_yaml(text: str, path: str, first_line: int = 1) -> tuple[Any, dict[str, int], list[Problem]]:
    """Parse `text` (which starts at `first_line` of `path`).

    Returns the value, a map from dotted key paths (`session.minutes`, `tracks.0.id`) to line
    numbers, and the problems found. On a syntax error, or aliases that expand too far, the value
    is None. A list item with an unquoted colon (`[Whiteboard, Handout: My Plan]`) is an error,
    read as the text the author meant. A date that does not exist (2027-02-30) stays text, for
    the reader of the key to report at its own line.
    """
    read = _read(text, path, first_line)
    if isinstance(read, list):
        return None, {}, read
    value, node = read
    if node is None:
        return value, {}, []
    too_big = _alias_growth(node, path, first_line)
    if too_big is not None:
        return None, {}, [too_big]
    fixed, problems = _quote_colon_items(node, text, path, first_line)
    reread = _read(fixed, path, first_line) if problems else read
    if not isinstance(reread, list) and reread[1] is not None:  # else keep the first reading
        value, node = reread[0], reread[1]
    return value, _walk(node, first_line), problems + _written_twice(node, path, first_line)


def _written_twice(root: yaml.Node, path: str, first: int) -> list[Problem]:
    """An error for each key written twice in one mapping: YAML would keep the last silently and
    lose everything under the first (two `theme:` blocks, say)."""
    problems = []
    for node in _distinct(root):
        if isinstance(node, yaml.MappingNode):
            lines: dict[str, int] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    line = first + key.start_mark.line
                    if key.value in lines:
                        problems.append(Problem(
                            path, line, f"`{key.value}` is written twice (also at line {lines[key.value]}); only one is read.",
                            "IOP001", hint=f"Merge the two `{key.value}:` into one.", column=key.start_mark.column + 1))
                    lines.setdefault(key.value, line)
    return problems


def _timestamp(loader: Any, node: yaml.Node) -> Any:
    """A date or time as YAML reads it; a date that does not exist (2027-02-30, 0000-01-01) stays
    text, so that the reader of the key reports it at its line instead of the file failing."""
    if not isinstance(node, yaml.ScalarNode):  # `!!timestamp [1]`: the reader's own error
        return loader.construct_scalar(node)
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, AttributeError):  # AttributeError: `!!timestamp "soon"`
        return loader.construct_scalar(node)


class _SafeLoader(yaml.SafeLoader):
    """The pure-Python safe loader, with `_timestamp`."""


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _read(text: str, path: str, first_line: int) -> tuple[Any, yaml.Node | None] | list[Problem]:
    """(value, node) read by the pure-Python reader, or the problems that stop it."""
    try:
        loader = _SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # the reader checks every character up front
        line = first_line + text.count("\n", 0, exc.position)
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return [Problem(path, line, f"the YAML holds a character it does not allow (U+{exc.character:04X}).",
                        "IOP001", hint="Delete the character; retype the text around it if need be.", column=column)]
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        column = mark.column + 1 if mark else None
        if mark and _tab_indent(text, mark.line, mark.column):
            return [Problem(path, line, "tabs cannot indent YAML; use spaces.", "IOP001",
                            hint="Indent with spaces only (two per level); most editors can turn tabs into spaces.",
                            column=column)]
        what = exc.problem or exc.context or "it cannot be read"
        return [Problem(path, line, f"the YAML is not valid: {what}.", "IOP001",
                        hint="Check indentation, colons after keys, and quotes around text that contains a colon.",
                        column=column)]
    except RecursionError:
        return [Problem(path, first_line, "the YAML is nested too deeply to read.", "IOP001",
                        hint="Use fewer levels of lists and mappings inside each other.")]
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return [Problem(path, first_line, f"the YAML is not valid: {exc}.", "IOP001")]
    finally:
        loader.dispose()
    return value, node


def _tab_indent(text: str, line: int, column: int) -> bool:
    """Whether the parser stopped at a tab in the indentation of `line` (0-based)."""
    rows = text.split("\n")
    lead = rows[line][: column + 1] if line < len(rows) else ""
    return "\t" in lead and not lead.strip(" \t")


def _walk(root: yaml.Node, first: int) -> dict[str, int]:
    """The line of every key path. Iterative, and each node is entered once, so that deep
    nesting, alias bombs and an alias inside its own anchor (`x: &a [*a]`) all end quickly."""
    lines: dict[str, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            children = [(f"{prefix}{k.value}" if isinstance(k, yaml.ScalarNode) else prefix + "?", k, v)
                        for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [(f"{prefix}{i}", item, item) for i, item in enumerate(node.value)]
        else:
            continue
        for name, at, _ in children:
            lines.setdefault(name, first + at.start_mark.line)
        stack.extend((child, name + ".") for name, _, child in reversed(children))
    return lines


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _alias_growth(root: yaml.Node, path: str, first: int) -> Problem | None:
    """A problem when aliases make the document grow by more than MAX_ALIAS_GROWTH, or an alias
    sits inside its own anchor. Each node is sized once (its size counts its shared children as
    often as they are used), so a billion laughs is measured in microseconds, not expanded."""
    size: dict[int, int] = {}
    once = 0  # the size of the document as written: each node counted once
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            own = 1 + (len(str(node.value)) if isinstance(node, yaml.ScalarNode) else 0)
            once += own
            size[key] = own + sum(size[id(child)] for child in _children(node))
            continue
        if key in size:
            continue
        if key in visiting:
            return Problem(path, first + node.start_mark.line, "an alias (`*name`) is used inside its own anchor "
                           "(`&name`), so the value never ends.", "IOP030", hint="Write the value out instead.")
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    growth = size[id(root)] - once
    if growth <= MAX_ALIAS_GROWTH:
        return None
    where, line = "", first
    if isinstance(root, yaml.MappingNode) and root.value:  # the key whose value grows the most
        k, _ = max(root.value, key=lambda pair: size[id(pair[1])])
        where, line = f" under `{k.value}`" if isinstance(k, yaml.ScalarNode) else "", first + k.start_mark.line
    return Problem(path, line, f"the YAML aliases (`*name`){where} expand to {size[id(root)]:,} characters, "
                   f"{growth:,} more than written; at most {MAX_ALIAS_GROWTH:,} may come from aliases.", "IOP030",
                   hint="Write the text out instead of repeating an alias; aliases of aliases multiply.")


def _distinct(root: yaml.Node) -> list[yaml.Node]:
    seen: dict[int, yaml.Node] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(_children(node))
    return list(seen.values())


_KEY = re.compile(r"^[a-z_][a-z0-9_-]*$")  # how the keys of program.yml and front matter are written


def _quote_colon_items(root: yaml.Node, text: str, path: str, first: int) -> tuple[str, list[Problem]]:
    """The text with every list item that an unquoted colon turned into a `key: value` pair put in
    quotes, and a problem for each showing the line as it should be written."""
    spans = sorted(span for seq in _distinct(root) if isinstance(seq, yaml.SequenceNode)
                   for span in _colon_items(seq, text))
    fixed = text
    for start, end, _ in reversed(spans):
        fixed = fixed[:start] + json.dumps(fixed[start:end], ensure_ascii=False) + fixed[end:]
    rows = fixed.split("\n")
    problems = [
        Problem(path, first + line, f"a colon inside a list item needs quotes: `{text[start:end]}` is read as a "
                "key and a value.", "IOP001", hint=f"Write the line as: {rows[line].strip()}")
        for start, end, line in spans
    ]
    return fixed, problems


def _colon_items(seq: yaml.SequenceNode, text: str) -> list[tuple[int, int, int]]:
    """(start, end, line) of the items of `seq` that a colon made into pairs: a one-pair mapping of
    plain text on one line, not in braces, in a `[...]` list, or in a `- item` list whose other items
    are text (lists in program.yml and front matter hold text or mappings, not both) or whose key is
    not written like a setting (`- Practise one skill: urge surfing.`)."""
    mixed = any(isinstance(item, yaml.ScalarNode) for item in seq.value)
    spans = []
    for item in seq.value:
        if not (isinstance(item, yaml.MappingNode) and len(item.value) == 1):
            continue
        k, v = item.value[0]
        start, end = k.start_mark.index, v.end_mark.index
        braces = text[item.start_mark.index : item.start_mark.index + 1] == "{"
        plain = all(isinstance(n, yaml.ScalarNode) and not n.style and n.value != "" for n in (k, v))
        if (plain and not braces and "\n" not in text[start:end]
                and (seq.flow_style or mixed or not _KEY.match(str(k.value)))):
            spans.append((start, end, k.start_mark.line))
    return spans
