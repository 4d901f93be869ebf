"""Where a workspace keeps its gettext catalogues, and which languages they give.

In: a `Workspace` (its roots' ``locales/LANG/LC_MESSAGES/messages.po``). Out: the catalogue paths
(`po_path`) and the languages a render may use (`available_languages`, `letter_languages`).
"""

from __future__ import annotations

from pathlib import Path

from .languages import BUNDLED_LANGS, is_language
from .workspace import Workspace

DOMAIN = "messages"
SOURCE_LANG = "en"


def locales_dir(root: Path) -> Path:
    return root / "locales"


def po_path(root: Path, lang: str) -> Path:
    return locales_dir(root) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages(ws: Workspace, own: bool = False) -> list[str]:
    """Languages with a catalogue: in any root (for rendering) or, with `own`, in the workspace's
    own folder (what its translators maintain). A folder not named by a language tag is left out
    (`check_locale_folders` reports it)."""
    langs = {SOURCE_LANG}
    for root in ws.roots[:1] if own else ws.roots:
        base = locales_dir(root)
        if base.is_dir():
            langs |= {d.name for d in base.iterdir() if is_language(d.name) and (d / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()}
    return sorted(langs)


def letter_languages(ws: Workspace) -> list[str]:
    """What ``languages: all`` in a letter.yaml means: English and every language with a catalogue
    in the workspace or the bundle, the bundled languages first (in their order), then the others."""
    langs = available_languages(ws)
    return [lang for lang in BUNDLED_LANGS if lang in langs] + sorted(set(langs) - set(BUNDLED_LANGS))
