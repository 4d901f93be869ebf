"""Where letters, citations and locales come from.

In: an optional user folder (``--workspace`` / ``ADVOCATE_WORKSPACE``). Out: a `Workspace` whose
`roots` are searched in order (the user's folder first, then the bundled library), and the
sender configuration from the user's ``advocate.toml`` (the bundled one only when no user folder
is given: a user workspace without its own is an error).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import InputError, InputProblems, Problem, Where
from .files import read_text
from .schema import ALIAS, Invalid, Model, convert, field_check

CONFIG_NAME = "advocate.toml"


def bundled_root() -> Path:
    """The bundled library (letters/, citations/, locales/, advocate.toml): ``generator/_bundle/``
    in an installed wheel (the build maps the repository's top-level folders there), the
    repository's top level in a checkout (editable install)."""
    package = resources.files("generator")
    shipped = package / "_bundle"
    root = Path(str(shipped)) if shipped.is_dir() else Path(str(package)).parent
    if not (root / CONFIG_NAME).is_file():
        raise InputError(
            "the bundled letters and citation library are missing", Where(root), hint="reinstall advocate-letters"
        )
    return root.resolve()


BUNDLED = bundled_root()


class Signer(Model):
    name: str
    title: str = ""
    organisation: str = ""


class SenderText(Model):
    """``[sender.lang.XX]``: the sender as a letter in language XX prints it (each key optional:
    what is left out is the default's). `signers` replaces the default list, signer for signer."""

    name: str = ""
    address: list[str] | None = None
    signers: list[Signer] | None = None


def _known_languages(value: dict[str, SenderText]) -> dict[str, SenderText]:
    from .i18n import is_language

    for tag in value:
        if not is_language(tag):
            raise ValueError(f"[sender.lang.{tag}]: {tag!r} is not a language tag CLDR knows (fr, zh, pt_BR)")
    return value


class Sender(Model):
    name: str
    address: list[str] = []
    email: str = ""
    website: str = ""
    signers: list[Signer] = []
    lang: dict[str, SenderText] = {}

    _check_lang = field_check("lang")(_known_languages)

    def _check(self) -> None:
        """A language's signers are the default's, in the same order."""
        for tag, text in self.lang.items():
            if text.signers is not None and len(text.signers) != len(self.signers):
                raise ValueError(
                    f"[sender.lang.{tag}] has {len(text.signers)} signer(s), [sender] {len(self.signers)}:"
                    " give each signer in the same order"
                )

    def in_language(self, lang: str) -> Sender:
        """The sender as a letter in `lang` prints it: the ``[sender.lang]`` entry over the default."""
        text = self.lang.get(lang)
        if text is None:
            return self
        return dataclasses.replace(
            self,
            name=text.name or self.name,
            address=self.address if text.address is None else text.address,
            signers=self.signers if text.signers is None else text.signers,
        )


class Mail(Model):
    """``[mail]``: the From and Reply-To of delivered letters (default: the sender's name and email)."""

    from_: str = dataclasses.field(default="", metadata={ALIAS: "from"})
    reply_to: str = ""


class Config(Model):
    sender: Sender
    paper: str = "A4"
    mail: Mail = dataclasses.field(default_factory=Mail)


@dataclass(frozen=True, eq=False)
class Workspace:
    roots: tuple[Path, ...]
    config: Config
    config_path: Path
    user_root: Path | None = None

    def writable_root(self) -> Path:
        """The folder that commands writing the workspace's own files (`i18n extract`, `update`,
        `init`, `compile`) write into: the user's workspace, or the repository in a checkout;
        never the bundle inside an installed package."""
        if self.user_root is None and (BUNDLED.name, BUNDLED.parent.name) == ("_bundle", "generator"):
            raise InputError(
                "the bundled library of an installed package is read-only",
                "--workspace",
                hint="give --workspace DIR (create one with `advocate init DIR`)",
            )
        return self.roots[0]

    def find(self, *parts: str) -> list[Path]:
        """Every existing `parts` path, user workspace first."""
        return [root.joinpath(*parts) for root in self.roots if root.joinpath(*parts).exists()]


def open_workspace(path: str | Path | None = None) -> Workspace:
    """Open the user's workspace (or only the bundled library when none is given)."""
    if path is None:
        path = os.environ.get("ADVOCATE_WORKSPACE") or None
    roots: list[Path] = []
    user_root = None
    if path is not None:
        user_root = Path(path).resolve()
        if not user_root.is_dir():
            raise InputError("workspace folder not found", Where(path), hint="create it with `advocate init DIR`")
        if user_root != BUNDLED:
            roots.append(user_root)
    roots.append(BUNDLED)
    config_path = roots[0] / CONFIG_NAME  # a user workspace's own: never the bundled sample sender
    if not os.path.lexists(config_path):
        raise InputError(
            "file not found: a workspace names the sender of its letters here",
            Where(config_path),
            hint=f"create it: `advocate init NEWDIR` writes one to copy (the README, '{CONFIG_NAME}', describes it)",
        )
    return Workspace(tuple(roots), load_config(config_path), config_path, user_root)


def load_config(path: Path) -> Config:
    """The sender configuration in `path` (an ``advocate.toml`` inside its own folder).
    Raises InputError naming the file, the line and the key at fault."""
    text = read_text(path, path.parent)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 0) or _toml_line(str(exc))
        raise InputError(
            f"malformed TOML: {str(exc).split(' (at')[0]}", Where(path, line), hint="see the README, 'advocate.toml'"
        ) from None
    problems: list[Problem] = []
    try:
        config: Config | None = convert(Config, data)
    except Invalid as exc:
        config = None
        for err in exc.errors:
            kind = {"unknown": "unknown key", "missing": "missing key"}.get(err.kind)
            message = f"{kind}: {err.dotted}" if kind else f"{err.dotted}: {err.message}" if err.loc else err.message
            where = Where(path, _toml_key_line(text, err.loc))
            problems.append(Problem("error", where, message, "see the README, 'advocate.toml'"))
    paper = data.get("paper", "A4")
    if paper not in ("A4", "letter"):
        problems.append(Problem("error", Where(path, _toml_key_line(text, ("paper",))), f"paper must be 'A4' or 'letter', not {paper!r}"))
    if len(problems) == 1:
        raise InputError(problems[0].message, problems[0].where, hint=problems[0].hint or None)
    if problems:
        raise InputProblems(sorted(problems, key=lambda p: p.where.line if isinstance(p.where, Where) else 0), path.name)
    assert config is not None
    return config


def _toml_line(message: str) -> int:
    import re

    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else 0


def _toml_key_line(text: str, loc: tuple[str | int, ...]) -> int:
    """The line in TOML `text` of the key at schema location `loc` (e.g. ("sender", "signers", 0,
    "email")), or of its table header when the key is missing."""
    table = ".".join(str(p) for p in loc[:-1] if isinstance(p, str))
    index = next((p for p in loc if isinstance(p, int)), 0)
    key = str(loc[-1])
    seen: dict[str, int] = {}
    current, header_line = "", 0
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip()
            seen[current] = seen.get(current, -1) + 1
            if current == table and seen[current] == index:
                header_line = n
            continue
        name = stripped.split("=", 1)[0].strip().strip('"')
        if name == key and current == table and seen.get(current, 0) == index:
            return n
    return header_line
