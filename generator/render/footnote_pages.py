"""Where footnotes landed: each footnote at the foot of the page that calls it.

In: a laid-out WeasyPrint document. Out: the footnotes that are not at the foot of the page of
their call (a footnote too long for one page may continue at the foot of the next page). The
shared stylesheet asks for this (`footnote-policy: line`: a note that does not fit takes the line
that calls it to the next page) and generator/render/weasy.py makes WeasyPrint keep that promise when
widows and orphans are at stake; this is the check that it did.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Misplaced:
    page: int  # 1-based page of the call
    number: int  # the footnote's number in the letter
    foot: int | None  # the page whose foot holds it, None if on none


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def _page_footnotes(page: Any) -> tuple[list[int], list[int]]:
    """(ids of the footnote elements called in the page's body, in order; ids of those at its foot)."""
    from weasyprint.formatting_structure import boxes

    calls: list[int] = []
    feet: list[int] = []
    for box in _boxes(page._page_box):
        if isinstance(box, boxes.FootnoteAreaBox):
            feet += [id(note.element) for note in box.children]
        elif (getattr(box, "element_tag", None) or "").endswith("::footnote-call") and isinstance(box, boxes.InlineBox):
            calls.append(id(box.element))
    return calls, feet


def misplaced_footnotes(document: Any) -> list[Misplaced]:
    """Every footnote whose call is on a page whose foot does not hold it."""
    pages = [_page_footnotes(page) for page in document.pages]
    numbers: dict[int, int] = {}
    for calls, _ in pages:
        for element in calls:
            numbers.setdefault(element, len(numbers) + 1)
    feet_of: dict[int, int] = {}
    for n, (_, feet) in enumerate(pages, 1):
        for element in feet:
            feet_of.setdefault(element, n)
    return [
        Misplaced(n, numbers[element], feet_of.get(element))
        for n, (calls, feet) in enumerate(pages, 1)
        for element in dict.fromkeys(calls)
        if element not in feet
    ]
