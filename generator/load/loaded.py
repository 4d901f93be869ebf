"""The loaded workspace: everything a letter is built from, read once.

In: a `Workspace`. Out: `Loaded` (the citation library, the letter specs, the addressees and where
each was declared, and every problem found while reading them), and the letter or addressee a
command names (`get_letter`, `get_addressee`: an unknown name is a usage error with a hint).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from ..core.cache import cache_key, keep, recall
from ..core.errors import Problem, UsageError, Where, suggest
from ..core.files import Stamp, stamp
from ..core.models import Addressee, LetterSpec
from ..core.workspace import Workspace
from .letters import load_addressees, load_letters
from .library import Library, load_library


@dataclass(frozen=True)
class Loaded:
    ws: Workspace
    library: Library
    letters: dict[str, LetterSpec]
    addressees: dict[str, Addressee]
    addressee_origin: dict[str, Where]
    problems: list[Problem]
    # Without any named victim's name or details (what the cache folder may hold): a confidential
    # render loads the workspace again with them (`load(ws, confidential=True)`, compose_html).
    redacted: bool = False


SOURCES = ("citations", "letters", "locales")  # what `load` reads (locales/: which languages have a catalogue)


def load(ws: Workspace, confidential: bool = False) -> Loaded:
    """The workspace loaded; made again once a file it was read from changes (its cache is keyed
    on the files' state, so a long-lived process, the preview, sees a saved file). Named victims'
    names and details only with `confidential` (a confidential render's); without, they are
    blank (`Loaded.redacted`), as in the copy kept in the cache folder."""
    return _load(ws, stamp(*(root / name for root in ws.roots for name in SOURCES)), confidential)


@lru_cache(maxsize=4)
def _load(ws: Workspace, files: Stamp, confidential: bool) -> Loaded:
    """Read from the user's cache folder when this workspace was loaded before from the same
    files by the same code (reading its ~60 YAML files took about 40 ms of each cold command);
    else read and kept there, redacted: no victim's name or details ever reaches the cache folder,
    so a confidential load reads the files. The code: advocate's modules, Python, PyYAML, and
    Babel (whose CLDR data says which language tags exist)."""
    name, key = cache_key(ws.roots, "", files, "yaml", "babel")
    kept = None if confidential else recall("loaded", name, key)
    if isinstance(kept, Loaded) and kept.redacted:
        return dataclasses.replace(kept, ws=ws)
    library, p1 = load_library(ws)
    letters, p2 = load_letters(ws)
    addressees, origin, p3 = load_addressees(ws)
    loaded = Loaded(ws, library, letters, addressees, origin, [*p1, *p2, *p3])
    redacted = dataclasses.replace(loaded, library=library.without_victims_named(), redacted=True)
    keep("loaded", name, key, redacted)
    return loaded if confidential else redacted


def get_letter(loaded: Loaded, name: str) -> LetterSpec:
    spec = loaded.letters.get(name)
    if spec is None:
        raise UsageError(f"unknown letter {name!r}", hint=suggest(name, sorted(loaded.letters), "advocate letters"))
    return spec


def get_addressee(loaded: Loaded, key: str) -> Addressee:
    found = loaded.addressees.get(key)
    if found is None:
        raise UsageError(
            f"unknown addressee {key!r}",
            hint=suggest(key, sorted(loaded.addressees), "advocate addressees list"),
        )
    return found
