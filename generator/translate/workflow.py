"""The translators' workflow: catalogues extracted, started, updated, compiled and counted.

In: the workspace's templates (``letters/**/*.j2``), the package's footnote terms and the library's
English-only texts. Out: the template catalogue ``locales/messages.pot``, updated and new ``.po``
files, compiled ``.mo`` files, statistics; the messages a letter prints (`Needed`). Confidential
library texts (victims' details) are never extracted.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo

from ..core.errors import CheckFailed, InputError, Where
from ..core.locales import DOMAIN, SOURCE_LANG, available_languages, locales_dir, po_path
from ..core.models import LANGS
from ..core.output import write_atomic
from ..core.workspace import Workspace
from ..core.yamlio import LDict, load_yaml
from .catalog import COMMENT_TAGS, VARIANT_RE, babel_locale, complete, read_catalog, write_catalog
from .lint import check_catalog, check_templates

PACKAGE = Path(__file__).resolve().parents[1]  # the generator package


PROJECT = "advocate"


KEYWORDS = {**DEFAULT_KEYWORDS, "_t": None, "_pt": ((1, "c"), 2)}


def extract(ws: Workspace) -> Catalog:
    """The template catalogue of the workspace's own letters (the bundled ones for the repository),
    plus the package's footnote terms."""
    root = ws.roots[0]
    catalog = Catalog(project=PROJECT, version="1", msgid_bugs_address="", copyright_holder="", fuzzy=False)
    sources = [
        (root / "letters", [("**.j2", "jinja2")], {"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}),
        (PACKAGE, [("**.py", "python")], {}),
    ]
    for folder, method_map, options in sources:
        if not folder.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder),
            method_map,
            options,
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
            directory_filter=lambda path: not Path(path).name.startswith("."),  # letters/_base is extracted too
        ):
            rel = (folder / filename).relative_to(root if (folder / filename).is_relative_to(root) else PACKAGE.parent)
            catalog.add(message, None, [(str(rel), lineno)], auto_comments=comments, context=context)
    extract_library(root, catalog)
    return catalog


LIBRARY_FIELDS = {
    "incidents": {"summary": "incident summary", "title": "incident title", "time": "incident time"},
    "documents": {"description": "document description"},
}


LIBRARY_STRINGS = {
    "treaties": {"short_title": ("treaty short title", "the treaty's short name in later footnotes, e.g. CAT (n 3)")},
    "documents": {
        "short": ("document short form", "the document's short name in later footnotes"),
        "author": ("author", "author or issuing body of a cited document; keep names of persons and media as they are"),
    },
}


ADDRESSEE_FIELDS = {"title": "addressee title", "name": "addressee name", "salutation": "salutation"}


def _english(node: object) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("en"), str):
        return str(node["en"])
    return None


def extract_library(root: Path, catalog: Catalog) -> None:
    for section in ("treaties", "documents", "incidents"):
        for path in sorted((root / "citations" / section).glob("*.yaml")):
            data = load_yaml(path)
            if not isinstance(data, LDict):
                continue
            rel = str(path.relative_to(root))
            for context, message, line, comment in item_messages(section, data):
                catalog.add(message, None, [(rel, line)], auto_comments=[comment], context=context)
    path = root / "letters" / "addressees.yaml"
    if path.is_file():
        data = load_yaml(path)
        rel = str(path.relative_to(root))
        for key, entry in (data or {}).items():
            if not isinstance(entry, LDict):
                continue
            for name, context in ADDRESSEE_FIELDS.items():
                text = _english(entry.get(name))
                if text:
                    catalog.add(text, None, [(rel, entry.lines[name])], auto_comments=[f"{context} of addressee {key}"], context=context)
            address = entry.get("address")
            if isinstance(address, LDict) and isinstance(address.get("locality"), str):
                line = address.lines["locality"]
                catalog.add(address["locality"], None, [(rel, line)], auto_comments=[f"city of addressee {key}"], context="place name")


def template_path(ws: Workspace) -> Path:
    return locales_dir(ws.roots[0]) / f"{DOMAIN}.pot"


def do_extract(ws: Workspace) -> tuple[Path, int]:
    check_templates(ws.writable_root())
    catalog = extract(ws)
    path = template_path(ws)
    write_catalog(path, catalog)
    return path, len(catalog)


def do_init(ws: Workspace, lang: str) -> Path:
    root = ws.writable_root()
    if lang not in LANGS:
        raise InputError(
            f"unknown language {lang!r}: not a locale CLDR knows",
            "LANG",
            hint="give a language tag such as de, it, pt_BR, uk, he, hi or zh_Hant (lower-case language, then _Script or _REGION)",
        )
    path = po_path(root, lang)
    if path.exists():
        raise InputError("catalogue exists already", Where(path), hint="use `advocate i18n update` to merge new messages")
    template = read_catalog(template_path(ws)) if template_path(ws).is_file() else extract(ws)
    catalog = Catalog(locale=babel_locale(lang), project=PROJECT, fuzzy=False)
    catalog.update(with_bundle(ws, lang, template))
    write_catalog(path, catalog)
    return path


def with_bundle(ws: Workspace, lang: str, template: Catalog) -> Catalog:
    """The messages a workspace's catalogue for `lang` holds: its own `template` (its letters, the
    package's footnote terms, its library) and, for a language the bundle has no catalogue of, also
    the bundle's messages (its layout, letters, library and addressees), so that a language a
    translator brings covers everything a letter prints. `template` is extended in place."""
    bundled = [root for root in ws.roots[1:] if (locales_dir(root) / f"{DOMAIN}.pot").is_file()]
    if not bundled or any(po_path(root, lang).is_file() for root in ws.roots[1:]):
        return template
    for message in read_catalog(locales_dir(bundled[-1]) / f"{DOMAIN}.pot"):
        if message.id and template.get(message.id, message.context) is None:
            template.add(message.id, None, message.locations, auto_comments=message.auto_comments, context=message.context)
    return template


def keep_variants(catalog: Catalog) -> None:
    """Put back the variants (`runtime.Recorder.variants`) that an update made obsolete because no
    template holds them, as long as the message they vary is still in the catalogue; a variant of a
    message whose English changed goes with it (translate the new message, then its variant again)."""
    for message in list(catalog.obsolete.values()):
        match = VARIANT_RE.match(message.context or "")
        if match and message.id and catalog.get(message.id, match["base"]) is not None:
            catalog[message.id] = message  # (keyed by id and context: the variant's own entry)


def do_update(ws: Workspace) -> list[tuple[Path, int, int]]:
    """Extract the template and merge it into every language; changed messages become fuzzy,
    messages gone from the letters are dropped. All or nothing: every catalogue is read and merged
    before any file (the template included) is written, so one broken catalogue changes nothing;
    a catalogue with nothing to change keeps its bytes. Returns (path, new, fuzzy) per catalogue
    written."""
    root = ws.writable_root()
    check_templates(root)
    template = extract(ws)
    merged: list[tuple[Path, Catalog, int, int]] = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang == SOURCE_LANG or not path.is_file():
            continue
        catalog = read_catalog(path, babel_locale(lang))
        before = {m.id for m in catalog if m.id}
        catalog.update(with_bundle(ws, lang, copy.deepcopy(template)), update_header_comment=False)
        keep_variants(catalog)
        catalog.obsolete.clear()  # messages no longer in any letter: their translations go too
        new = sum(1 for m in catalog if m.id and m.id not in before)
        fuzzy = sum(1 for m in catalog if m.id and m.fuzzy)
        merged.append((path, catalog, new, fuzzy))
    write_catalog(template_path(ws), template)
    return [(path, new, fuzzy) for path, catalog, new, fuzzy in merged if write_catalog(path, catalog)]


# Numbers a plural rule is tried on: every count below a thousand, and a few millions (where CLDR
# gives French, Spanish and others a form of their own).
# As GNU msgfmt: a plural form used for this many numbers or more must print the number (and
# every placeholder of msgid_plural); a form for one or a few numbers ("one organisation") may not.
@dataclass
class LangStats:
    lang: str
    total: int
    translated: int
    fuzzy: int

    @property
    def untranslated(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def stats(ws: Workspace) -> list[LangStats]:
    rows = []
    for lang in available_languages(ws, own=True):
        if lang == SOURCE_LANG:
            continue
        path = po_path(ws.roots[0], lang)
        catalog = read_catalog(path, babel_locale(lang))
        messages = [m for m in catalog if m.id]
        fuzzy = sum(1 for m in messages if m.fuzzy)
        translated = sum(1 for m in messages if not m.fuzzy and complete(m))
        rows.append(LangStats(lang, len(messages), translated, fuzzy))
    return rows


def do_compile(ws: Workspace) -> list[Path]:
    root = ws.writable_root()
    problems = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang != SOURCE_LANG and path.is_file():
            problems += [p for p in check_catalog(path, lang) if p.severity == "error"]
    if problems:
        raise CheckFailed(problems)
    written = []
    for lang in available_languages(ws, own=True):
        path = po_path(root, lang)
        if lang != SOURCE_LANG and path.is_file():
            catalog = read_catalog(path, babel_locale(lang))
            buf = io.BytesIO()
            write_mo(buf, catalog, use_fuzzy=False)
            write_atomic(path.with_suffix(".mo"), buf.getvalue())
            written.append(path.with_suffix(".mo"))
    return written


@dataclass(frozen=True)
class Needed:
    """A message a letter prints: (context, msgid) as the catalogues key it, and where it comes from."""

    context: str | None
    msgid: str
    source: Where


def package_messages() -> Iterator[Needed]:
    """The package's footnote terms (Ibid, (n 3), art 3(1), document kinds ...): every letter with
    a footnote prints some of them."""
    for filename, line, message, _comments, context in extract_from_dir(str(PACKAGE), [("**.py", "python")], keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, (list, tuple)) else message
        if msgid:
            yield Needed(context, msgid, Where(PACKAGE / filename, line))


def item_messages(section: str, data: Any, lang: str | None = None) -> Iterator[tuple[str, str, int, str]]:
    """(context, English text, line, translators' comment) of each library text of one treaty,
    document or incident (`section` names which; `data` is its YAML) that the catalogue
    translates; with `lang`, the texts the YAML already holds in that language are left out (a
    render prints those)."""
    for name, context in LIBRARY_FIELDS.get(section, {}).items():
        texts = data.get(name)
        text = _english(texts)
        if text and not (lang and lang in texts):
            yield context, text, data.lines[name], f"{context} of {data.get('key')}"
    for name, (context, comment) in LIBRARY_STRINGS.get(section, {}).items():
        if isinstance(data.get(name), str):
            yield context, data[name], data.lines[name], comment
    for number, article in (data.get("articles") or {}).items() if section == "treaties" else ():
        texts = article.get("paraphrase") if isinstance(article, dict) and "paraphrase" in article else None
        text = _english(texts)
        if text and not (lang and isinstance(texts, dict) and lang in texts):
            comment = (
                f"the rule of {data.get('key')} art {number}, stated where no verified text in your language exists:"
                " a paraphrase, never quoted as the treaty's text"
            )
            yield "treaty paraphrase", text, article.lines["paraphrase"], comment
    for i, place in enumerate(data.get("places") or []):
        if isinstance(place, str):
            yield "place name", place, data["places"].lines[i], "a place name"
