"""YAML with line numbers: the value, plus the line of every key, plus problems instead of errors."""

from __future__ import annotations

from typing import Any

import yaml

from iopcurr.errors import Problem

_MAX_NODES = 50_000  # guards the line walk against alias bombs


def load_yaml(
    text: str, path: str, first_line: int = 1
) -> tuple[Any, dict[str, int], list[Problem]]:
    """Parse `text` (which starts at `first_line` of `path`).

    Returns the value, a map from dotted key paths (`session.minutes`, `tracks.0.id`) to line
    numbers, and the problems found. On a syntax error the value is None.
    """
    read = _fast_load(text) or _careful_load(text, path, first_line)
    if isinstance(read, list):
        return None, {}, read
    value, node = read
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, lines, first_line)
    return value, lines, []


def _careful_load(text: str, path: str, first_line: int) -> tuple[Any, yaml.Node | None] | list[Problem]:
    """(value, node) read by the pure-Python reader, or the problems that stop it."""
    try:
        loader = yaml.SafeLoader(text)
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


_CLOADER: Any = getattr(yaml, "CSafeLoader", None)  # libyaml, when PyYAML was built with it


def _fast_load(text: str) -> tuple[Any, yaml.Node | None] | None:
    """(value, node) read by libyaml (about ten times faster: front matter is read for every
    module of every cold build); None if libyaml is missing or finds anything wrong, so that the
    pure-Python reader, whose messages the problems quote, reads it again."""
    if _CLOADER is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    loader = _CLOADER(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        return None
    finally:
        loader.dispose()


def _walk(root: yaml.Node, lines: dict[str, int], first: int) -> None:
    """Record the line of every key path. Iterative, and each node is entered once, so that deep
    nesting, alias bombs and an alias inside its own anchor (`x: &a [*a]`) all end quickly."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack and len(seen) < _MAX_NODES:
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
