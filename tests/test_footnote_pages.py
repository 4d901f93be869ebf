"""Every footnote at the foot of the page that calls it: every bundled letter, in every language
it has, on A4 and on US Letter (one example per letter, and the confidential one)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from generator.compose.build import compose_html, example_requests
from generator.core.workspace import open_workspace
from generator.load.loaded import load
from generator.render.footnote_pages import misplaced_footnotes
from generator.render.pdf import lay_out
from generator.render.weasy import as_published, import_weasyprint

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
    sees it (in the first bundled letter where that happens; which one changes with the letters'
    text), and the same letter with advocate's change has every note on its call's page."""
    for param in _requests():
        (request,) = param.values
        with as_published("footnote-policy"):
            found = misplaced_footnotes(_document(request))
        if found:
            assert all(m.foot is None or m.foot > m.page for m in found)
            assert misplaced_footnotes(_document(request)) == []
            return
    pytest.fail("no bundled letter shows WeasyPrint moving a note away: the check was not exercised")
