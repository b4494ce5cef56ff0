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
import typing
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

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
    return typing.cast(T, decode(data, cls))


def decode(data: Any, hint: Any) -> Any:
    """`data` (from `encode`) back into a value of type `hint`, or DecodeError."""
    return _decoder(hint)(data)


Decoder = typing.Callable[[Any], Any]


@cache
def _decoder(hint: Any) -> Decoder:
    """A function that decodes JSON data into `hint`, made once per type (decoding is hot)."""
    origin = get_origin(hint)
    if hint is Any:
        return lambda data: data
    if origin is Union or origin is types.UnionType:
        return _union(get_args(hint))
    if origin is Literal:
        allowed = get_args(hint)

        def literal(data: Any) -> Any:
            if isinstance(data, str | int) and data in allowed:
                return data
            raise DecodeError(f"{data!r} is not one of {allowed}")

        return literal
    if origin is tuple:
        return _tuple(get_args(hint))
    if origin in (types.MappingProxyType, dict):
        return _mapping(origin, *get_args(hint))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    if hint is float:

        def number(data: Any) -> Any:
            if isinstance(data, int | float) and not isinstance(data, bool):
                return float(data)
            raise DecodeError(f"expected a number, got {data!r}")

        return number
    if hint in (str, int, bool):

        def scalar(data: Any) -> Any:
            if type(data) is hint:
                return data
            raise DecodeError(f"expected {hint.__name__}, got {type(data).__name__}")

        return scalar
    raise TypeError(f"cannot decode into {hint!r}")


def _union(options: tuple[Any, ...]) -> Decoder:
    nullable = type(None) in options
    decoders = [_decoder(o) for o in options if o is not type(None)]

    def union(data: Any) -> Any:
        if data is None and nullable:
            return None
        errors = []
        for dec in decoders:
            try:
                return dec(data)
            except DecodeError as exc:
                errors.append(str(exc))
        raise DecodeError("; ".join(errors) or f"unexpected {data!r}")

    return union


def _tuple(args: tuple[Any, ...]) -> Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])

        def many(data: Any) -> Any:
            if type(data) is not list:
                raise DecodeError(f"expected a list, got {type(data).__name__}")
            return tuple([item(v) for v in data])

        return many
    items = [_decoder(a) for a in args]

    def fixed(data: Any) -> Any:
        if type(data) is not list or len(data) != len(items):
            raise DecodeError(f"expected a list of {len(items)}")
        return tuple([dec(v) for dec, v in zip(items, data, strict=True)])

    return fixed


def _mapping(origin: Any, key_type: Any, value_type: Any) -> Decoder:
    key, value = _decoder(key_type), _decoder(value_type)
    proxy = origin is types.MappingProxyType

    def mapping(data: Any) -> Any:
        if type(data) is not dict:
            raise DecodeError(f"expected an object, got {type(data).__name__}")
        items = {key(k): value(v) for k, v in data.items()}
        return types.MappingProxyType(items) if proxy else items

    return mapping


def _dataclass(cls: type) -> Decoder:
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    decoders: list[Decoder] = []

    def fields(data: Any) -> Any:
        if not decoders:  # filled on first use: a dataclass may refer to itself
            decoders.extend(_decoder(hints[n]) for n in names)
        if type(data) is not list or len(data) != len(names):
            raise DecodeError(f"expected the {len(names)} fields of {cls.__name__}")
        return cls(*[dec(v) for dec, v in zip(decoders, data, strict=True)])

    return fields
