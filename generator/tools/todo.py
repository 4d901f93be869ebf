"""What one letter still needs in one language (`advocate i18n todo`).

In: the loaded workspace, a letter, a language (and an addressee). Out: the messages the letter
prints that no catalogue of that language translates (`todo`), each with where it is used and the
catalogue entry a translator edits.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract as babel_extract

from ..checks.checks import letter_citations
from ..core.errors import UsageError, Where
from ..core.files import read_text
from ..core.locales import SOURCE_LANG, po_path
from ..core.models import LetterSpec
from ..load.loaded import Loaded, get_addressee, get_letter
from ..translate.catalog import babel_locale, complete, read_catalog
from ..translate.workflow import ADDRESSEE_FIELDS, KEYWORDS, Needed, item_messages, package_messages


@dataclass(frozen=True)
class Todo:
    """A message the letter needs that has no usable translation. `state`: ``untranslated``,
    ``fuzzy`` or ``absent`` (not in the catalogue: `i18n update` adds it). `where` is the catalogue
    file and line of the entry (line 0 for an absent one)."""

    state: str
    needed: Needed
    where: Where


def _template_messages(path: Path, root: Path) -> Iterator[Needed]:
    """The {% trans %} blocks and gettext calls of one template of workspace `root` (read inside it)."""
    text = read_text(path, root)
    options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
    for line, message, _comments, context in babel_extract("jinja2", io.BytesIO(text.encode()), KEYWORDS, (), options):
        msgid = message[0] if isinstance(message, (list, tuple)) else message
        if msgid:
            yield Needed(context, msgid, Where(path, line))


def _cited_keys(loaded: Loaded, spec: LetterSpec) -> list[str]:
    """The library keys a letter's template cites, with the documents its incidents rest on."""
    lib = loaded.library
    keys = [key for key in letter_citations(loaded.ws, spec) if lib.get(key) is not None]
    for key in list(keys):
        incident = lib.incidents.get(key)
        if incident is not None:
            docs = [s.document for s in incident.sources] + [d for c in incident.counts for d in c.attributed_to]
            keys += [doc for doc in docs if doc in lib.documents and doc not in keys]
    return keys


def _addressee_messages(loaded: Loaded, key: str, lang: str) -> Iterator[Needed]:
    """The texts of addressee `key` that the catalogue translates (title, name, salutation, city)."""
    addressee = get_addressee(loaded, key)
    where = loaded.addressee_origin[key]
    for name, context in ADDRESSEE_FIELDS.items():
        texts = getattr(addressee, name)
        if texts and lang not in texts:
            yield Needed(context, texts["en"], where)
    if addressee.address is not None and addressee.address.locality:
        yield Needed("place name", addressee.address.locality, where)


def letter_messages(loaded: Loaded, letter: str, lang: str, to: str | None = None) -> list[Needed]:
    """Every message letter `letter` prints in `lang`: its own templates, the shared layout
    (``letters/_base``), the package's footnote terms, the library texts it cites and, with `to`,
    that addressee's texts. In document order, each (context, msgid) once."""
    ws = loaded.ws
    spec = get_letter(loaded, letter)
    root = spec.path.parent.parent
    templates = sorted(spec.path.glob("*.j2"))
    base = ws.find("letters", "_base")
    found = [m for path in templates for m in _template_messages(path, root)]
    if base:
        found += [m for path in sorted(base[0].glob("*.j2")) for m in _template_messages(path, base[0].parent.parent)]
    found += list(package_messages())
    for key in _cited_keys(loaded, spec):
        section = next(name for name in ("treaties", "documents", "incidents") if key in getattr(loaded.library, name))
        origin = loaded.library.origin[key]
        found += [Needed(c, text, Where(origin.path, line)) for c, text, line, _ in item_messages(section, loaded.library.raw[key], lang)]
    if to:
        found += list(_addressee_messages(loaded, to, lang))
    return list({(m.context, m.msgid): m for m in reversed(found)}.values())[::-1]


def todo(loaded: Loaded, letter: str, lang: str, to: str | None = None) -> list[Todo]:
    """The messages of `letter_messages` that no catalogue of `lang` translates (the workspace's
    over the bundle's, as a render merges them): untranslated and fuzzy ones in the order of the
    catalogue the translator edits, then the ones no catalogue holds yet. Raises UsageError for
    English or a language without a catalogue."""
    if lang == SOURCE_LANG:
        raise UsageError("English is the letters' source language: nothing to translate", "--lang", hint="give another language")
    paths = [po_path(root, lang) for root in loaded.ws.roots if po_path(root, lang).is_file()]
    if not paths:
        raise UsageError(f"no catalogue for {lang!r}", "--lang", hint=f"start it with `advocate i18n init {lang}`")
    catalogs = [(path, read_catalog(path, babel_locale(lang))) for path in paths]
    found: list[Todo] = []
    for needed in letter_messages(loaded, letter, lang, to):
        entries = [(path, m) for path, catalog in catalogs if (m := catalog.get(needed.msgid, needed.context)) is not None]
        if any(not m.fuzzy and complete(m) for _path, m in entries):
            continue
        if entries:
            path, message = entries[0]
            found.append(Todo("fuzzy" if message.fuzzy else "untranslated", needed, Where(path, message.lineno or 0)))
        else:
            found.append(Todo("absent", needed, Where(paths[0])))
    return sorted(found, key=lambda t: (t.state == "absent", str(t.where.path), t.where.line))
