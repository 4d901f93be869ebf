"""Frozen dataclass models of workspace files, and the conversion of plain data (parsed YAML or
TOML) into them with every schema error collected and located.

In: a `Model` subclass and plain data. Out: the instance, or the errors, each with its location
(the keys and indexes from the top of the data: ``("sources", 0, "pinpoint")``), what went wrong
("unknown", "missing" or "invalid"), a message and, for an unknown key, the keys the place may
hold (for a did-you-mean). `models.validate` turns them into problems with FILE:LINE.

A model is a class deriving from `Model`: it becomes a frozen, keyword-only dataclass whose
annotations are the schema. Extra keys are refused; a list or dict default is copied for each
instance; ``field_check("a", "b")(fn)`` checks (and may normalise) fields, its ValueError reported
at the field; a `_check` method checks the whole object, its ValueError reported at the object.
The checks run on every construction, from a file or in code. A field whose key in the file
differs from its name says so: ``from_: str = field(default="", metadata={ALIAS: "from"})``; a
field a loader fills in is ``internal()``.

The types a field may have: str, int, bool, float, `datetime.date`, `pathlib.Path`, Any, Literal,
``X | None``, unions, list[X], dict[K, V], another model, and the types registered with
`parser` (`models.PartialDate`). Conversion is as lax as a hand-written file needs and no more:
an int may be written as digits in a string, a bool as yes/no/true/false/on/off/1/0, a date as
YYYY-MM-DD; a number is never taken for a string.

Until 0.2 this was pydantic: importing it and building the models took about 90 ms of every
cold `advocate render` (issue 18, measured with ``python -X importtime``); these few types need
none of its machinery. docs/architecture.md says so.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

Loc = tuple["str | int", ...]
ALIAS = "advocate.alias"  # field metadata: the key the field has in a file
_INTERNAL = "advocate.internal"  # field metadata: filled in by a loader (`internal`)
_BAD = object()  # a value that did not convert (its error is recorded)
_PARSERS: dict[type, Callable[[Any], Any]] = {}


@dataclasses.dataclass(frozen=True)
class SchemaError:
    loc: Loc
    kind: Literal["unknown", "missing", "invalid"]
    message: str
    known: tuple[str, ...] = ()  # "unknown": the keys the place may hold

    @property
    def dotted(self) -> str:
        return ".".join(str(part) for part in self.loc)


class FieldError(ValueError):
    """A field check's refusal, naming the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Invalid(ValueError):
    """Data that does not fit a model: every error in it."""

    def __init__(self, errors: list[SchemaError]):
        super().__init__("; ".join(f"{e.dotted}: {e.message}" if e.loc else e.message for e in errors))
        self.errors = errors


def parser(kind: type) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register `fn(value) -> instance of kind` (raising ValueError) as the conversion to `kind`."""

    def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _PARSERS[kind] = fn
        return fn

    return register


@dataclasses.dataclass(frozen=True)
class _FieldCheck:
    names: tuple[str, ...]
    fn: Callable[[Any], Any]


def field_check(*names: str) -> Callable[[Callable[[Any], Any]], Any]:
    """In a model's body, ``_check_title = field_check("title")(fn)``: `fn(value)` returns the
    value (or a normalised one) or raises ValueError, which is reported at the field."""
    return lambda fn: _FieldCheck(names, fn)


def internal(**kwargs: Any) -> Any:
    """A field a loader fills in (a letter's folder), never written in a file: left out of the
    keys a did-you-mean offers."""
    return dataclasses.field(metadata={_INTERNAL: True}, **kwargs)


@typing.dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field, internal))
class Model:
    """The base of every model (see the module's docstring)."""

    __field_checks__: typing.ClassVar[tuple[tuple[str, Callable[[Any], Any]], ...]] = ()
    __init_fields__: typing.ClassVar[tuple[tuple[str, Any, Any], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        checks = list(cls.__field_checks__)
        for name, value in list(vars(cls).items()):
            if isinstance(value, _FieldCheck):
                checks += [(field, value.fn) for field in value.names]
                delattr(cls, name)
            elif isinstance(value, (list, dict)) and name in cls.__dict__.get("__annotations__", {}):
                setattr(cls, name, dataclasses.field(default_factory=_copier(value)))
        cls.__field_checks__ = tuple(checks)
        # The fields only: __init__, __repr__, __eq__ and __hash__ are Model's, the same for every
        # model, and frozen by Model.__setattr__ (dataclasses would compile six functions per
        # class: 15 ms of a cold start for the models of workspace files)
        dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
        cls.__init_fields__ = tuple(
            (field.name, field.default, field.default_factory) for field in dataclasses.fields(cls) if field.init  # type: ignore[arg-type]
        )

    def __init__(self, **values: Any) -> None:
        for name, default, factory in self.__init_fields__:
            if name in values:
                value = values.pop(name)
            elif default is not dataclasses.MISSING:
                value = default
            elif factory is not dataclasses.MISSING:
                value = factory()
            else:
                raise TypeError(f"{type(self).__name__}() missing required keyword argument: {name!r}")
            object.__setattr__(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {next(iter(values))!r}")
        self.__post_init__()

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name, _, _ in self.__init_fields__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, _, _ in self.__init_fields__)
        return f"{type(self).__qualname__}({shown})"

    def __post_init__(self) -> None:
        for name, check in self.__field_checks__:
            value = getattr(self, name)
            try:
                checked = check(value)
            except FieldError:
                raise
            except ValueError as exc:
                raise FieldError(name, str(exc)) from None
            if checked is not value:
                object.__setattr__(self, name, checked)
        self._check()

    def _check(self) -> None:
        """The whole object's check: raise ValueError (reported at the object)."""


def _copier(value: Any) -> Callable[[], Any]:
    return lambda: copy.copy(value)


def convert(model: Any, data: Any, loc: Loc = ()) -> Any:
    """`data` as an instance of `model`; raises `Invalid` with every error in it."""
    errors: list[SchemaError] = []
    value = _converter(model)(data, loc, errors)
    if errors or value is _BAD:
        raise Invalid(errors or [SchemaError(loc, "invalid", "invalid")])
    return value


def file_keys(model: Any) -> list[str]:
    """The keys a file may hold for `model` (its `internal` fields excepted)."""
    return [key for key, field, _ in _plan(model) if not field.metadata.get(_INTERNAL)]


Converter = Callable[[Any, Loc, list[SchemaError]], Any]


@cache
def _converter(kind: Any) -> Converter:
    """The function converting data to `kind` (recording errors, returning _BAD on failure)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any or kind is object:
        return lambda value, loc, errors: value
    if isinstance(kind, type) and issubclass(kind, Model):
        return _model_converter(kind)
    if origin is Literal:
        return _literal(args)
    if origin in (typing.Union, types.UnionType):
        return _union(args)
    if origin is list:
        return _list(_converter(args[0]) if args else _converter(Any))
    if origin is dict:
        return _dict(*(map(_converter, args) if args else (_converter(Any), _converter(Any))))
    if kind in _PARSERS:
        return _parsed(_PARSERS[kind])
    if kind in _SCALARS:
        return _parsed(_SCALARS[kind])
    raise TypeError(f"no conversion to {kind!r}")  # a programming error in a model


def _fail(errors: list[SchemaError], loc: Loc, message: str) -> Any:
    errors.append(SchemaError(loc, "invalid", message))
    return _BAD


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _parsed(parse: Callable[[Any], Any]) -> Converter:
    def convert(value: Any, loc: Loc, errors: list[SchemaError]) -> Any:
        try:
            return parse(value)
        except ValueError as exc:
            return _fail(errors, loc, str(exc))

    return convert


def _literal(choices: tuple[Any, ...]) -> Converter:
    *rest, last = (repr(c) for c in choices)
    shown = f"{', '.join(rest)} or {last}" if rest else last

    def convert(value: Any, loc: Loc, errors: list[SchemaError]) -> Any:
        for choice in choices:
            if value == choice and type(value) is type(choice):
                return choice
        return _fail(errors, loc, f"expected {shown}, got {_shown(value)}")

    return convert


def _union(kinds: tuple[Any, ...]) -> Converter:
    optional = type(None) in kinds
    rest = [kind for kind in kinds if kind is not type(None)]
    converters = [_converter(kind) for kind in rest]

    def convert(value: Any, loc: Loc, errors: list[SchemaError]) -> Any:
        if value is None and optional:
            return None
        if len(converters) == 1:
            return converters[0](value, loc, errors)
        attempts: list[list[SchemaError]] = []
        for one in converters:
            tried: list[SchemaError] = []
            result = one(value, loc, tried)
            if result is not _BAD and not tried:
                return result
            attempts.append(tried)
        closest: list[SchemaError] = min(attempts, key=len)  # the type the value came closest to
        errors.extend(closest)
        return _BAD

    return convert


def _list(item: Converter) -> Converter:
    def convert(value: Any, loc: Loc, errors: list[SchemaError]) -> Any:
        if not isinstance(value, (list, tuple)):
            return _fail(errors, loc, f"expected a list, got {_shown(value)}")
        out = [item(v, (*loc, i), errors) for i, v in enumerate(value)]
        return _BAD if _BAD in out else out

    return convert


def _dict(key: Converter, item: Converter) -> Converter:
    def convert(value: Any, loc: Loc, errors: list[SchemaError]) -> Any:
        if not isinstance(value, dict):
            return _fail(errors, loc, f"expected a mapping, got {_shown(value)}")
        out, bad = {}, False
        for k, v in value.items():
            ck, cv = key(k, (*loc, k), errors), item(v, (*loc, k), errors)
            bad = bad or ck is _BAD or cv is _BAD
            out[ck] = cv
        return _BAD if bad else out

    return convert


@cache
def _plan(model: Any) -> tuple[tuple[str, dataclasses.Field[Any], Converter], ...]:
    """(key in a file, field, converter) of each field of `model`."""
    hints = typing.get_type_hints(model)
    return tuple(
        (field.metadata.get(ALIAS, field.name), field, _converter(hints[field.name]))
        for field in dataclasses.fields(model)
        if field.init
    )


def _model_converter(model: Any) -> Converter:
    def convert(value: Any, loc: Loc, errors: list[SchemaError]) -> Any:
        if not isinstance(value, dict):
            return _fail(errors, loc, f"expected a mapping, got {_shown(value)}")
        plan = _plan(model)
        before = len(errors)
        keys = {key for key, _, _ in plan}
        for extra in value:
            if extra not in keys:
                errors.append(SchemaError((*loc, extra), "unknown", f"unknown key {extra!r}", tuple(file_keys(model))))
        kwargs = {}
        for key, field, conv in plan:
            if key in value:
                kwargs[field.name] = conv(value[key], (*loc, key), errors)
            elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                errors.append(SchemaError((*loc, key), "missing", "missing required key"))
        if len(errors) > before:
            return _BAD
        try:
            return model(**kwargs)
        except FieldError as exc:
            key = next((k for k, f, _ in plan if f.name == exc.field), exc.field)
            return _fail(errors, (*loc, key), str(exc))
        except ValueError as exc:
            return _fail(errors, loc, str(exc))

    return convert


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"expected text, got {_shown(value)}")


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"expected a whole number, got {_shown(value)}")


def _float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"expected a number, got {_shown(value)}")


_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and isinstance(value, int):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected true or false, got {_shown(value)}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a date YYYY-MM-DD, got {_shown(value)}")


def _path(value: Any) -> Path:
    if isinstance(value, (str, Path)):
        return Path(value)
    raise ValueError(f"expected a path, got {_shown(value)}")


_SCALARS: dict[Any, Callable[[Any], Any]] = {str: _str, int: _int, float: _float, bool: _bool, dt.date: _date, Path: _path}
