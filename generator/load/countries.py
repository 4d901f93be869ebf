"""Countries as people type them, and as letters print them.

In: a country cell from a signatory list ("KR", "kr", "South Korea", "Corée du Sud", "대한민국",
"中国"), the citation library's states, a letter language. Out: an ISO 3166-1 alpha-2 code (or
None when the text names no country), and a code's name in the letter's language. Names are
matched against the library's states (every language and form it holds) and Babel's CLDR
territory names in several languages. A name that people use for more than one country ("Korea",
"Congo", "Guinea": the `AMBIGUOUS` table, and any name the sources give to two codes) resolves to a
`Country` that lists every code it may mean, with the code chosen or None when none can be.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from ..core import i18n
from .library import Library

# Languages whose CLDR territory names are accepted as input (the letters' languages and a few
# more that signatory lists are often written in).
INPUT_LANGUAGES = ("en", "fr", "es", "de", "pt", "it", "nl", "ru", "ar", "zh", "zh_Hant", "ja", "ko", "vi", "tr", "id")
# CLDR "territories" that are not countries a person lives in.
NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "XK"}
ALIASES = {
    "usa": "US", "us": "US", "u s": "US", "u s a": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "rok": "KR", "dprk": "KP", "north korea": "KP", "prc": "CN",
    "drc": "CD", "dr congo": "CD", "democratic republic of the congo": "CD", "republic of the congo": "CG",
    "east timor": "TL",
}  # fmt: skip
# Names people use for more than one country: the code chosen (None: no choice is safe) and every
# code the name may mean. Folded like every name; they take precedence over every other source.
AMBIGUOUS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    **dict.fromkeys(["korea", "coree", "corea"], ("KR", ("KR", "KP"))),
    **dict.fromkeys(["congo", "kongo", "刚果", "コンゴ", "콩고"], (None, ("CG", "CD"))),
    **dict.fromkeys(["guinea", "guinee", "guine"], ("GN", ("GN", "GQ", "GW", "PG"))),
    **dict.fromkeys(["sudan", "soudan", "sudao"], ("SD", ("SD", "SS"))),
    **dict.fromkeys(["virgin islands", "iles vierges", "islas virgenes", "jungferninseln"], (None, ("VG", "VI"))),
    "samoa": ("WS", ("WS", "AS")),
    "dominica": ("DM", ("DM", "DO")),
    "macedonia": ("MK", ("MK", "GR")),
    "timor": ("TL", ("TL", "ID")),
    "georgia": ("GE", ("GE", "US")),
}


@dataclass(frozen=True)
class Country:
    """What a typed country resolves to: `code` (None when it names no country or no choice is
    safe) and, for an ambiguous name, every code it may mean (`candidates`, more than one)."""

    code: str | None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def _fold(text: str) -> str:
    """Case, accents, punctuation and a leading article do not matter: "the Côte d'Ivoire" ->
    "cote d ivoire"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[\W_]+", " ", text).strip()
    return re.sub(r"^(the|la|le|les|el|los|las|l) ", "", text)


@lru_cache(maxsize=1)
def _cldr_codes() -> frozenset[str]:
    codes = [str(c) for c in Locale.parse("en").territories]
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha() and c not in NOT_COUNTRIES)


@lru_cache(maxsize=8)
def _index(states: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, Country]:
    """Folded name -> `Country`; a name the sources give to two codes maps to both, with no choice."""
    codes = _cldr_codes()
    named: dict[str, set[str]] = {}
    for lang in INPUT_LANGUAGES:
        for code, name in Locale.parse(lang).territories.items():
            if code in codes:
                named.setdefault(_fold(name), set()).add(code)
    for code, names in states:
        for name in names:
            named.setdefault(_fold(name), set()).add(code)
    named.pop("", None)
    index = {key: Country(next(iter(c))) if len(c) == 1 else Country(None, tuple(sorted(c))) for key, c in named.items()}
    for alias, code in ALIASES.items():
        index.setdefault(alias, Country(code))
    index.update({_fold(key): Country(code, candidates) for key, (code, candidates) in AMBIGUOUS.items()})
    return index


def _state_names(library: Library | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return library.state_names if library is not None else ()


def parse_country(text: str, library: Library | None = None) -> str | None:
    """The ISO code a human-typed country names, or None (no country, or an ambiguous name with
    no safe choice). Codes are accepted in any case."""
    return resolve_country(text, library).code


def resolve_country(text: str, library: Library | None = None) -> Country:
    """What a human-typed country names: its code, and every code an ambiguous name may mean."""
    return _parse(text.strip(), _state_names(library))


@lru_cache(maxsize=4096)
def _parse(text: str, states: tuple[tuple[str, tuple[str, ...]], ...]) -> Country:
    library_codes = {code for code, _names in states}
    if len(text) == 2 and text.isascii() and text.isalpha():
        code = text.upper()
        if code in _cldr_codes() or code in library_codes:
            return Country(code)
    return _index(states).get(_fold(text), Country(None))


def country_name(code: str, lang: str, library: Library | None = None) -> str:
    """A code's name in `lang`: the library's formal name when it declares the state, else CLDR's."""
    if library is not None and code in library.states:
        return library.state_name(code, lang, "formal")
    return i18n.locale(lang).territories.get(code, code)
