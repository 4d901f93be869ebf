"""Typed, frozen models of everything loaded from a workspace.

In: plain data from YAML (see docs/formats.md). Out: validated models (frozen dataclasses, see
`schema`). Schema errors are turned into `Problem`s with FILE:LINE by `validate()`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from functools import total_ordering
from pathlib import Path
from typing import Any, Literal

from .errors import Problem, Where
from .languages import LANGS
from .schema import Invalid, Model, SchemaError, convert, field_check, internal, parser
from .yamlio import line_of

Flag = Literal["V", "V2", "U"]
VERIFIED_FLAGS = ("V", "V2")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
STATE_RE = re.compile(r"^[A-Z]{2}$")


@total_ordering
class PartialDate:
    """A date known to the day, the month or only the year."""

    __slots__ = ("year", "month", "day")

    def __init__(self, year: int, month: int | None = None, day: int | None = None):
        dt.date(year, month or 1, day or 1)  # validates ranges
        self.year, self.month, self.day = year, month, day

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    @classmethod
    def parse(cls, value: Any) -> PartialDate:
        """`value` (a date, a year, or "YYYY-MM-DD", "YYYY-MM", "YYYY") as a PartialDate."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int) and 1000 <= value <= 9999:
            return cls(value)
        if isinstance(value, str):
            m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value.strip())
            if m:
                try:
                    year, month, day = (int(g) if g else None for g in m.groups())
                    return cls(year or 0, month, day)
                except ValueError as exc:
                    raise ValueError(f"not a real date: {value!r} ({exc})") from None
        raise ValueError(f"expected a date YYYY-MM-DD, YYYY-MM or YYYY, got {value!r}")

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day:
            return self.first_day()
        if self.month:
            nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDate) and self._key() == other._key()

    def __lt__(self, other: PartialDate) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"] + [f"{p:02d}" for p in (self.month, self.day) if p]
        return "-".join(parts)

    __repr__ = __str__


parser(PartialDate)(PartialDate.parse)
PDate = PartialDate  # a field of this type takes a date, a year, or "YYYY-MM-DD", "YYYY-MM", "YYYY"


def _need_english(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is not None:
        unknown = sorted(lang for lang in value if lang not in LANGS)
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}: not a language tag CLDR knows (de, pt_BR, zh_Hant)")
        if "en" not in value:
            raise ValueError("an English ('en') text is required")
    return value


def _known_languages(value: dict[str, str]) -> dict[str, str]:
    _need_english({"en": "", **value})
    return value


class Fact(Model):
    flag: Flag
    source: str = ""

    @property
    def verified(self) -> bool:
        return self.flag in VERIFIED_FLAGS


# The grammatical cases a sentence may ask a state's name in (`state(code, case=...)`); a language
# whose grammar has no such case, or a state without the form, prints the nominative.
Case = Literal["genitive", "dative", "accusative", "instrumental", "prepositional"]
StateForm = Literal["name", "formal", "abbr"]


class State(Model):
    """A state's names per language: `name` (in running text), `formal` (address blocks), `abbr`
    (after its definition); `cases`: language -> form -> case -> the declined name; `to`: the names
    a letter to another state's government uses (audience state -> form -> language -> name, e.g.
    북한 rather than 조선민주주의인민공화국 for the DPRK in a Korean letter to Seoul)."""

    code: str
    name: dict[str, str]
    formal: dict[str, str]
    abbr: dict[str, str] = {}
    cases: dict[str, dict[StateForm, dict[Case, str]]] = {}
    to: dict[str, dict[StateForm, dict[str, str]]] = {}

    _check_name = field_check("name", "formal")(_need_english)


class Adoption(Fact):
    date: PDate
    by: str | None = None
    place: str | None = None


class EntryIntoForce(Fact):
    date: PDate


class Unts(Fact):
    volume: int
    page: int | None = None
    number: int | None = None
    note: str = ""


TextFlag = Literal["V", "V2", "V2-partial", "U"]


class Article(Fact):
    """An article's text: the English (`flag`, `source`) and the other languages' texts, each with
    its own flag and source (`V2-partial`: only the fragment held was seen, never extended), and a
    `paraphrase` (English, translated through the catalogues) that letters in a language without a
    verified text state instead of quoting."""

    text: dict[str, str]
    text_flags: dict[str, TextFlag] = {}
    text_sources: dict[str, str] = {}
    paraphrase: dict[str, str] | None = None
    _check_paraphrase = field_check("paraphrase")(_need_english)
    _check_text = field_check("text")(_known_languages)  # the English text is checked with the flag, below

    def _check(self) -> None:
        """Each text has its flag and source; the English one is required unless flag is U."""
        if "en" not in self.text and self.flag != "U":
            raise ValueError("an English ('en') text is required (or flag: U when the English text is not verified)")
        for lang in self.text:
            if lang != "en" and (lang not in self.text_flags or not self.text_sources.get(lang)):
                raise ValueError(f"the {lang!r} text needs its flag in text_flags and its source in text_sources")
        for lang in {**self.text_flags, **self.text_sources}:
            if lang not in self.text:
                raise ValueError(f"text_flags or text_sources name {lang!r}, but there is no {lang!r} text")

    def own_text(self, lang: str) -> str | None:
        """The complete verified text in `lang` (V or V2), else None: a fragment (V2-partial) or an
        unverified text is never quoted as the article."""
        if lang == "en":
            return self.text.get("en") if self.verified else None
        return self.text[lang] if self.text_flags.get(lang) in VERIFIED_FLAGS else None


class StatusPage(Fact):
    """Where the depositary records the treaty's status (signatures, ratifications, accessions):
    the UN Treaty Collection's page for chapter and number `chapter` ("IV-9") at `url`."""

    chapter: str
    url: str


class TextLanguages(Fact):
    """Languages of a treaty's texts: the authentic ones, or the national official translations."""

    languages: list[str]


class Party(Fact):
    status: Literal["none", "signed", "ratified", "acceded"]
    signed: PDate | None = None
    date: PDate | None = None
    in_force: PDate | None = None
    reservations: list[str] = []
    date_flag: Flag | None = None
    note: str = ""

    @property
    def bound(self) -> bool:
        return self.status in ("ratified", "acceded") and self.verified


class Treaty(Model):
    key: str
    kind: Literal["treaty", "declaration"] = "treaty"
    short_title: str
    title: dict[str, str]
    title_flags: dict[str, Flag] = {}
    title_source: str = ""
    adopted: Adoption
    entry_into_force: EntryIntoForce | None = None
    unts: Unts | None = None
    status_page: StatusPage | None = None
    authentic: TextLanguages | None = None
    official_translations: TextLanguages | None = None
    articles: dict[str, Article] = {}
    parties: dict[str, Party] = {}
    flag: Flag = "V"
    source: str = ""

    _check_title = field_check("title")(_need_english)

    def text_kind(self, lang: str) -> str | None:
        """What the library verifies about the treaty's text in `lang`: "official translation" (a
        national official translation), "translation" (not one of the authentic texts, whose full
        list is verified), "authentic", or None (not verified)."""
        official, authentic = self.official_translations, self.authentic
        if official and official.verified and lang in official.languages:
            return "official translation"
        if authentic and authentic.verified:
            return "authentic" if lang in authentic.languages else "translation"
        return None


class Document(Fact):
    key: str
    kind: Literal[
        "un_report",
        "resolution",
        "press_release",
        "ngo_report",
        "ngo_letter",
        "news",
        "petition",
        "hearing",
        "statement",
        "judgment",
    ]
    author: str
    title: dict[str, str] | None = None
    description: dict[str, str] | None = None
    short: str | None = None
    date: PDate
    symbol: str | None = None
    report: str | None = None  # a judgment's law report: "[2012] ICJ Rep 422"
    publisher: str | None = None
    url: str | None = None
    accessed: dt.date | None = None
    note: str = ""

    _check_texts = field_check("title", "description")(_need_english)


class Count(Model):
    value: int
    qualifier: Literal["exact", "about", "over", "up_to", "at_least", "more_than"] = "exact"
    unit: str = "people"
    estimate: bool = False
    attributed_to: list[str] = []
    flag: Flag
    note: str = ""


class SourceRef(Model):
    document: str
    pinpoint: str | None = None
    reliability: Literal["highly_reliable", "likely_reliable", "unsure"]
    connection: Literal["victim", "witness", "relative", "secondary_report", "official"]


class Victim(Model):
    name: str
    consent: Literal["given", "refused", "unknown"]
    confidential: bool = True
    details: dict[str, str] = {}


class Related(Model):
    treaty: str
    article: str | None = None


class Incident(Model):
    key: str
    title: dict[str, str]
    date: PDate
    date_estimated: bool = False
    time: dict[str, str] | None = None
    places: list[str] = []
    perpetrator: str | None = None
    receiving_state: str | None = None
    kind: Literal["forced_return", "detention", "disappearance", "other"] = "other"
    counts: list[Count] = []
    summary: dict[str, str]
    sources: list[SourceRef] = []
    victims: list[Victim] = []
    related: list[Related] = []
    flag: Flag
    note: str = ""

    _check_texts = field_check("title", "summary")(_need_english)

    @property
    def verified(self) -> bool:
        return self.flag in VERIFIED_FLAGS


class PostalAddress(Model):
    lines: list[str] = []
    locality: str | None = None
    postal_code: str | None = None
    country: str
    source: str


AddresseeKind = Literal[
    "head_of_state",
    "foreign_ministry",
    "ministry",
    "un_mandate",
    "un_office",
    "permanent_mission",
    "organisation",
]
ADDRESSEE_KINDS: tuple[str, ...] = AddresseeKind.__args__  # type: ignore[attr-defined]


class Addressee(Model):
    key: str
    kind: AddresseeKind
    state: str | None = None
    name: dict[str, str] | None = None
    title: dict[str, str]
    salutation: dict[str, str]
    address: PostalAddress | None = None
    email: str | None = None
    email_source: str | None = None
    languages: list[str] = ["en"]
    channels: list[Literal["email", "post", "form"]] = []
    note: str = ""
    # The form of address the person holding the office takes: with "female", the catalogues'
    # "feminine" variants of the messages addressed to them are used (Arabic agreement, la Rapporteuse).
    gender: Literal["female", "male"] | None = None

    _check_texts = field_check("title", "salutation", "name")(_need_english)


VarType = Literal["str", "text", "int", "bool", "date", "choice", "list", "addressee", "state"]


class Variable(Model):
    type: VarType = "str"
    default: Any = None
    required: bool = False
    choices: list[str] = []
    help: str = ""


class Example(Model):
    to: str
    lang: str = "en"
    vars: dict[str, Any] = {}
    signatories: str | None = None
    confidential: bool = False
    name: str | None = None


def _month_day(value: str) -> str:
    try:
        dt.date.fromisoformat(f"2000-{value}")
    except ValueError:
        raise ValueError(f"{value!r} is not a month and day (MM-DD)") from None
    return value


class Deadline(Model):
    """A yearly date by which the letter must have arrived (`deadline` in letter.yaml): the usual
    date ("MM-DD"), a date variable that gives this year's date, and how many days before it a
    letter is too close."""

    event: str
    usual: str
    variable: str | None = None
    lead_days: int = 21

    _check_usual = field_check("usual")(_month_day)

    def on(self, year: int) -> dt.date:
        """The usual date in `year` (29 February falls back to the 28th)."""
        month, day = (int(x) for x in self.usual.split("-"))
        return dt.date(year, month, min(day, 28) if (month, day) == (2, 29) else day)


class LetterSpec(Model):
    name: str
    title: str
    kind: Literal["government_letter", "un_submission", "signon", "petition", "mission_letter"]
    purpose: str
    languages: list[str] = ["en"]
    addressee_kinds: list[AddresseeKind]
    respondent: str = "addressee"
    respondent_states: list[str] = []  # the States whose obligations the prose states (empty: any)
    addressee_states: list[str] = []  # the States whose authorities the prose addresses (empty: any)
    excluded_states: list[str] = []
    addressee_localities: list[str] = []  # the seats (address localities) of its addressees (empty: any)
    deadline: Deadline | None = None
    variables: dict[str, Variable] = {}
    signatories: Literal["none", "optional", "required"] = "none"
    standalone: bool = False  # the template lays out its own page, not extending _base/base.html.j2 (on purpose)
    examples: list[Example] = []
    # The only languages its recipients accept (UN Special Procedures: en, fr, es); empty: any.
    # ``languages: all`` is narrowed to them; rendering in another language is refused.
    accepted_languages: list[str] = []
    path: Path = internal()
    line_of_key: dict[str, int] = internal(default_factory=dict)

    def _check(self) -> None:
        """Every declared language must be one the recipients accept (when `accepted_languages` is set)."""
        refused = [lang for lang in self.languages if self.accepted_languages and lang not in self.accepted_languages]
        if refused:
            raise ValueError(
                f"languages: {', '.join(refused)} not among accepted_languages ({', '.join(self.accepted_languages)}): "
                "its recipients would refuse that version"
            )


def validate(model: type[Model], data: Any, path: Path, extra: dict[str, Any] | None = None) -> tuple[Any, list[Problem]]:
    """Validate `data` (from load_yaml) into `model`, with `extra` (what the loader fills in) added;
    every schema error becomes a Problem with the line of the key at fault."""
    if not isinstance(data, dict):
        return None, [Problem("error", Where(path, getattr(data, "line", 0)), f"expected a mapping, got {type(data).__name__}")]
    try:
        return convert(model, {**data, **(extra or {})}), []
    except Invalid as exc:
        return None, [_problem(err, data, path) for err in exc.errors]


def _problem(err: SchemaError, data: Any, path: Path) -> Problem:
    where = Where(path, line_of(data, err.loc))
    if err.kind == "unknown":
        close = difflib.get_close_matches(str(err.loc[-1]), err.known, n=1)
        inside = ".".join(map(str, err.loc[:-1]))
        return Problem(
            "error",
            where,
            f"unknown key {err.loc[-1]!r}" + (f" in {inside}" if inside else ""),
            hint=f"did you mean {close[0]!r}?" if close else "see docs/formats.md for the keys this file may hold",
        )
    if err.kind == "missing":
        return Problem("error", where, f"missing required key {err.dotted!r}")
    return Problem("error", where, f"{err.dotted}: {err.message}" if err.loc else err.message)
