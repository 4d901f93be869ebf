"""Sorting names the way readers of a language expect.

In: a letter language and strings. Out: the strings in that language's collation order, from ICU
(PyICU) with CLDR's tailorings: English and French by the Unicode Collation Algorithm (accents
second: "Émile" beside "Emile"), Korean Hangul in dictionary order with Hanja by their reading,
Chinese by pinyin (ICU's default ``zh`` collation), Japanese kana in gojūon order; each language's
own script comes first, then the others. A pure-Python UCA (pyuca) was considered and not used:
it has no locale tailoring, so Chinese would come out in code-point order, not by pinyin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")

ICU_LOCALES = {"zh": "zh", "ko": "ko", "ja": "ja", "en": "en_GB", "fr": "fr", "es": "es", "ru": "ru", "ar": "ar"}


@lru_cache(maxsize=16)
def _collator(lang: str):  # type: ignore[no-untyped-def]
    import icu

    collator = icu.Collator.createInstance(icu.Locale(ICU_LOCALES.get(lang, lang)))
    collator.setAttribute(icu.UCollAttribute.NORMALIZATION_MODE, icu.UCollAttributeValue.ON)
    return collator


def sort_key(lang: str) -> Callable[[str], bytes]:
    """A key function: ``sorted(names, key=sort_key("zh"))``."""
    return _collator(lang).getSortKey  # type: ignore[no-any-return]


def collate(items: Iterable[T], lang: str, key: Callable[[T], str] = str) -> list[T]:
    """`items` sorted by `key(item)` in `lang`'s order; ties keep their input order. Fewer than
    two items need no collator (ICU is not even imported: an ordinary letter has no signatories)."""
    items = list(items)
    if len(items) < 2:
        return items
    skey = sort_key(lang)
    return sorted(items, key=lambda item: skey(key(item)))
