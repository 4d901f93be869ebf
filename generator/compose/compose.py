"""From a letter request to a render context.

In: a `LetterRequest` (letter, addressee, language, variables, date, signatories) and the loaded
workspace. Out: the context a letter template is filled with, including the citation functions
(`cite`, `fact`, `quote`, `obligation`, ...). The functions record the problems they find
(unknown or unverified source, incident after the letter date, obligation asserted against a
state that is not bound) with the template file and line of the call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from ..core import i18n
from ..core.errors import Problem, Where, suggest
from ..core.letter import Note
from ..core.models import Case, Document, Incident, PartialDate, Party, Treaty
from ..load.library import Library
from ..render.render import TemplateFunction
from .citing import MAX_NOTE_CHARS, Citer, English, Terms

CASES: tuple[str, ...] = Case.__args__  # type: ignore[attr-defined]
STATUS_WORDS = {"none": "is not a party to", "signed": "has signed but not ratified"}


class Status:
    """What `status()` gives a template: `status`, `bound`, and dates formatted for the sentence that
    states them: `date` (of signature, ratification or accession), `ratified_on` and `acceded_on`
    (the same date, for a sentence that says "ratified" or "acceded": the other status is an error),
    `in_force_since` (the day the treaty entered into force for the state: the day from which it is
    a party). Reading a date the library does not verify calls `missing` (which records the
    problem) and gives a marker, never an empty phrase."""

    __slots__ = ("_date", "_in_force", "_missing", "bound", "status")

    def __init__(self, status: str, bound: bool, date: str | None, missing: Callable[[str], None], in_force: str | None = None):
        self.status, self.bound, self._date, self._missing, self._in_force = status, bound, date, missing, in_force

    @property
    def date(self) -> str:
        if self._date is None:
            self._missing("date")
            return "[date not verified]"
        return self._date

    @property
    def ratified_on(self) -> str:
        return self._as("ratified")

    @property
    def acceded_on(self) -> str:
        return self._as("acceded")

    @property
    def in_force_since(self) -> str:
        if self._in_force is None or not self.bound:
            self._missing("in_force")
            return "[date not verified]"
        return self._in_force

    def _as(self, status: str) -> str:
        if self.status != status:
            self._missing(status)
            return "[date not verified]"
        return self.date


def template_where() -> Where | str:
    """The template file and line of the innermost template frame calling us."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return Where(template.filename or template.name or "<template>", template.get_corresponding_lineno(frame.f_lineno))
        frame = frame.f_back  # type: ignore[assignment]
    return "<template>"


class Runtime:
    """The functions a letter template calls; collects notes and problems."""

    def __init__(
        self,
        library: Library,
        lang: str,
        letter_date: dt.date,
        respondent: str | None,
        public: bool = True,
        terms: Terms | None = None,
    ):
        self.library = library
        self.lang = lang
        self.letter_date = letter_date
        self.respondent = respondent
        self.public = public
        self.terms: Terms = terms or English()
        self.citer = Citer(library, lang, self.terms)
        self.problems: list[Problem] = []
        self.used: list[str] = []
        self.strict = False
        self.audience: str | None = None  # the state whose government the letter addresses

    # -- helpers ---------------------------------------------------------------------------

    def _problem(self, severity: str, message: str, hint: str = "") -> None:
        """Record a problem at the calling template line, once: a block the layout prints more
        than once (the subject: in the title and the "Re:" line) runs its calls each time."""
        problem = Problem(severity, template_where(), message, hint)
        if problem not in self.problems:
            self.problems.append(problem)

    def _lookup(self, key: str) -> Treaty | Document | Incident | None:
        source = self.library.get(key)
        if source is None:
            self._problem("error", f"unknown citation key {key!r}", suggest(key, self.library.keys()))
            return None
        self.used.append(key)
        if not _verified(source):
            self._problem(
                "error",
                f"{key!r} is flagged unverified (U) in the library and cannot be cited",
                "verify it against a primary source and set its flag to V or V2, or leave it out",
            )
        if isinstance(source, Document) and source.date.first_day() > self.letter_date:
            self._problem(
                "error",
                f"document {key!r} is dated {source.date}, after the letter date {self.letter_date}",
                "a letter cannot cite what was not yet published; check --date",
            )
        if isinstance(source, Incident) and source.date.first_day() > self.letter_date:
            self._problem(
                "error",
                f"incident {key!r} is dated {source.date}, after the letter date {self.letter_date}",
                "check the incident date or give the letter a later --date",
            )
        return source

    def _published(self, key: str) -> bool:
        doc = self.library.documents.get(key)
        return doc is not None and doc.date.first_day() <= self.letter_date

    def _call(self, note: Note) -> Markup:
        """The footnote element (an error when the note is too long for a page)."""
        if len(note.text) > MAX_NOTE_CHARS:
            self._problem(
                "error",
                f"footnote {note.number} is {len(note.text)} characters long (limit {MAX_NOTE_CHARS})",
                "split the citation: a footnote taller than the page is cut off by the PDF renderer",
            )
        return Markup('<span class="footnote">%s</span>') % note.html

    def _refs(self, key: str, pinpoint: str | None) -> list[tuple[str, str | None]]:
        """What citing `key` cites: the key itself, or an incident's sources published by the
        letter date (a later one is left out with a warning; an unknown one is an error that the
        library check after the render reports, as `advocate check` does)."""
        source = self.library.get(key)
        if not isinstance(source, Incident):
            return [(key, pinpoint)]
        refs = []
        for ref in source.sources:
            doc = self.library.documents.get(ref.document)
            if doc is not None and self._published(ref.document):
                refs.append((ref.document, ref.pinpoint))
            elif doc is not None:
                message = f"source {ref.document!r} of incident {key!r} is dated {doc.date}, after the letter date {self.letter_date}"
                if not any(p.message.startswith(message) for p in self.problems):  # once, though the incident is cited often
                    self._problem("warning", f"{message}: left out of the footnote", "give the letter a later --date to cite it")
        if not refs:
            self._problem("error", f"none of the sources of incident {key!r} was published by the letter date {self.letter_date}")
        return refs

    # -- template functions -------------------------------------------------------------------

    def cite(self, key: str, pinpoint: str | None = None) -> Markup:
        """One footnote citing `key` (a treaty, document or incident: its sources) at `pinpoint`."""
        return self.cite_all((key, pinpoint))

    def cite_all(self, *items: str | tuple[str, str | None] | list[Any]) -> Markup:
        """One footnote citing several sources: each item is a key or a (key, pinpoint) pair."""
        refs: list[tuple[str, str | None]] = []
        for item in items:
            key, pin = _ref(item)
            if self._lookup(key) is not None:
                refs.extend(self._refs(key, pin))
        if not refs:
            return Markup("")
        return self._call(self.citer.cite(refs))

    def fact(self, key: str) -> Markup:
        """The incident's statement in the letter's language, footnoted to all its sources."""
        source = self._lookup(key)
        if not isinstance(source, Incident):
            if source is not None:
                self._problem("error", f"fact() needs an incident key; {key!r} is a {type(source).__name__.lower()}")
            return Markup("")
        if not source.sources:
            self._problem("error", f"incident {key!r} has no source", "every statement about an incident needs a source")
            return escape(self._text(source.summary, "incident summary"))
        return escape(self._text(source.summary, "incident summary")) + self.cite(key)

    def quote(self, treaty: str, article: str, obligation: bool = False, state: str | None = None) -> Markup:
        """The article's verified text in the letter's language in quotation marks, footnoted ("art
        N", with the label of a translation). A letter in a language without a verified text states
        the rule in its own language instead (the article's paraphrase, through the catalogue, without
        quotation marks) and its footnote gives the English text: English treaty text never stands in
        the body of a letter in another language. With obligation=True the letter asserts it against
        `state` (default: the respondent), which must be bound."""
        source = self._lookup(treaty)
        if not isinstance(source, Treaty):
            return Markup("")
        if obligation and (state or self.respondent):
            self._check_bound(source, state or self.respondent)  # type: ignore[arg-type]
        art = source.articles.get(article)
        if art is None:
            self._problem(
                "error", f"{treaty!r} has no article {article!r} in the library", f"articles held: {', '.join(source.articles) or 'none'}"
            )
            return Markup("")
        text = art.own_text(self.lang)
        if text is not None:
            note = self.citer.cite([(treaty, f"art {article}")], label=self.citer.text_label(source.text_kind(self.lang)))
            return i18n.quoted(i18n.inner_quotes(text, self.lang), self.lang) + self._call(note)
        english = art.own_text("en")
        if english is None:
            self._problem("error", f"the text of {treaty} art {article} is unverified (U)")
            return Markup("")
        return self._paraphrase(source, article, english)

    def _paraphrase(self, treaty: Treaty, article: str, english: str) -> Markup:
        """The rule of `treaty` art `article` stated in the letter's language (no verified text in it),
        footnoted with the English text; an error when the article has no paraphrase."""
        paraphrase = treaty.articles[article].paraphrase
        where = f"{treaty.key} art {article}"
        if paraphrase is None:
            self._problem(
                "error",
                f"no verified {self.lang!r} text of {where} and no paraphrase of it: "
                f"a {self.lang!r} letter does not quote the English text in its body",
                f"add the verified {self.lang!r} text with its flag and source, or a `paraphrase` of the article (docs/formats.md)",
            )
            return Markup("")
        stated = self._text(paraphrase, "treaty paraphrase")  # untranslated: listed with the other untranslated messages
        original = self.citer.original_text(english, authentic=treaty.text_kind("en") == "authentic")
        return escape(stated) + self._call(self.citer.cite([(treaty.key, f"art {article}")], after=original))

    def obligation(self, treaty: str, pinpoint: str | None = None, state: str | None = None) -> Markup:
        """A footnote for an obligation asserted against `state` (default: the letter's respondent)."""
        return self.obligations((treaty, pinpoint), state=state)

    def obligations(self, *items: str | tuple[str, str | None] | list[Any], state: str | None = None) -> Markup:
        """One footnote for obligations under several treaties (keys or (key, pinpoint) pairs)."""
        refs: list[tuple[str, str | None]] = []
        for item in items:
            key, pin = _ref(item)
            source = self._lookup(key)
            if not isinstance(source, Treaty):
                if source is not None:
                    self._problem("error", f"obligation() needs a treaty key; {key!r} is not a treaty")
                continue
            code = state or self.respondent
            if code:
                self._check_bound(source, code)
            refs.append((key, pin))
        return self._call(self.citer.cite(refs)) if refs else Markup("")

    def _check_bound(self, treaty: Treaty, code: str) -> None:
        party = treaty.parties.get(code)
        who = self.library.state_short(code)
        if party is None or not party.verified:
            self._problem(
                "error",
                f"the status of {who} under {treaty.short_title} is not verified in the library",
                "add the state's status with a V or V2 flag before asserting the obligation",
            )
        elif treaty.kind == "declaration":
            return
        elif not party.bound:
            self._problem(
                "error" if self.strict else "warning",
                f"{_cap(who)} {STATUS_WORDS.get(party.status, 'is not bound by')} {treaty.short_title}",
                "cite customary international law or a treaty the state is bound by instead",
            )

    def is_bound(self, treaty: str, state: str | None = None) -> bool:
        source = self.library.get(treaty)
        code = state or self.respondent
        if not isinstance(source, Treaty) or not code:
            return False
        party = source.parties.get(code)
        return bool(party and party.bound)

    def status(self, treaty: str, state: str | None = None) -> Status:
        """A state's verified status under a treaty (`.status`, `.bound`, dates formatted: see
        `Status`); reading a date the library does not verify, or `.ratified_on` of a state that
        acceded (and the reverse), is an error, never a wrong or empty phrase."""
        source = self.library.get(treaty)
        code = state or self.respondent
        party = source.parties.get(code) if isinstance(source, Treaty) and code else None
        if party is None or not party.verified:
            self._problem("error", f"the status of {code} under {treaty} is not verified in the library")
            return Status("unknown", False, None, lambda _: None)
        date_ok = party.date is not None and (party.date_flag or party.flag) != "U"
        date = i18n.format_date(party.date, self.lang) if date_ok and party.date else None
        in_force = i18n.format_date(party.in_force, self.lang) if party.in_force else None
        return Status(party.status, party.bound, date, lambda what: self._status_problem(treaty, str(code), party, what), in_force)

    def _status_problem(self, treaty: str, code: str, party: Party, what: str) -> None:
        """Record why a status date the letter reads cannot be printed (`what`: the date read)."""
        if what in ("ratified", "acceded"):
            message = f"the letter says {code} {what} {treaty}, but the library records its status as {party.status!r}"
            hint = "word the sentence for the recorded status (status().ratified_on or .acceded_on), or correct the library"
        elif what == "in_force":
            message = f"the date {treaty} entered into force for {code} is not verified in the library"
            hint = "add the party's in_force date with its source, or leave it out of the letter"
        else:
            why = "unverified (U)" if party.date else "not"
            message = f"the date of the status of {code} under {treaty} ({party.status}) is {why} in the library"
            hint = "verify the date and flag it V or V2, or leave the date out of the letter"
        self._problem("error", message, hint)

    def status_note(self, *treaties: str, state: str | None = None) -> Markup:
        """One footnote for a sentence stating a state's status under `treaties` (signed, ratified,
        acceded, not a party): it cites the depositary's record, the UN Treaty Collection's status
        page of each treaty, never the treaty text. An error when the state's status or the page
        is not verified in the library."""
        code = state or self.respondent
        cited = []
        for key in treaties:
            source = self._lookup(key)
            if not isinstance(source, Treaty):
                if source is not None:
                    self._problem("error", f"status_note() needs a treaty key; {key!r} is not a treaty")
                continue
            party = source.parties.get(code) if code else None
            if party is None or not party.verified:
                self._problem("error", f"the status of {code} under {key} is not verified in the library")
            if source.status_page is None or not source.status_page.verified:
                self._problem(
                    "error",
                    f"the UN Treaty Collection status page of {key!r} is not verified in the library",
                    "add `status_page: {chapter, url, flag, source}` to the treaty (docs/formats.md)",
                )
                continue
            cited.append(source)
        return self._call(self.citer.status_pages(cited)) if cited else Markup("")

    def victims(self, key: str) -> list[dict[str, str]]:
        """Named victims of an incident: only in a confidential version (``--confidential``);
        a public version gets an empty list. Naming someone without recorded consent is a warning
        (an error under --strict)."""
        source = self._lookup(key)
        if not isinstance(source, Incident) or self.public:
            return []
        named = []
        for victim in source.victims:
            if victim.consent == "refused":
                self._problem("error", f"a victim of {key!r} refused consent to be named")
                continue
            if victim.consent != "given":
                self._problem(
                    "error" if self.strict else "warning",
                    f"consent to name a victim of {key!r} is not recorded",
                    "record consent: given in the incident before sending a named submission",
                )
            named.append({"name": victim.name, "details": self._text(victim.details, "victim details"), "consent": victim.consent})
        return named

    def note(self, text: str) -> Markup:
        return self._call(self.citer.explain(text))

    def title(self, key: str) -> str | Markup:
        source = self._lookup(key)
        if isinstance(source, Treaty):
            return self.citer.title_text(source.title, source.title_flags)
        if isinstance(source, Incident):
            return self._text(source.title, "incident title")
        if isinstance(source, Document) and source.title:
            return self.citer.title_text(source.title)
        return key

    def state(self, code: str, form: str = "name", case: str | None = None) -> str:
        """The state's name in the letter's language: `form` "name" (running text), "formal" or
        "short"; as a letter to the addressee's government names it (`audience`); in the grammatical
        `case` the sentence puts it in, where the language declines names ("из Китая")."""
        if code not in self.library.states:
            self._problem("error", f"unknown state {code!r}", "states are declared in citations/states.yaml")
        if case is not None and case not in CASES:
            self._problem("error", f"unknown case {case!r} for state()", f"cases: {', '.join(CASES)}")
        form = "abbr" if form == "short" else form
        return self.library.state_name(code, self.lang, form, audience=self.audience, case=case)

    def country(self, code: str) -> str:
        """A country's name in the letter's language: the library's formal name when the state is
        declared there, else CLDR's (Babel), else the code itself."""
        code = (code or "").upper()
        if code in self.library.states:
            return self.library.state_name(code, self.lang, "formal")
        return i18n.locale(self.lang).territories.get(code, code)

    def incident(self, key: str) -> Incident | None:
        """The incident record, for conditions; in a public render without its named victims (the
        object holds none: nothing in a public template can reach a name or a consent record)."""
        source = self._lookup(key)
        if not isinstance(source, Incident):
            return None
        return dataclasses.replace(source, victims=[]) if self.public else source

    def date(self, value: Any) -> str:
        return i18n.format_date(PartialDate.parse(value), self.lang)

    def number(self, value: int) -> str:
        return i18n.format_number(value, self.lang)

    def number_words(self, value: int) -> str:
        """A count in the letter's language: in words from zero to ten where the language writes it
        so ("two further organisations"), else in digits."""
        return i18n.number_words(int(value), self.lang)

    def ga_session(self, given: int | None = None) -> int:
        """`given`, or the United Nations General Assembly session in progress at the letter's date:
        regular session N opens in September of 1945 + N. In September itself the opening day
        decides, which the library does not hold: the new session is assumed, with a warning (an
        error under --strict)."""
        if given:
            return int(given)
        year, month = self.letter_date.year, self.letter_date.month
        session = year - 1945 if month >= 9 else year - 1946
        message = f"the General Assembly session is taken to be {session}: a new session opens in September"
        if month == 9 and not any(p.message == message for p in self.problems):  # once, though the subject renders often
            self._problem("warning", message, "check the opening date and give the session: --var session=N")
        return session

    def place_names(self, key: str) -> list[str]:
        """The incident's places in the letter's language (translated through the catalogue)."""
        source = self._lookup(key)
        if not isinstance(source, Incident):
            return []
        return [self.terms.text({"en": place}, "place name") for place in source.places]

    def mandate_names(self, names: list[str]) -> list[str]:
        """UN mandates named by the sender (a letter variable), each in the letter's language where
        the catalogue translates that title (as it translates addressees' titles), else as given: a
        mandate the catalogues do not know is printed as written, and is not an untranslated text."""
        return mandate_names(self.terms, names)

    def join(self, items: list[str]) -> str:
        """A list in the letter's language: "A, B and C", "A、B和C"."""
        return i18n.join([str(i) for i in items], self.lang)

    def _text(self, texts: dict[str, str] | None, context: str) -> str:
        return self.terms.text(texts, context)

    FUNCTIONS = (
        "cite",
        "cite_all",
        "fact",
        "quote",
        "obligation",
        "obligations",
        "status",
        "status_note",
        "victims",
        "country",
        "join",
        "place_names",
        "mandate_names",
        "is_bound",
        "note",
        "title",
        "state",
        "incident",
        "date",
        "number",
        "number_words",
        "ga_session",
    )

    def functions(self) -> dict[str, TemplateFunction]:
        """The template functions by name, each callable from the sandbox (and nothing else of the runtime)."""
        return {name: TemplateFunction(getattr(self, name)) for name in self.FUNCTIONS}


def mandate_names(terms: Terms, names: list[str]) -> list[str]:
    """`names` of UN mandates, each in the catalogue's translation of that title (context
    "addressee title") where `terms` has one, else as given."""
    return [terms.known("addressee title", str(name)) or str(name) for name in names]


def _ref(item: str | tuple[str, str | None] | list[Any]) -> tuple[str, str | None]:
    """A citation argument: a key, or a (key, pinpoint) pair."""
    if isinstance(item, str):
        return item, None
    return item[0], item[1] if len(item) > 1 else None


def _verified(source: Treaty | Document | Incident) -> bool:
    return source.flag in ("V", "V2")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


