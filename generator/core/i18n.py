"""Language-dependent formatting.

In: a language tag (``en``, ``de``, ``pt_BR``: any locale CLDR knows). Out: the Babel locale,
dates formatted to their precision, numbers, lists, quotation marks, text direction, the script and
the font that prints it. The eight bundled languages keep their curated conventions (British
English dates, the tables below); every other language takes CLDR's, through Babel (and ICU for
quotation marks, which Babel does not carry).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from functools import cache

from babel.core import get_global
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal
from markupsafe import Markup

from .errors import RenderError
from .languages import LOCALE_IDS, canonical_tag, is_language, locale
from .models import PartialDate


@cache
def script(lang: str) -> str:
    """The ISO 15924 script the language is written in (CLDR's likely subtags): Latn, Cyrl, Hebr..."""
    found = locale(lang).script
    if found:
        return str(found)
    likely = get_global("likely_subtags").get(str(locale(lang))) or get_global("likely_subtags").get(locale(lang).language, "")
    parts = str(likely).split("_")
    return parts[1] if len(parts) > 2 else "Latn"


# The bundled language whose typesetting (no spaces between sentences, numbers joined to their
# counters, the CJK face for quotation marks, note punctuation, title brackets) a language written
# in each CJK script takes: a translator's zh_Hant or yue is set as Chinese, ko_KP as Korean.
CJK_KINDS = {"Hans": "zh", "Hant": "zh", "Jpan": "ja", "Kore": "ko"}


@cache
def cjk_kind(lang: str) -> str | None:
    """"zh", "ja" or "ko" for a language written in a Chinese, Japanese or Korean script, else None."""
    if lang in ("zh", "ja", "ko"):
        return lang
    return CJK_KINDS.get(script(lang)) if is_language(lang) else None


def choose_language(value: str, available: list[str]) -> str:
    """The language `value` asks for, as one of the `available` tags (the languages with a
    catalogue) when one of them writes it: the tag itself (``zh_Hant``, ``pt_BR``), else the
    language in the tag's script (``zh_TW`` -> ``zh_Hant``), else the language alone when it is
    written in the same script (``zh_CN`` -> ``zh``, ``fr_FR`` -> ``fr``; never ``zh_Hant`` ->
    ``zh``, which is written in Simplified characters). Otherwise the tag itself, which the
    command then reports as not available."""
    tag = canonical_tag(value)
    if tag in available or not is_language(tag):
        return tag
    wanted = script(tag)
    language = tag.split("_")[0]
    for candidate in (f"{language}_{wanted}", language):
        if candidate != tag and candidate in available and is_language(candidate) and script(candidate) == wanted:
            return candidate
    return tag


HTML_LANG = {"zh": "zh-Hans", "en": "en-GB"}


def html_lang(lang: str) -> str:
    """The BCP 47 tag for the document (fonts and hyphenation are chosen by it)."""
    return HTML_LANG.get(lang, lang.replace("_", "-"))


# The font family that prints each script, and the Debian package that installs it (`make setup`
# installs them all). Latin, Cyrillic and Greek are in "Noto Serif" itself (style.css's default);
# the bundled languages' scripts have their own rules in style.css.
SCRIPT_FONTS = {
    "Latn": ("Noto Serif", "fonts-noto-core"),
    "Cyrl": ("Noto Serif", "fonts-noto-core"),
    "Grek": ("Noto Serif", "fonts-noto-core"),
    "Arab": ("Noto Naskh Arabic", "fonts-noto-core"),
    "Hebr": ("Noto Serif Hebrew", "fonts-noto-core"),
    "Deva": ("Noto Serif Devanagari", "fonts-noto-core"),
    "Beng": ("Noto Serif Bengali", "fonts-noto-core"),
    "Taml": ("Noto Serif Tamil", "fonts-noto-core"),
    "Thai": ("Noto Serif Thai", "fonts-noto-core"),
    "Armn": ("Noto Serif Armenian", "fonts-noto-core"),
    "Geor": ("Noto Serif Georgian", "fonts-noto-core"),
    "Ethi": ("Noto Serif Ethiopic", "fonts-noto-core"),
    "Khmr": ("Noto Serif Khmer", "fonts-noto-core"),
    "Mymr": ("Noto Serif Myanmar", "fonts-noto-core"),
    "Hans": ("Noto Serif CJK SC", "fonts-noto-cjk"),
    "Hant": ("Noto Serif CJK TC", "fonts-noto-cjk"),
    "Jpan": ("Noto Serif CJK JP", "fonts-noto-cjk"),
    "Kore": ("Noto Serif CJK KR", "fonts-noto-cjk"),
}
BUNDLED_FONTS = frozenset(LOCALE_IDS)  # style.css names their fonts (html:lang(ko) ...)


def font_family(lang: str) -> str:
    """The CSS font-family list for the language's script; a script without a known Noto face
    falls back to "Noto Serif" (and the system's font fallback)."""
    face = SCRIPT_FONTS.get(script(lang), SCRIPT_FONTS["Latn"])[0]
    return f'"{face}", "Noto Serif", serif' if face != "Noto Serif" else '"Noto Serif", serif'


def script_css(lang: str) -> str:
    """A CSS rule giving a language outside the bundled ones its script's font ("" when
    style.css's default, Noto Serif, prints it); stops with the Debian package to install when
    that font is missing."""
    face, package = SCRIPT_FONTS.get(script(lang), SCRIPT_FONTS["Latn"])
    if lang in BUNDLED_FONTS:
        return ""
    if not font_installed(face):
        raise RenderError(
            f"the font {face!r} for {locale_name(lang)} ({script(lang)} script) is not installed",
            "--lang",
            hint=f"install the Debian package {package} (`make setup` does), or `sudo apt-get install {package}`",
        )
    if face == "Noto Serif":
        return ""
    selector = f"html:lang({html_lang(lang)})"
    if cjk_kind(lang):  # as style.css sets the bundled ones: the Latin face first, CJK marks in the CJK face
        rules = [
            f'{selector} {{ font-family: "Noto Serif", "{face}", serif; line-height: 1.6; }}',
            f'{selector} .cjk {{ font-family: "{face}", serif; }}',
            f"{selector} i, {selector} em {{ font-style: normal; }}",
            f"{selector} p {{ text-align: {'left' if cjk_kind(lang) == 'ko' else 'justify'}; }}",
        ]
        return "\n".join(rules)
    return f"{selector} {{ font-family: {font_family(lang)}; }}"


@cache
def font_installed(face: str) -> bool:
    """Whether fontconfig (the fonts WeasyPrint sees) has the family `face`."""
    try:
        found = subprocess.run(["fc-list", "-q", f":family={face}"], check=False, timeout=30)
    except OSError:
        return True  # no fc-list to ask: WeasyPrint's own fallback decides
    return found.returncode == 0


def language_name(lang: str) -> str:
    """The language's name in that language, as CLDR writes it in running text ("한국어", "español")."""
    loc = locale(lang)
    return loc.languages.get(loc.language) or lang


def locale_name(lang: str) -> str:
    """The language's English name ("German")."""
    return locale(lang).get_display_name("en") or lang


def direction(lang: str) -> str:
    """"rtl" for a language CLDR writes right to left (ar, he, fa, ur), else "ltr"."""
    return "rtl" if is_rtl(lang) else "ltr"


@cache
def is_rtl(lang: str) -> bool:
    return str(locale(lang).character_order) == "right-to-left"


class _RightToLeft:
    """`lang in RTL`: the languages CLDR writes right to left (any tag, not a fixed list)."""

    def __contains__(self, lang: object) -> bool:
        return isinstance(lang, str) and is_language(lang) and is_rtl(lang)


RTL = _RightToLeft()


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


# Languages whose formal prose writes the numbers from one to ten in words ("two further
# organisations", "deux organisations", "dos organizaciones"); the others print digits.
SPELLED_OUT = frozenset({"en", "fr", "es"})


def number_words(value: int, lang: str = "en") -> str:
    """`value` in words where the language writes it so (`SPELLED_OUT`, 0 to 10: CLDR's spell-out
    rules through ICU), else as `format_number` prints it."""
    if lang not in SPELLED_OUT or not 0 <= value <= 10:
        return format_number(value, lang)
    import icu

    return str(icu.RuleBasedNumberFormat(icu.URBNFRuleSetTag.SPELLOUT, icu.Locale(str(locale(lang)))).format(value))


def list_separator(lang: str = "en") -> str:
    """What separates the items of a list in the language: ", " or "、"."""
    text = format_list(["\x00", "\x01", "\x02"], locale=locale(lang))
    return text[text.index("\x00") + 1 : text.index("\x01")]


# The comma between the parts of one item (an address on one line, a publisher and a date).
COMMAS = {"zh": "，", "ja": "、", "ar": "، "}


def comma(lang: str = "en") -> str:
    return COMMAS.get(lang) or COMMAS.get(cjk_kind(lang) or "") or ("، " if script(lang) == "Arab" else ", ")


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


@cache
def quotes(lang: str) -> tuple[str, str, str, str]:
    """The language's quotation marks (outer start, end, inner start, end): the table above for
    the bundled languages, CLDR's (through ICU) for the others."""
    if lang in QUOTES:
        return QUOTES[lang]
    import icu

    data = icu.LocaleData(str(locale(lang)))
    kinds = icu.ULocaleDataDelimiterType
    marks = [kinds.QUOTATION_START, kinds.QUOTATION_END, kinds.ALT_QUOTATION_START, kinds.ALT_QUOTATION_END]
    found = tuple(str(data.getDelimiter(kind)) for kind in marks)
    return (found[0], found[1], found[2], found[3]) if all(found) else QUOTES["en"]


def quoted(text: str, lang: str = "en") -> Markup:
    """`text` between the language's quotation marks (escaped)."""
    start, end = quotes(lang)[:2]
    return Markup("%s%s%s") % (start.replace(" ", "\u202f"), text, end.replace(" ", "\u202f"))


def typography(text: str, lang: str = "en") -> str:
    """Typographic apostrophes in library texts written with a straight one (People's -> People’s)."""
    return re.sub(r"(?<=\w)'(?=\w)", "’", text) if lang in ("en", "fr") else text


def inner_quotes(text: str, lang: str = "en") -> str:
    """Straight double quotes inside a quotation become the language's inner quotation marks:
    ("refouler") -> (‘refouler’)."""
    start, end = quotes(lang)[2:]
    return typography(re.sub(r'"([^"]*)"', lambda m: f"{start}{m.group(1)}{end}", text), lang)
