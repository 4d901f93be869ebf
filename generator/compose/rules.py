"""The rules a letter request must satisfy, applied by `render`, `batch` and `check` alike.

In: the library, a letter spec, an addressee, the request's variables and date. Out: `Problem`s
(the cited sources' own problems, a stale incident, a missed deadline) and the (message, hint)
pairs of the letter.yaml rules an addressee breaks (`not_written_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..core.errors import Problem, UsageError, Where
from ..core.models import Addressee, Document, Incident, LetterSpec, Treaty
from ..load.library import Library


def check_sources(lib: Library, keys: Iterable[str], today: dt.date | None = None) -> Iterator[Problem]:
    """The library's problems with the sources `keys` (what `advocate check` reports for the whole
    library, and what a render reports for the sources its letter cites)."""
    today = today or dt.date.today()
    for key in dict.fromkeys(keys):
        source = lib.get(key)
        if isinstance(source, Treaty):
            yield from _check_treaty(lib, key, source)
        elif isinstance(source, Incident):
            yield from _check_incident(lib, key, source, today)
        elif isinstance(source, Document):
            yield from _check_document(lib, key, source, today)


def _check_treaty(lib: Library, key: str, treaty: Treaty) -> Iterator[Problem]:
    for code in treaty.parties:
        if code not in lib.states:
            yield Problem("error", lib.where(key, "parties", code), f"{key}: party {code!r} is not declared in citations/states.yaml")
    for lang in treaty.title_flags:
        if lang not in treaty.title:
            yield Problem("error", lib.where(key, "title_flags", lang), f"{key}: title_flags names {lang!r} but there is no {lang!r} title")


def _check_document(lib: Library, key: str, doc: Document, today: dt.date) -> Iterator[Problem]:
    if doc.date.first_day() > today:
        yield Problem("error", lib.where(key, "date"), f"document {key!r} is dated {doc.date}, in the future", "correct its date")


def _check_incident(lib: Library, key: str, incident: Incident, today: dt.date) -> Iterator[Problem]:
    if not incident.sources:
        yield Problem("error", lib.where(key), f"incident {key!r} has no source", "every incident needs at least one source document")
    for i, src in enumerate(incident.sources):
        cited = lib.documents.get(src.document)
        if cited is None:
            yield Problem("error", lib.where(key, "sources", i, "document"), f"incident {key!r} cites unknown document {src.document!r}")
        else:
            yield from _check_document(lib, src.document, cited, today)
    for i, count in enumerate(incident.counts):
        for j, doc in enumerate(count.attributed_to):
            if doc not in lib.documents:
                where = lib.where(key, "counts", i, "attributed_to", j)
                yield Problem("error", where, f"incident {key!r}: count attributed to unknown document {doc!r}")
    for field_name in ("perpetrator", "receiving_state"):
        code = getattr(incident, field_name)
        if code and code not in lib.states:
            where = lib.where(key, field_name)
            yield Problem("error", where, f"incident {key!r}: state {code!r} is not declared in citations/states.yaml")
    for i, rel in enumerate(incident.related):
        if rel.treaty not in lib.treaties:
            where = lib.where(key, "related", i, "treaty")
            yield Problem("error", where, f"incident {key!r}: related treaty {rel.treaty!r} is not in the library")
    for i, victim in enumerate(incident.victims):
        if victim.consent == "refused" and not victim.confidential:
            where = lib.where(key, "victims", i)
            yield Problem("error", where, f"incident {key!r}: a victim who refused consent must be confidential")


def refuse_language(spec: LetterSpec, lang: str) -> None:
    """Refuse `lang` when the letter's recipients do not accept it (`accepted_languages` in its
    letter.yaml, e.g. en, fr, es for UN Special Procedures). Raises UsageError naming --lang."""
    if spec.accepted_languages and lang not in spec.accepted_languages:
        accepted = ", ".join(spec.accepted_languages)
        line = spec.line_of_key.get("accepted_languages", 0)
        raise UsageError(
            f"letter {spec.name!r} is not accepted in {lang!r}: its recipients accept only {accepted} "
            f"(accepted_languages, {spec.path / 'letter.yaml'}:{line})",
            "--lang",
            hint=f"render it with --lang {spec.accepted_languages[0]}"
            + (f" (or {', '.join(spec.accepted_languages[1:])})" if spec.accepted_languages[1:] else ""),
        )


def not_written_for(
    spec: LetterSpec, addressee: Addressee, lib: Library, variables: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """Why `spec` may not go to `addressee`: (message, hint) for each rule of its letter.yaml that
    the addressee breaks (addressee_kinds, excluded_states, addressee_states, respondent_states);
    [] when the letter is written for it. `variables` give a `var:` respondent (else its default)."""
    name, key, state = spec.name, addressee.key, addressee.state
    of = lib.state_short(state) if state else "no State"
    found: list[tuple[str, str]] = []
    if addressee.kind not in spec.addressee_kinds:
        message = f"letter {name!r} is not addressed to a {addressee.kind.replace('_', ' ')} ({key}): rule addressee_kinds"
        found.append((message, f"it accepts: {', '.join(spec.addressee_kinds)}"))
    if state and state in spec.excluded_states:
        message = f"letter {name!r} is not for an addressee of {of} ({key}): rule excluded_states"
        found.append((message, f"its letter.yaml excludes {', '.join(spec.excluded_states)}; `advocate letters` lists the others"))
    if spec.addressee_states and state not in spec.addressee_states:
        message = f"letter {name!r} is written to {_states(lib, spec.addressee_states)}, not to {key} ({of}): rule addressee_states"
        found.append((message, "choose an addressee of those States (`advocate addressees list`), or a letter written for this one"))
    found += _seat_rule(spec, addressee)
    respondent = _respondent(spec, addressee, variables)
    if spec.respondent_states and respondent not in spec.respondent_states:
        origin = "the addressee's State" if spec.respondent == "addressee" else f"`{spec.respondent}`"
        message = (
            f"letter {name!r} states the obligations of {_states(lib, spec.respondent_states)}; to {key} its respondent "
            f"would be {lib.state_short(respondent) if respondent else 'no State'} ({origin}): rule respondent_states"
        )
        hint = (
            f"give --var {spec.respondent[4:]}={' or '.join(spec.respondent_states)}"
            if spec.respondent.startswith("var:")
            else f"its prose holds only for {', '.join(spec.respondent_states)}: choose an addressee of that State, or another letter"
        )
        found.append((message, hint))
    return found


def _seat_rule(spec: LetterSpec, addressee: Addressee) -> list[tuple[str, str]]:
    """Rule addressee_localities: the letter goes only to addressees seated there (the Third
    Committee letter to missions in New York, not Geneva)."""
    if not spec.addressee_localities:
        return []
    seat = addressee.address.locality if addressee.address else None
    if seat in spec.addressee_localities:
        return []
    places = " or ".join(spec.addressee_localities)
    where = seat or "an unknown place"
    message = f"letter {spec.name!r} is written to addressees in {places}, not {where} ({addressee.key}): rule addressee_localities"
    return [(message, f"choose an addressee seated in {places} (`advocate addressees list`)")]


def currency_problems(lib: Library, used: Iterable[str], letter_date: dt.date, where: Where) -> list[Problem]:
    """The warning (an error under --strict, as every render warning) for a letter whose newest
    cited incident ended more than 12 months before `letter_date`: it would describe an old
    situation as the present one.
    In: the library, the keys the render cited. Out: [] or one Problem at `where` (the template)."""
    incidents = [(inc.date.last_day(), key) for key in dict.fromkeys(used) if isinstance(inc := lib.get(key), Incident)]
    if not incidents:
        return []
    newest, key = max(incidents)
    day = min(letter_date.day, 28) if letter_date.month == 2 else letter_date.day  # 29 February has no year before
    year_before = letter_date.replace(year=letter_date.year - 1, day=day)
    if newest >= year_before:
        return []
    message = (
        f"the newest incident this letter cites, {key!r} ({lib.incidents[key].date}), is more than 12 months older than "
        f"the letter date {letter_date}: the letter would present an old situation as the current one"
    )
    hint = "add the latest verified events to citations/incidents/ and cite them, or check --date"
    return [Problem("warning", where, message, hint)]


def calendar_problems(spec: LetterSpec, variables: Mapping[str, Any], letter_date: dt.date) -> list[Problem]:
    """The warning (an error under --strict) for a letter dated after its `deadline` (this year's date
    from the deadline's variable, else the usual date in the letter's year) or fewer than
    `lead_days` days before it. Out: [] or one Problem at letter.yaml's `deadline`."""
    deadline = spec.deadline
    if deadline is None:
        return []
    given = variables.get(deadline.variable) if deadline.variable else None
    due = given if isinstance(given, dt.date) else deadline.on(letter_date.year)
    source = f"--var {deadline.variable}" if isinstance(given, dt.date) else f"its usual date, {deadline.usual} (MM-DD)"
    days = (due - letter_date).days
    if days >= deadline.lead_days:
        return []
    if days < 0:
        message = f"the letter date {letter_date} is after {deadline.event} ({due}, from {source})"
        hint = "the letter comes too late for this year: date it for next year's session, or give this year's date"
    else:
        message = (
            f"the letter date {letter_date} is only {days} day(s) before {deadline.event} ({due}, from {source}); "
            f"it should arrive at least {deadline.lead_days} days before"
        )
        hint = "send it earlier, or give this year's date" + (f" with --var {deadline.variable}=YYYY-MM-DD" if deadline.variable else "")
    where = Where(spec.path / "letter.yaml", spec.line_of_key.get("deadline", 0), "deadline")
    return [Problem("warning", where, message, hint)]


def _states(lib: Library, codes: list[str]) -> str:
    return " or ".join(lib.state_short(code) for code in codes)


def _respondent(spec: LetterSpec, addressee: Addressee, variables: Mapping[str, Any] | None) -> str | None:
    """The State whose obligations the letter states for this addressee (`respondent` in letter.yaml)."""
    if spec.respondent == "addressee":
        return addressee.state
    if spec.respondent.startswith("var:"):
        name = spec.respondent[4:]
        declared = spec.variables.get(name)
        value = (variables or {}).get(name, declared.default if declared else None)
        return str(value) if value else None
    return spec.respondent
