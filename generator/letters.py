"""Letter specifications and the addressee directory.

In: ``letters/<name>/letter.yaml`` and ``letters/addressees.yaml`` of each workspace root (the
user's first: a user letter or addressee with the same name replaces the bundled one).
Out: `LetterSpec` and `Addressee` models, and the problems found while loading.
"""

from __future__ import annotations

from pathlib import Path

from .errors import AdvocateError, Problem, Where
from .models import KEY_RE, Addressee, LetterSpec, validate
from .workspace import Workspace
from .yamlio import LDict, load_yaml

TEMPLATE_NAME = "letter.html.j2"


def letter_dirs(ws: Workspace) -> dict[str, Path]:
    dirs: dict[str, Path] = {}
    for root in reversed(ws.roots):
        base = root / "letters"
        if base.is_dir():
            for child in sorted(base.iterdir()):
                if child.is_dir() and not child.name.startswith(("_", ".")) and (child / "letter.yaml").is_file():
                    dirs[child.name] = child
    return dict(sorted(dirs.items()))


def load_letters(ws: Workspace) -> tuple[dict[str, LetterSpec], list[Problem]]:
    from .catalog import letter_languages

    problems: list[Problem] = []
    specs: dict[str, LetterSpec] = {}
    every = letter_languages(ws)
    for name, folder in letter_dirs(ws).items():
        spec = load_letter(folder, problems, every)
        if spec is not None:
            specs[name] = spec
    return specs, problems


def load_letter(folder: Path, problems: list[Problem], every: list[str]) -> LetterSpec | None:
    """A letter's spec; ``languages: all`` becomes `every` language with a catalogue."""
    path = folder / "letter.yaml"
    try:
        data = load_yaml(path)
    except AdvocateError as exc:
        problems.append(Problem("error", exc.where or Where(path), exc.msg, exc.hint or ""))
        return None
    lines = dict(data.lines) if isinstance(data, LDict) else {}
    extra = {"name": folder.name, "path": folder, "line_of_key": lines}
    if isinstance(data, dict) and data.get("languages") == "all":
        extra["languages"] = every
    spec, errs = validate(LetterSpec, data, path, extra)
    problems.extend(errs)
    if not (folder / TEMPLATE_NAME).is_file():
        problems.append(
            Problem(
                "error",
                Where(folder / TEMPLATE_NAME),
                "letter template missing",
                hint=f"every letter folder holds letter.yaml and {TEMPLATE_NAME}",
            )
        )
    return spec


def load_addressees(ws: Workspace) -> tuple[dict[str, Addressee], dict[str, Where], list[Problem]]:
    problems: list[Problem] = []
    found: dict[str, Addressee] = {}
    origin: dict[str, Where] = {}
    for root in reversed(ws.roots):
        for path in [root / "letters" / "addressees.yaml", *sorted((root / "letters" / "addressees").glob("*.yaml"))]:
            if not path.is_file():
                continue
            try:
                data = load_yaml(path)
            except AdvocateError as exc:
                problems.append(Problem("error", exc.where or Where(path), exc.msg, exc.hint or ""))
                continue
            if not isinstance(data, LDict):
                problems.append(Problem("error", Where(path), "expected a mapping of addressee keys to addressees"))
                continue
            for key, body in data.items():
                where = Where(path, data.lines[key])
                if not isinstance(key, str) or not KEY_RE.match(key):
                    problems.append(Problem("error", where, f"addressee key {key!r} must be lowercase letters, digits, '-' or '_'"))
                    continue
                item, errs = validate(Addressee, body, path, {"key": key})
                problems.extend(errs)
                if item is not None:
                    found[key], origin[key] = item, where
    return found, origin, problems
