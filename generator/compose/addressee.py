"""What a template knows of its addressee, and whose obligations the letter states.

In: an `Addressee`, the library, a language. Out: the addressee's context (names, salutation,
address block in the language's order, the close its kind and government's usage call for, the
message variants for its gender and audience) and the respondent State of a letter to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..core import i18n
from ..core.models import Addressee, LetterSpec
from ..load.library import Library
from ..translate.runtime import Recorder
from .citing import English, Terms


def respondent_of(spec: LetterSpec, addressee: Addressee, variables: dict[str, Any]) -> str | None:
    if spec.respondent == "addressee":
        return addressee.state
    if spec.respondent.startswith("var:"):
        value = variables.get(spec.respondent[4:])
        return str(value) if value else None
    return spec.respondent


# How a letter closes, exactly once, by the addressee's kind: the diplomatic courtesy formula
# ("Please accept, Excellency, the assurances of our highest consideration.", "致以崇高的敬意") is the
# close of a letter to a head of state, a minister or a permanent mission; a letter to a UN mandate
# or office closes with the complimentary close ("Yours sincerely,", "此致敬礼"). Never both.
FORMULA_KINDS = frozenset({"head_of_state", "foreign_ministry", "ministry", "permanent_mission"})


# A government's own usage for its officials, written to in its language: (language, state) -> the
# addressee kinds it covers, the salutation by the form of address (`gender`; "{office}" is the
# English title's first word) and the close. US officials in English: "Dear Mr. Secretary:", "Sincerely,".
@dataclass(frozen=True)
class Usage:
    kinds: frozenset[str]
    salutation: dict[str, str]
    close: str


OFFICIAL_USAGE = {
    ("en", "US"): Usage(
        frozenset({"head_of_state", "foreign_ministry", "ministry"}),
        {"female": "Dear Madam {office}:", "male": "Dear Mr. {office}:"},
        "Sincerely,",
    )
}


def usage_of(a: Addressee, lang: str) -> Usage | None:
    """The official usage (`OFFICIAL_USAGE`) a letter to `a` in `lang` follows, if any."""
    usage = OFFICIAL_USAGE.get((lang, a.state or ""))
    return usage if usage and a.kind in usage.kinds else None


def closing_of(a: Addressee, lang: str) -> str:
    """The close of a letter to `a` in `lang`: "official" (the addressee's own government's usage,
    `OFFICIAL_USAGE`), "formula" (`FORMULA_KINDS`) or "sincerely" (a complimentary close)."""
    if usage_of(a, lang):
        return "official"
    return "formula" if a.kind in FORMULA_KINDS else "sincerely"


def official_salutation(a: Addressee, usage: Usage) -> str | None:
    """The salutation of `usage` for `a` when its form of address (`gender`) is recorded ("Dear Mr.
    Secretary:" from the title "Secretary of State of ..."); None when it is not (the addressee's
    own salutation is used)."""
    if a.gender is None:
        return None
    office = a.title["en"].split(" of ")[0].split()[0]
    return usage.salutation[a.gender].format(office=office)


def variants_of(a: Addressee, audience: str | None) -> tuple[str, ...]:
    """The catalogue variants (`translate.runtime.Recorder.variants`) of the messages addressed to `a` in a
    letter to the government of `audience`: "feminine" first for a woman, then "to XX"."""
    return (*(("feminine",) if a.gender == "female" else ()), *((f"to {audience}",) if audience else ()))


# Countries whose postal code follows the locality, with the separator between them.
LOCALITY_FIRST = {"CN": " "}


def addressee_context(a: Addressee, lib: Library, lang: str, terms: Terms | None = None, audience: str | None = None) -> dict[str, Any]:
    """What a template knows of addressee `a` in `lang`: its texts through `terms` (in the variants
    for `a`'s gender and the letter's `audience`), address block, salutation and close."""
    terms = terms or English()
    if isinstance(terms, Recorder):
        terms = replace(terms, variants=variants_of(a, audience))  # (the same list of missing messages)
    text = terms.text
    name, title, salutation = text(a.name, "addressee name"), text(a.title, "addressee title"), text(a.salutation, "salutation")
    closing, usage = closing_of(a, lang), usage_of(a, lang)
    official = official_salutation(a, usage) if usage else None
    lines = [x for x in (name, title) if x]
    if a.address:
        lines += a.address.lines
        locality = text({"en": a.address.locality}, "place name") if a.address.locality else None
        after = LOCALITY_FIRST.get(a.address.country)  # "Beijing 100701"
        parts = (locality, a.address.postal_code) if after else (a.address.postal_code, locality)
        place = (after or " ").join(x for x in parts if x)
        if place:
            lines.append(place)
        lines.append(lib.state_name(a.address.country, lang, "formal"))
    return {
        "key": a.key,
        "kind": a.kind,
        "state": a.state,
        "name": name,
        "title": title,
        "salutation": salutation,
        "official_salutation": official or "",  # with its own punctuation ("Dear Mr. Secretary:")
        "closing": closing,
        "official_close": usage.close if usage else "",
        "gender": a.gender or "",
        "address_lines": lines,
        "address_inline": i18n.comma(lang).join(lines),  # on one line: a cc list
        "email": a.email or "",
    }
