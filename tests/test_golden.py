"""Golden HTML: every example of every bundled letter, composed for a fixed date, must equal the
expected file in tests/golden/. After an intended change, `make golden` rewrites them; review the
diff before committing."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from generator.compose.build import compose_html, example_requests
from generator.core.workspace import open_workspace
from generator.load.loaded import load

GOLDEN = Path(__file__).parent / "golden"
DATE = dt.date(2026, 11, 23)
UPDATE = os.environ.get("ADVOCATE_UPDATE_GOLDEN") == "1"

_loaded = load(open_workspace())
CASES = example_requests(_loaded, DATE)


def test_every_letter_has_a_golden_example() -> None:
    letters_with_examples = {request.letter for _stem, request in CASES}
    assert letters_with_examples == set(_loaded.letters)
    if not UPDATE:
        expected = {p.stem for p in GOLDEN.glob("*.html")}
        assert expected == {stem for stem, _ in CASES}, "golden files and examples differ: run `make golden`"


@pytest.mark.parametrize(("stem", "request_"), CASES, ids=[stem for stem, _ in CASES])
def test_golden_html(stem: str, request_) -> None:  # type: ignore[no-untyped-def]
    html = compose_html(_loaded, request_).html
    path = GOLDEN / f"{stem}.html"
    if UPDATE:
        path.write_text(html, encoding="utf-8")
    assert path.is_file(), f"no golden file {path.name}: run `make golden`"
    assert html == path.read_text(encoding="utf-8"), f"{stem} differs from {path.name}: review, then `make golden`"
