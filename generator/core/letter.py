"""What a letter request is and what building one gives: the types every stage passes along.

In: nothing but the models. Out: `LetterRequest` (letter, addressee, language, variables, date,
signatories, options), `RenderedLetter` (HTML, title, footnotes, warnings, PDF bytes), `Note` (one
footnote) and `Signatory` (one row of a signatories CSV, as a sign-on letter lists it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .errors import Problem
from .models import LetterSpec


@dataclass(kw_only=True, frozen=True)
class Signatory:
    name: str
    organisation: str
    country: str  # ISO 3166-1 alpha-2, or "" when not given
    city: str
    email: str
    public: bool
    line: int = 0

    @property
    def kind(self) -> str:
        return "organisation" if self.organisation else "individual"

    @property
    def display(self) -> str:
        """What a sign-on letter lists: the organisation, else the person."""
        return self.organisation or self.name


@dataclass(kw_only=True)
class LetterRequest:
    letter: str
    addressee: str
    lang: str = "en"
    variables: dict[str, Any] = field(default_factory=dict)
    date: dt.date | None = None
    signatories: list[Signatory] | None = None
    strict: bool = False
    paper: str | None = None
    confidential: bool = False
    wet_ink: bool = False  # signature lines to sign by hand instead of signature fields


@dataclass
class Note:
    number: int
    html: Markup
    sources: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return Markup(self.html).striptags()


@dataclass(kw_only=True)
class RenderedLetter:
    request: LetterRequest
    spec: LetterSpec
    html: str
    title: str
    notes: list[Note]
    warnings: list[Problem] = field(default_factory=list)
    pdf: bytes | None = None
    untranslated: list[str] = field(default_factory=list)  # the messages that fell back to English
