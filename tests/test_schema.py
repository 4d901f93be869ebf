"""core/schema.py: plain data into frozen models, every error collected with where it is."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Literal

import pytest

from generator.core.models import PartialDate
from generator.core.schema import ALIAS, FieldError, Invalid, Model, convert, field_check, file_keys, internal


def _no_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


class Part(Model):
    label: str
    size: int = 1


class Whole(Model):
    name: str
    kind: Literal["a", "b"] = "a"
    parts: list[Part] = []
    scores: dict[str, int] = {}
    when: dt.date | None = None
    since: PartialDate | None = None
    flag: bool = False
    either: int | list[str] = 0
    anything: Any = None
    from_: str = dataclasses.field(default="", metadata={ALIAS: "from"})
    folder: Path = internal(default=Path("."))

    _check_name = field_check("name")(_no_blank)

    def _check(self) -> None:
        if self.kind == "b" and not self.parts:
            raise ValueError("kind b needs parts")


def _errors(data: Any) -> list[tuple[tuple[Any, ...], str, str]]:
    with pytest.raises(Invalid) as info:
        convert(Whole, data)
    return [(e.loc, e.kind, e.message) for e in info.value.errors]


def test_plain_data_becomes_a_frozen_model_with_lax_scalars_and_copied_defaults() -> None:
    whole = convert(Whole, {"name": " x ", "parts": [{"label": "p", "size": "3"}], "when": "2025-01-02", "since": "2024-05",
                            "flag": "yes", "either": ["s"], "from": "me@example.org", "anything": {"k": [1]}})
    assert whole.name == "x"  # the field check's normalised value
    assert whole.parts == [Part(label="p", size=3)] and whole.when == dt.date(2025, 1, 2)
    assert whole.since == PartialDate(2024, 5) and whole.flag is True and whole.either == ["s"] and whole.from_ == "me@example.org"
    with pytest.raises(dataclasses.FrozenInstanceError):
        whole.name = "y"  # type: ignore[misc]
    one, two = convert(Whole, {"name": "a"}), convert(Whole, {"name": "b"})
    assert one.parts == [] and one.parts is not two.parts  # a default list per instance


def test_every_error_is_collected_with_its_location() -> None:
    errors = _errors({"nmae": "x", "kind": "c", "parts": [{"label": 5}, {"size": 2}, "p"], "scores": {"a": "many"},
                      "when": "yesterday", "flag": "perhaps", "either": {"no": 1}})
    assert (("nmae",), "unknown", "unknown key 'nmae'") in errors
    assert (("name",), "missing", "missing required key") in errors
    assert (("kind",), "invalid", "expected 'a' or 'b', got 'c'") in errors
    assert (("parts", 0, "label"), "invalid", "expected text, got 5") in errors
    assert (("parts", 1, "label"), "missing", "missing required key") in errors
    assert (("parts", 2), "invalid", "expected a mapping, got 'p'") in errors
    assert (("scores", "a"), "invalid", "expected a whole number, got 'many'") in errors
    assert (("when",), "invalid", "expected a date YYYY-MM-DD, got 'yesterday'") in errors
    assert (("flag",), "invalid", "expected true or false, got 'perhaps'") in errors
    assert (("either",), "invalid", "expected a whole number, got a mapping") in errors
    assert len(errors) == 10


def test_unknown_keys_offer_the_keys_the_place_may_hold_but_not_internal_ones() -> None:
    with pytest.raises(Invalid) as info:
        convert(Whole, {"name": "x", "parts": [{"lable": "p"}]})
    unknown = next(e for e in info.value.errors if e.kind == "unknown")
    assert unknown.loc == ("parts", 0, "lable") and unknown.known == ("label", "size")
    assert "folder" not in file_keys(Whole) and "from" in file_keys(Whole) and "from_" not in file_keys(Whole)


def test_checks_report_at_the_field_and_at_the_object_and_run_in_code_too() -> None:
    assert _errors({"name": "  "}) == [(("name",), "invalid", "must not be blank")]
    assert _errors({"name": "x", "kind": "b"}) == [((), "invalid", "kind b needs parts")]
    with pytest.raises(FieldError, match="must not be blank"):
        Whole(name=" ")
    with pytest.raises(ValueError, match="kind b needs parts"):
        dataclasses.replace(Whole(name="x"), kind="b")


def test_a_number_is_never_taken_for_text_nor_a_bool_for_a_number() -> None:
    assert _errors({"name": 12}) == [(("name",), "invalid", "expected text, got 12")]
    assert _errors({"name": "x", "parts": [{"label": "p", "size": True}]}) == [
        (("parts", 0, "size"), "invalid", "expected a whole number, got True")
    ]
