"""The translators' glossary (`advocate i18n glossary`), exported from the library.

In: a loaded workspace and the target languages. Out: `Term`s (official treaty titles with their
V/V2/U flags, treaty short titles, state names, UN mandate titles, the legal and citation terms the
letters use), written as a CSV file with translate-toolkit's column names (what Weblate's glossary
upload reads) or as TBX-Basic (TBX 2008, ``martif``), built with xml.etree. An unverified (U)
title is never given as a target term: it is named in the note as not verified.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ..core.errors import UsageError
from ..core.files import read_text
from ..core.locales import SOURCE_LANG, letter_languages, po_path
from ..core.models import LANGS
from .catalog import babel_locale, complete, read_catalog
from .workflow import package_messages

CSV_COLUMNS = ("source", "target", "context", "developer_comments", "language", "kind", "key", "flag")
# Legal terms to look for in the letters' English (templates and library summaries): a term is in
# the glossary when a letter uses it. Targets are left for the translators' tool to fill in.
LEGAL_TERMS = (
    "non-refoulement", "forced return", "forcible return", "enforced disappearance", "arbitrary detention",
    "torture", "cruel, inhuman or degrading treatment", "refugee", "asylum", "asylum seeker", "persecution",
    "crimes against humanity", "State party", "States parties", "ratification", "accession", "reservation",
    "urgent appeal", "allegation letter", "Special Procedures", "Special Rapporteur", "Working Group",
    "commission of inquiry", "treaty body", "General Assembly", "Human Rights Council", "Third Committee",
    "customary international law", "family reunification", "incommunicado", "whereabouts", "sign-on letter",
)  # fmt: skip
# Catalogue messages that are citation terms: the glossary gives the catalogue's translation.
TERM_CONTEXTS = {"footnote": "citation term", "pinpoint": "citation term", "document kind": "citation term"}
SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(kw_only=True, frozen=True)
class Term:
    """One glossary row: the English `source`, its `target` in `lang` ('' when none is known),
    what it is (`kind`), the library key or message context it comes from (`key`), the library's
    flag for an official title (V, V2, U; '' otherwise) and a note for the translator."""

    kind: str
    key: str
    source: str
    lang: str
    target: str
    flag: str
    note: str


def glossary(loaded: Any, langs: list[str]) -> list[Term]:
    """The glossary of `loaded`'s library in each of `langs` (default: every language with a
    catalogue). Raises UsageError for English or a language CLDR does not know."""
    langs = langs or [lang for lang in letter_languages(loaded.ws) if lang != SOURCE_LANG]
    for lang in langs:
        if lang == SOURCE_LANG or lang not in LANGS:
            raise UsageError(f"no glossary for {lang!r}", "--lang", hint="give a target language CLDR knows: de, fr, pt_BR, ...")
    terms: list[Term] = []
    for lang in langs:
        translated = _catalogue(loaded.ws, lang)
        terms += _treaty_terms(loaded.library, lang, translated)
        terms += _state_terms(loaded.library, lang)
        terms += _mandate_terms(loaded.addressees, lang, translated)
        terms += _citation_terms(lang, translated)
        terms += [
            Term(kind="legal term", key=term, source=term, lang=lang, target="", flag="", note="used in the letters")
            for term in legal_terms(loaded)
        ]
    return terms


def _catalogue(ws: Any, lang: str) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> msgstr of the language's catalogues (the workspace's over the bundle's),
    translated and not fuzzy entries only."""
    found: dict[tuple[str | None, str], str] = {}
    for root in reversed(ws.roots):
        path = po_path(root, lang)
        if path.is_file():
            for m in read_catalog(path, babel_locale(lang)):
                if m.id and not m.fuzzy and complete(m) and isinstance(m.id, str):
                    found[(m.context, m.id)] = str(m.string)
    return found


def _treaty_terms(lib: Any, lang: str, translated: dict[tuple[str | None, str], str]) -> Iterator[Term]:
    for key, treaty in sorted(lib.treaties.items()):
        english, title, flag = treaty.title["en"], treaty.title.get(lang), treaty.title_flags.get(lang, "V")
        if title is None:
            yield Term(
                kind="treaty title",
                key=key,
                source=english,
                lang=lang,
                target="",
                flag="",
                note="no official title in the library: letters print the English title",
            )
        elif flag == "U":
            note = f"NOT VERIFIED (U): {title!r} is not confirmed as the official title; letters print the English title"
            yield Term(kind="treaty title", key=key, source=english, lang=lang, target="", flag="U", note=note)
        else:
            source = "primary source" if flag == "V" else "secondary source"
            yield Term(
                kind="treaty title",
                key=key,
                source=english,
                lang=lang,
                target=title,
                flag=flag,
                note=f"official title ({flag}: verified in a {source}): use it as it is",
            )
        short = translated.get(("treaty short title", treaty.short_title), "")
        yield Term(
            kind="treaty short title",
            key=key,
            source=treaty.short_title,
            lang=lang,
            target=short,
            flag="",
            note="short form in later footnotes (from the catalogue)",
        )


def _state_terms(lib: Any, lang: str) -> Iterator[Term]:
    from ..core.i18n import locale

    cldr = locale(lang).territories
    for code, state in sorted(lib.states.items()):
        for form, texts in (("state name", state.name), ("state formal name", state.formal)):
            target = texts.get(lang, "")
            note = "from the library" if target else "from CLDR: check the form your letters use" if cldr.get(code) else ""
            yield Term(kind=form, key=code, source=texts["en"], lang=lang, target=target or cldr.get(code, ""), flag="", note=note)


def _mandate_terms(addressees: dict[str, Any], lang: str, translated: dict[tuple[str | None, str], str]) -> Iterator[Term]:
    for key, a in sorted(addressees.items()):
        if a.kind != "un_mandate":
            continue
        english = a.title["en"]
        target = a.title.get(lang) or translated.get(("addressee title", english), "")
        note = "from the addressee directory" if lang in a.title else "from the catalogue" if target else "UN mandate title"
        yield Term(kind="mandate title", key=key, source=english, lang=lang, target=target, flag="", note=note)


def _citation_terms(lang: str, translated: dict[tuple[str | None, str], str]) -> Iterator[Term]:
    seen = set()
    for m in package_messages():
        if m.context in TERM_CONTEXTS and (m.context, m.msgid) not in seen:
            seen.add((m.context, m.msgid))
            target = translated.get((m.context, m.msgid), "")
            yield Term(
                kind=TERM_CONTEXTS[m.context],
                key=m.context,
                source=m.msgid,
                lang=lang,
                target=target,
                flag="",
                note=f"{m.context} (from the catalogue)",
            )


def legal_terms(loaded: Any) -> list[str]:
    """The `LEGAL_TERMS` that the letters' templates or the library's English summaries use."""
    texts = []
    for root in loaded.ws.roots:
        texts += [read_text(path, root) for path in sorted((root / "letters").glob("*/*.j2"))]
    texts += [incident.summary["en"] for incident in loaded.library.incidents.values()]
    english = " ".join(texts)
    return [term for term in LEGAL_TERMS if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", english, re.IGNORECASE)]


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (library texts are written by others)."""
    return "'" + text if text.startswith(SPREADSHEET_FORMULA) else text


def to_csv(terms: list[Term]) -> str:
    """CSV, UTF-8, with a header of translate-toolkit's column names (Weblate reads source, target,
    context and developer_comments; it ignores language, kind, key and flag)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for t in terms:
        writer.writerow([_cell(v) for v in (t.source, t.target, t.kind, t.note, t.lang, t.kind, t.key, t.flag)])
    return out.getvalue()


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TBX_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">\n'
PART_OF_SPEECH = dict.fromkeys(("treaty title", "state name", "state formal name", "mandate title"), "properNoun")


def to_tbx(terms: list[Term]) -> bytes:
    """TBX-Basic (TBX 2008): one termEntry per concept (kind and key and English term), an English
    langSet and one langSet per language with a target; official titles are marked preferred
    terms with their flag in a note; a U title gives no term, only a note on the entry."""
    martif = ET.Element("martif", {"type": "TBX-Basic", XML_LANG: SOURCE_LANG})
    header = ET.SubElement(ET.SubElement(martif, "martifHeader"), "fileDesc")
    ET.SubElement(ET.SubElement(header, "sourceDesc"), "p").text = "Glossary exported by advocate from its citation library"
    ET.SubElement(ET.SubElement(martif[0], "encodingDesc"), "p", {"type": "XCSURI"}).text = "TBXBasicXCSV02.xcs"
    body = ET.SubElement(ET.SubElement(martif, "text"), "body")
    entries: dict[tuple[str, str, str], list[Term]] = {}
    for t in terms:
        entries.setdefault((t.kind, t.key, t.source), []).append(t)
    for number, ((kind, key, source), rows) in enumerate(entries.items(), 1):
        entry = ET.SubElement(body, "termEntry", {"id": f"c{number}"})
        ET.SubElement(entry, "descrip", {"type": "subjectField"}).text = kind
        ET.SubElement(entry, "note").text = f"{kind} {key}"
        for t in rows:  # (the entry's notes come before its langSets)
            if t.flag == "U":
                ET.SubElement(entry, "note").text = f"{t.lang}: {t.note}"
        _lang_set(entry, SOURCE_LANG, source, kind, "")
        for t in rows:
            if t.target:
                _lang_set(entry, t.lang, t.target, kind, t.note, official=bool(t.flag))
    ET.indent(martif)
    return TBX_HEAD.encode() + ET.tostring(martif, encoding="utf-8") + b"\n"


def _lang_set(entry: ET.Element, lang: str, term: str, kind: str, note: str, official: bool = False) -> None:
    lang_set = ET.SubElement(entry, "langSet", {XML_LANG: lang.replace("_", "-")})
    tig = ET.SubElement(lang_set, "tig")
    ET.SubElement(tig, "term").text = term
    ET.SubElement(tig, "termNote", {"type": "partOfSpeech"}).text = PART_OF_SPEECH.get(kind, "noun" if kind == "legal term" else "other")
    if official:
        ET.SubElement(tig, "termNote", {"type": "administrativeStatus"}).text = "preferredTerm-admn-sts"
    if note:
        ET.SubElement(tig, "note").text = note


def export(loaded: Any, langs: list[str], out: Path) -> tuple[bytes, int]:
    """The glossary file for `out` (CSV or TBX, by its extension) and its number of terms."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".tbx"):
        raise UsageError(f"cannot tell the glossary format from {out.name!r}", "--out", hint="name the file FILE.csv or FILE.tbx")
    terms = glossary(loaded, langs)
    return (to_csv(terms).encode() if suffix == ".csv" else to_tbx(terms)), len(terms)
