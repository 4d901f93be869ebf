"""Language-dependent formatting.

In: a language tag (``en``). Out: Babel locale, dates formatted to their precision, numbers,
lists, text direction. (Translations of letter prose come with the languages issue; English is
the source language of every template.)
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal
from markupsafe import Markup

from .models import PartialDate

# English letters follow British/OSCOLA conventions: "7 February 2014".
_LOCALE_IDS = {"en": "en_GB", "zh": "zh_Hans_CN", "ko": "ko_KR", "ja": "ja_JP", "fr": "fr_FR", "es": "es_ES", "ru": "ru_RU", "ar": "ar"}
RTL = {"ar"}


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(_LOCALE_IDS.get(lang, lang))


HTML_LANG = {"zh": "zh-Hans", "en": "en-GB"}


def html_lang(lang: str) -> str:
    """The BCP 47 tag for the document (fonts and hyphenation are chosen by it)."""
    return HTML_LANG.get(lang, lang)


# Languages whose diplomatic closing formula is itself the close of the letter: no complimentary
# close follows it ("Veuillez agréer ... l'assurance de notre très haute considération." is the end
# of a French letter; "Respectueusement," after it would close it twice).
FORMULA_CLOSES = frozenset({"fr"})


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


def format_date(value: PartialDate | dt.date, lang: str = "en", nbsp: bool = True) -> str:
    """A date to its precision in the language; for documents with no-break spaces, so that
    "14 сентября 1981 г." never breaks across lines (nbsp=False for terminal output)."""
    text = _format_date(value, lang)
    return text.replace(" ", "\u00a0") if nbsp else text


def _format_date(value: PartialDate | dt.date, lang: str = "en") -> str:
    if isinstance(value, dt.date):
        value = PartialDate(value.year, value.month, value.day)
    if value.precision == "day":
        return babel_format_date(value.first_day(), format="long", locale=locale(lang))
    if value.precision == "month":
        return format_skeleton("yMMMM", value.first_day(), locale=locale(lang))
    return format_skeleton("y", value.first_day(), locale=locale(lang))


def format_number(value: int, lang: str = "en") -> str:
    return format_decimal(value, locale=locale(lang))


def list_separator(lang: str = "en") -> str:
    """What separates the items of a list in the language: ", " or "、"."""
    text = format_list(["\x00", "\x01", "\x02"], locale=locale(lang))
    return text[text.index("\x00") + 1 : text.index("\x01")]


# The comma between the parts of one item (an address on one line, a publisher and a date).
COMMAS = {"zh": "，", "ja": "、", "ar": "، "}


def comma(lang: str = "en") -> str:
    return COMMAS.get(lang, ", ")


def join(items: list[str], lang: str = "en") -> str:
    return format_list(items, locale=locale(lang)) if items else ""


# CLDR quotation marks (outer, inner) per language.
QUOTES = {
    "en": ("“", "”", "‘", "’"),
    "fr": ("« ", " »", "“", "”"),
    "es": ("«", "»", "“", "”"),
    "ru": ("«", "»", "„", "“"),
    "ko": ("“", "”", "‘", "’"),
    "zh": ("“", "”", "‘", "’"),
    "ja": ("「", "」", "『", "』"),
    "ar": ("«", "»", "“", "”"),
}


def quoted(text: str, lang: str = "en") -> Markup:
    """`text` between the language's quotation marks (escaped)."""
    start, end = QUOTES.get(lang, QUOTES["en"])[:2]
    return Markup("%s%s%s") % (start.replace(" ", "\u202f"), text, end.replace(" ", "\u202f"))


def typography(text: str, lang: str = "en") -> str:
    """Typographic apostrophes in library texts written with a straight one (People's -> People’s)."""
    import re

    return re.sub(r"(?<=\w)'(?=\w)", "’", text) if lang in ("en", "fr") else text


def inner_quotes(text: str, lang: str = "en") -> str:
    """Straight double quotes inside a quotation become the language's inner quotation marks:
    ("refouler") -> (‘refouler’)."""
    import re

    start, end = QUOTES.get(lang, QUOTES["en"])[2:]
    return typography(re.sub(r'"([^"]*)"', lambda m: f"{start}{m.group(1)}{end}", text), lang)
