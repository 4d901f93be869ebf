"""Countries as people type them, and as letters print them.

In: a country cell from a signatory list ("KR", "kr", "South Korea", "Corée du Sud", "대한민국",
"中国"), the citation library's states, a letter language. Out: an ISO 3166-1 alpha-2 code (or
None when the text names no country), and a code's name in the letter's language. Names are
matched against the library's states (every language and form it holds) and Babel's CLDR
territory names in several languages; a name that CLDR gives to two different codes is not used.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel import Locale

from .library import Library

# Languages whose CLDR territory names are accepted as input (the letters' languages and a few
# more that signatory lists are often written in).
INPUT_LANGUAGES = ("en", "fr", "es", "de", "pt", "it", "nl", "ru", "ar", "zh", "zh_Hant", "ja", "ko", "vi", "tr", "id")
# CLDR "territories" that are not countries a person lives in.
NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "XK"}
ALIASES = {
    "usa": "US", "us": "US", "u s": "US", "u s a": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "rok": "KR", "korea": "KR", "dprk": "KP", "north korea": "KP", "prc": "CN",
}  # fmt: skip


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
def _index(states: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, str]:
    codes = _cldr_codes()
    index: dict[str, str] = {}
    ambiguous: set[str] = set()

    def add(name: str, code: str) -> None:
        key = _fold(name)
        if not key or key in ambiguous:
            return
        if index.get(key, code) != code:
            ambiguous.add(key)
            del index[key]
            return
        index[key] = code

    for lang in INPUT_LANGUAGES:
        for code, name in Locale.parse(lang).territories.items():
            if code in codes:
                add(name, code)
    for code, names in states:
        for name in names:
            add(name, code)
    for alias, code in ALIASES.items():
        index.setdefault(alias, code)
    return index


def _state_names(library: Library | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if library is None:
        return ()
    cached = _STATE_NAMES.get(id(library))
    if cached is None or cached[0] is not library:
        cached = _STATE_NAMES[id(library)] = (library, _names_of(library))
    return cached[1]


_STATE_NAMES: dict[int, tuple[Library, tuple[tuple[str, tuple[str, ...]], ...]]] = {}


def _names_of(library: Library) -> tuple[tuple[str, tuple[str, ...]], ...]:
    rows = []
    for code, state in sorted(library.states.items()):
        names = [text for form in (state.name, state.formal, state.abbr) if form for text in form.values()]
        rows.append((code, tuple(names)))
    return tuple(rows)


def parse_country(text: str, library: Library | None = None) -> str | None:
    """The ISO code a human-typed country names, or None. Codes are accepted in any case."""
    return _parse(text.strip(), _state_names(library))


@lru_cache(maxsize=4096)
def _parse(text: str, states: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    library_codes = {code for code, _names in states}
    if len(text) == 2 and text.isascii() and text.isalpha():
        code = text.upper()
        if code in _cldr_codes() or code in library_codes:
            return code
    return _index(states).get(_fold(text))


def country_name(code: str, lang: str, library: Library | None = None) -> str:
    """A code's name in `lang`: the library's formal name when it declares the state, else CLDR's."""
    from . import i18n

    if library is not None and code in library.states:
        return library.state_name(code, lang, "formal")
    return i18n.locale(lang).territories.get(code, code)
