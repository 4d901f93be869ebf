"""Every footnote at the foot of the page that calls it: every bundled letter, in every language
it has, on A4 and on US Letter (one example per letter, and the confidential one)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from generator.build import compose_html, example_requests, load
from generator.footnote_pages import misplaced_footnotes
from generator.pdf import lay_out
from generator.weasy import as_published, import_weasyprint
from generator.workspace import open_workspace

DATE = dt.date(2026, 11, 23)
LOADED = load(open_workspace(None))
import_weasyprint()


def _requests() -> list[Any]:
    seen: set[tuple[str, bool]] = set()
    cases = []
    for _, request in example_requests(LOADED, DATE):
        if (request.letter, request.confidential) in seen:
            continue
        seen.add((request.letter, request.confidential))
        for lang in LOADED.letters[request.letter].languages:
            for paper in ("A4", "letter"):
                cases.append(pytest.param(dataclasses.replace(request, lang=lang, paper=paper), id=f"{request.letter}-{lang}-{paper}"))
    return cases


def _document(request: Any) -> Any:
    letter = compose_html(LOADED, request)
    return lay_out(LOADED.ws, letter.html, letter.spec.path, request.paper)[0]


@pytest.mark.parametrize("request_", _requests())
def test_every_footnote_is_on_the_page_of_its_call(request_: Any) -> None:
    document = _document(request_)
    assert misplaced_footnotes(document) == []


def test_the_check_finds_notes_weasyprint_moves_away_from_their_calls() -> None:
    """WeasyPrint as published moves notes to the next page to keep widows and orphans: the check
    sees it, in letters where that happened before the change."""
    found = []
    for letter, to, lang, paper in [("china-nonrefoulement", "cn-president", "es", "A4"), ("china-nonrefoulement", "cn-mfa", "ko", "A4"),
                                    ("dprk-whereabouts", "kp-mfa", "fr", "letter")]:
        request = next(r for _, r in example_requests(LOADED, DATE) if r.letter == letter and r.addressee == to)
        request = dataclasses.replace(request, lang=lang, paper=paper)
        with as_published("footnote-policy"):
            found += misplaced_footnotes(_document(request))
        assert misplaced_footnotes(_document(request)) == []
    assert found and all(m.foot is None or m.foot > m.page for m in found)
