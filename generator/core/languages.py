"""Language tags: which ones exist and which Babel locale each one means.

In: a tag (``en``, ``de``, ``pt_BR``, ``zh_Hant``). Out: whether CLDR knows it (`is_language`,
`LANGS`), its Babel `Locale` (`locale`: the bundled languages with their curated regions), and the
eight bundled languages in their order (`BUNDLED_LANGS`).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

BUNDLED_LANGS = ("en", "ko", "zh", "ja", "fr", "es", "ru", "ar")
# English letters follow British/OSCOLA conventions: "7 February 2014".
LOCALE_IDS = {"en": "en_GB", "zh": "zh_Hans_CN", "ko": "ko_KR", "ja": "ja_JP", "fr": "fr_FR", "es": "es_ES", "ru": "ru_RU", "ar": "ar"}
TAG_RE = re.compile(r"[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|\d{3}))?")


@cache  # keyed on the tag; CLDR's data ships with Babel and does not change while a process runs
def locale(lang: str) -> Locale:
    """The Babel locale of a language tag (the bundled languages: their curated region)."""
    from babel import Locale  # (lazy: `advocate --help` loads no locale data)

    return Locale.parse(LOCALE_IDS.get(lang, lang))


def is_language(tag: str) -> bool:
    """True when `tag` is a locale tag CLDR knows (``de``, ``pt_BR``, ``zh_Hant``), as the folders
    of ``locales/`` are named."""
    if not isinstance(tag, str) or not TAG_RE.fullmatch(tag):
        return False
    from babel import UnknownLocaleError

    try:
        locale(tag)
    except (UnknownLocaleError, ValueError):
        return False
    return True


class Languages(tuple[str, ...]):
    """The letters' languages. `lang in LANGS` holds for any locale tag CLDR knows (``de``,
    ``pt_BR``: a translator brings a language by adding its catalogue); iterating gives the bundled
    languages (the ones listed in hints)."""

    def __contains__(self, lang: object) -> bool:
        return isinstance(lang, str) and is_language(lang)


LANGS = Languages(BUNDLED_LANGS)


def canonical_tag(value: str) -> str:
    """A tag as people type it (``EN``, ``zh-cn``, ``ZH-hant``, ``pt-br``) written as the folders of
    ``locales/`` are named: language lower case, script title case, region upper case, joined by
    ``_`` (``en``, ``zh_CN``, ``zh_Hant``, ``pt_BR``)."""
    parts = [part for part in re.split(r"[-_\s]+", value.strip()) if part]
    if not parts:
        return value.strip()
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part)
    return "_".join(out)

