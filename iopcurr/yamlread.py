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
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        column = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "it cannot be read"
        return (
            None,
            {},
            [
                Problem(
                    path,
                    line,
                    f"the YAML is not valid: {what}.",
                    "IOP001",
                    hint="Check indentation, colons after keys, and quotes around text "
                    "that contains a colon.",
                    column=column,
                )
            ],
        )
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        return None, {}, [Problem(path, first_line, f"the YAML is not valid: {exc}.", "IOP001")]
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, "", lines, first_line, [0])
    return value, lines, []


def _walk(node: yaml.Node, prefix: str, lines: dict[str, int], first: int, count: list[int]) -> None:
    count[0] += 1
    if count[0] > _MAX_NODES:
        return
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}{key.value}" if isinstance(key, yaml.ScalarNode) else prefix + "?"
            lines.setdefault(name, first + key.start_mark.line)
            _walk(value, name + ".", lines, first, count)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            name = f"{prefix}{index}"
            lines.setdefault(name, first + item.start_mark.line)
            _walk(item, name + ".", lines, first, count)
