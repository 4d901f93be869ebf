"""Helpers shared by the test modules (imported as `from _helpers import ...`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

DATE = "2026-11-23"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def template(body: str, subject: str = "Test letter") -> str:
    """A letter template extending the shared layout with `body` (lines keep their numbers:
    the body starts on line 4)."""
    return (
        '{% extends "_base/base.html.j2" %}\n'
        f"{{% block subject %}}{subject}{{% endblock %}}\n"
        "{% block body %}\n"
        f"{textwrap.dedent(body).strip()}\n"
        "{% endblock %}\n"
    )


def set_template(ws: Path, body: str, letter: str = "example") -> Path:
    return write(ws / "letters" / letter / "letter.html.j2", template(body))


def letters_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha()).lower()


def set_languages(ws: Path, languages: str, letter: str = "example") -> Path:
    """Declare `languages` (``[en, fr]``) in the letter's letter.yaml (the init example declares [en])."""
    path = ws / "letters" / letter / "letter.yaml"
    text = "\n".join(
        f"languages: {languages}" if line.startswith("languages:") else line for line in path.read_text(encoding="utf-8").splitlines()
    )
    return write(path, text + "\n")
