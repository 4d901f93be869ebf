"""A letter's variables: what the request gives, checked against letter.yaml and typed.

In: the letter spec, the raw values (``--var``, ``--vars``, a campaign), the addressees and the
library. Out: the values typed (dates, numbers, addressees, states, choices) with their defaults,
and a `Problem` for each missing, unknown or malformed one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..core.errors import InputError, Problem, Where, suggest
from ..core.models import Addressee, LetterSpec
from ..load.library import Library


def check_variables(
    spec: LetterSpec, given: dict[str, Any], addressees: dict[str, Addressee], lib: Library
) -> tuple[dict[str, Any], list[Problem]]:
    """Merge defaults and given values, coercing each to its declared type."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name in given:
        if name not in spec.variables:
            problems.append(
                Problem(
                    "error",
                    Where("--var", 0, name),
                    f"unknown variable {name!r} for letter {spec.name!r}",
                    f"known: {', '.join(spec.variables) or 'none'} (`advocate show {spec.name}`)",
                )
            )
    for name, var in spec.variables.items():
        if name in given:
            raw = given[name]
        elif var.default is not None:
            raw = var.default
        elif var.required:
            problems.append(
                Problem(
                    "error",
                    Where("--var", 0, name),
                    f"required variable {name!r} is missing",
                    f"give it with --var {name}=VALUE ({var.type}{': ' + var.help if var.help else ''})",
                )
            )
            continue
        else:
            values[name] = [] if var.type == "list" else None
            continue
        try:
            values[name] = coerce(var.type, raw, var.choices, addressees, lib)
        except ValueError as exc:
            problems.append(Problem("error", Where("--var", 0, name), f"variable {name!r}: {exc}", f"expected type {var.type}"))
    return values, problems


def coerce(kind: str, raw: Any, choices: list[str], addressees: dict[str, Addressee], lib: Library) -> Any:
    if kind in ("str", "text"):
        if isinstance(raw, (dict, list)):
            raise ValueError(f"expected text, got {type(raw).__name__}")
        return str(raw)
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError(f"expected an integer, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected an integer, got {raw!r}") from None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("yes", "true", "1", "on"):
            return True
        if str(raw).lower() in ("no", "false", "0", "off"):
            return False
        raise ValueError(f"expected yes or no, got {raw!r}")
    if kind == "date":
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {raw!r}") from None
    if kind == "choice":
        if str(raw) not in choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(choices)}")
        return str(raw)
    if kind == "list":
        items = raw if isinstance(raw, list) else [x.strip() for x in str(raw).split(",") if x.strip()]
        return [str(x) for x in items]
    if kind == "addressee":
        items = raw if isinstance(raw, list) else [x.strip() for x in str(raw).split(",") if x.strip()]
        for key in items:
            if key not in addressees:
                raise ValueError(f"unknown addressee {key!r}; {suggest(key, sorted(addressees))}")
        return [addressees[k] for k in items]
    if kind == "state":
        if str(raw) not in lib.states:
            raise ValueError(f"unknown state {raw!r}; known: {', '.join(sorted(lib.states))}")
        return str(raw)
    raise InputError(f"unknown variable type {kind!r}")
