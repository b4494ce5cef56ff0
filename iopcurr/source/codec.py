"""Frozen dataclasses ↔ JSON, checked against their type hints on the way back.

Used for the conversion cache and to carry results back from worker processes. Decoding trusts
nothing: every value must have the type its field declares, or `DecodeError` is raised (and the
caller treats the entry as missing). JSON rather than pickle, so that a damaged or planted cache
file can never run code.
"""

from __future__ import annotations

import dataclasses
import json
import types
from functools import cache
from typing import Any, Literal, TypeVar, Union, cast, get_args, get_origin, get_type_hints

T = TypeVar("T")


class DecodeError(ValueError):
    """The data does not have the shape of the type it should decode to."""


def encode(value: object) -> Any:
    """A JSON-ready form: dataclasses as lists of their fields in order, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, types.MappingProxyType | dict):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: object) -> str:
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes, cls: type[T]) -> T:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"not JSON: {exc}") from exc
    return cast(T, decode(data, cls))


def decode(data: Any, hint: Any) -> Any:
    """`data` (from `encode`) back into a value of type `hint`, or DecodeError."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return data
    if origin is Union or origin is types.UnionType:
        return _union(data, args)
    if origin is Literal:
        if isinstance(data, str | int) and data in args:
            return data
        raise DecodeError(f"{data!r} is not one of {args}")
    if origin is tuple:
        return _tuple(data, args)
    if origin in (types.MappingProxyType, dict):
        if type(data) is not dict:
            raise DecodeError(f"expected an object, got {type(data).__name__}")
        items = {decode(k, args[0]): decode(v, args[1]) for k, v in data.items()}
        return types.MappingProxyType(items) if origin is types.MappingProxyType else items
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(*_tuple(data, _field_hints(hint)))
    return _scalar(data, hint)


def _union(data: Any, options: tuple[Any, ...]) -> Any:
    errors = []
    for option in options:
        try:
            return decode(data, option)
        except DecodeError as exc:
            errors.append(str(exc))
    raise DecodeError("; ".join(errors))


def _tuple(data: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A list decoded into `tuple[args]`, or (`tuple[X, ...]`) into as many X as it holds."""
    if type(data) is not list:
        raise DecodeError(f"expected a list, got {type(data).__name__}")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple([decode(v, args[0]) for v in data])
    if len(data) != len(args):
        raise DecodeError(f"expected a list of {len(args)}")
    return tuple([decode(v, a) for v, a in zip(data, args, strict=True)])


def _scalar(data: Any, hint: Any) -> Any:
    if hint is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if hint not in (str, int, bool, float, type(None)):
        raise TypeError(f"cannot decode into {hint!r}")
    if type(data) is not hint:
        raise DecodeError(f"expected {hint.__name__}, got {type(data).__name__}")
    return data


@cache
def _field_hints(cls: type) -> tuple[Any, ...]:
    hints = get_type_hints(cls)
    return tuple(hints[f.name] for f in dataclasses.fields(cls))
