"""Letter specifications and the addressee directory.

In: ``letters/<name>/letter.yaml`` and ``letters/addressees.yaml`` of each workspace root (the
user's first: a user letter or addressee with the same name replaces the bundled one).
Out: `LetterSpec` and `Addressee` models, and the problems found while loading.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

from ..core.errors import AdvocateError, Problem, RenderError, Where
from ..core.files import read_text, resolve_inside, yaml_files
from ..core.locales import letter_languages
from ..core.models import KEY_RE, Addressee, LetterSpec, validate
from ..core.workspace import Workspace
from ..core.yamlio import LDict, load_yaml

TEMPLATE_NAME = "letter.html.j2"
EMPTY_HINT = '{% extends "_base/base.html.j2" %} and write the letter inside {% block body %} ... {% endblock %}'

# Jinja's messages for the usual mistakes inside {% trans %}, and what to write instead.
TRANS_HINTS = (
    (
        "expected token 'end of print statement'",
        "inside {% trans %} only plain names are printed: bind the value first, "
        "e.g. {% trans name=addressee.name %}Dear {{ name }}{% endtrans %}",
    ),
    ("control structures in translatable sections", "end the {% trans %} block before {% if %} or {% for %}, or write one block per case"),
    ("translatable section can have only one pluralize", "a {% trans %} block has one {% pluralize %} at most"),
    ("unclosed translation block", "close the block with {% endtrans %}"),
)


def template_syntax_hint(message: str) -> str | None:
    """The hint for a Jinja syntax error `message` that has a usual cause, else None."""
    return next((hint for text, hint in TRANS_HINTS if text in message), None)


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
    problems: list[Problem] = []
    specs: dict[str, LetterSpec] = {}
    every = letter_languages(ws)
    for name, folder in letter_dirs(ws).items():
        spec = load_letter(folder, problems, every)
        if spec is not None:
            specs[name] = spec
    return specs, problems


def load_letter(folder: Path, problems: list[Problem], every: list[str]) -> LetterSpec | None:
    """``letters/<name>/``: its letter.yaml as a `LetterSpec` (None when broken; ``languages: all``
    becomes `every` language with a catalogue), its template and example signatory lists checked;
    problems are appended."""
    path = folder / "letter.yaml"
    root = folder.parent.parent  # the workspace whose letters/ holds this folder
    try:
        data = load_yaml(path, root)
    except AdvocateError as exc:
        problems.append(Problem("error", exc.where or Where(path), exc.msg, exc.hint or ""))
        return None
    lines = dict(data.lines) if isinstance(data, LDict) else {}
    extra = {"name": folder.name, "path": folder, "line_of_key": lines}
    if isinstance(data, dict) and data.get("languages") == "all":
        accepted = data.get("accepted_languages") or []
        extra["languages"] = [lang for lang in every if lang in accepted] if isinstance(accepted, list) and accepted else every
    spec, errs = validate(LetterSpec, data, path, extra)
    problems.extend(errs)
    problems.extend(_template_problems(folder / TEMPLATE_NAME, root))
    for example in spec.examples if spec is not None else []:
        csv = folder / example.signatories if example.signatories else None
        try:
            if csv is not None and os.path.lexists(csv):  # (a missing file is reported by `advocate check`)
                resolve_inside(csv, root)
        except AdvocateError as exc:
            problems.append(Problem("error", Where(path, lines.get("examples", 0)), f"{example.signatories}: {exc.msg}", exc.hint or ""))
    return spec


def _template_problems(path: Path, root: Path) -> list[Problem]:
    """A letter's own template must be a UTF-8 file inside the workspace `root`, and not empty."""
    if not os.path.lexists(path):
        return [Problem("error", Where(path), "letter template missing", hint=f"every letter folder holds letter.yaml and {TEMPLATE_NAME}")]
    try:
        text = read_text(path, root)
    except AdvocateError as exc:
        return [Problem("error", exc.where or Where(path), exc.msg, exc.hint or "")]
    if not text.strip():
        return [Problem("error", Where(path), "letter template is empty", hint=EMPTY_HINT)]
    return []


def load_addressees(ws: Workspace) -> tuple[dict[str, Addressee], dict[str, Where], list[Problem]]:
    """The addressee directory: ``letters/addressees.yaml`` and ``letters/addressees/*.yaml`` of
    each root, bundled first (a user's key replaces a bundled one). Out: key -> addressee, key ->
    where it is defined, and the problems found."""
    problems: list[Problem] = []
    found: dict[str, Addressee] = {}
    origin: dict[str, Where] = {}
    for root in reversed(ws.roots):
        for path in _addressee_files(root, problems):
            try:
                data = load_yaml(path, root)
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


def _addressee_files(root: Path, problems: list[Problem]) -> list[Path]:
    """The addressee files of workspace `root` that exist (a broken link among them included, to
    be reported when read); a link loop or a link out of the workspace for the folder is a problem."""
    single = root / "letters" / "addressees.yaml"
    try:
        folder = yaml_files(root / "letters" / "addressees", root)
    except AdvocateError as exc:
        problems.append(Problem("error", exc.where or Where(root / "letters" / "addressees"), exc.msg, exc.hint or ""))
        folder = []
    return [single, *folder] if os.path.lexists(single) else folder


class _BodyText(HTMLParser):
    """Whether a rendered letter says anything: text or an image inside ``<div class="body">``
    (the shared layout's body block) or, for a page without one, anywhere in its ``<body>``."""

    SILENT = {"head", "style", "script", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_body_div = 0  # depth of <div> elements, counted from <div class="body">
        self.silent = 0
        self.has_body_div = False
        self.body_says = False
        self.page_says = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SILENT:
            self.silent += 1
        elif tag == "div" and (self.in_body_div or "body" in (dict(attrs).get("class") or "").split()):
            self.has_body_div = True
            self.in_body_div += 1
        elif tag in ("img", "svg"):
            self._says()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SILENT:
            self.silent = max(0, self.silent - 1)
        elif tag == "div" and self.in_body_div:
            self.in_body_div -= 1

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.silent:
            self._says()

    def _says(self) -> None:
        self.page_says = True
        self.body_says = self.body_says or bool(self.in_body_div)


def require_body(html: str, template: Path) -> None:
    """Refuse a rendered letter whose body is empty (a blank page would be printed and sent).
    In: the HTML and the letter's template. Raises RenderError naming the template's body block."""
    parser = _BodyText()
    parser.feed(html)
    parser.close()
    said = parser.body_says if parser.has_body_div else parser.page_says
    if said:
        return
    try:
        line = next((n for n, text in enumerate(read_text(template).splitlines(), 1) if "block body" in text), 0)
    except AdvocateError:
        line = 0
    raise RenderError("the letter's body renders no text (a blank letter would be printed)", Where(template, line), hint=EMPTY_HINT)
