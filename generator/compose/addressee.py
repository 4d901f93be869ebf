"""What a template knows of its addressee, and whose obligations the letter states.

In: an `Addressee`, the library, a language. Out: the addressee's context (names, salutation,
address block in the language's order) and the respondent State of a letter to it.
"""

from __future__ import annotations

from typing import Any

from ..core import i18n
from ..core.models import Addressee, LetterSpec
from ..load.library import Library
from .citing import English, Terms


def respondent_of(spec: LetterSpec, addressee: Addressee, variables: dict[str, Any]) -> str | None:
    if spec.respondent == "addressee":
        return addressee.state
    if spec.respondent.startswith("var:"):
        value = variables.get(spec.respondent[4:])
        return str(value) if value else None
    return spec.respondent


LOCALITY_FIRST = {"CN": " "}


def addressee_context(a: Addressee, lib: Library, lang: str, terms: Terms | None = None) -> dict[str, Any]:
    text = (terms or English()).text
    name, title, salutation = text(a.name, "addressee name"), text(a.title, "addressee title"), text(a.salutation, "salutation")
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
        "address_lines": lines,
        "address_inline": i18n.comma(lang).join(lines),  # on one line: a cc list
        "email": a.email or "",
    }
