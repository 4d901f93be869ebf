"""Letter templates to HTML.

In: a letter name, a render context and the workspace. Out: an HTML string. Jinja2 with
autoescape on (variables are text, never markup), strict undefined variables, and a search path
of the user's ``letters/`` before the bundled one. Template faults become `RenderError`s naming
the template file and line.
"""

from __future__ import annotations

import sys
import traceback
from functools import lru_cache
from typing import Any

import jinja2

from .errors import RenderError, Where
from .workspace import Workspace


@lru_cache(maxsize=8)
def _environment(roots: tuple[Any, ...]) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(root / "letters")) for root in roots])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def environment(ws: Workspace) -> jinja2.Environment:
    return _environment(ws.roots)


def render_html(ws: Workspace, letter: str, context: dict[str, Any]) -> str:
    env = environment(ws)
    name = f"{letter}/letter.html.j2"
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(str(r / "letters" / str(exc.name)) for r in ws.roots)
        raise RenderError(f"template {exc.name!r} not found", hint=f"searched: {searched}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template syntax: {exc.message}", Where(exc.filename or exc.name or name, exc.lineno)) from None
    except jinja2.UndefinedError as exc:
        raise RenderError(
            f"template uses an undefined value: {exc.message}",
            _template_frame(exc) or name,
            hint="declare it as a variable in letter.yaml or fix the name",
        ) from None


def _template_frame(exc: BaseException) -> Where | None:
    where = None
    for frame in traceback.extract_tb(sys.exc_info()[2] or exc.__traceback__):
        if frame.filename.endswith(".j2"):
            where = Where(frame.filename, frame.lineno or 0)
    return where
