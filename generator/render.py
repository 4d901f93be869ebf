"""Letter templates to HTML.

In: a letter name, a render context and the workspace. Out: an HTML string. Jinja2 with
autoescape on (variables are text, never markup), strict undefined variables, and a search path
of the user's ``letters/`` before the bundled one. Template faults become `RenderError`s naming
the template file and line.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jinja2

from .catalog import Recorder
from .errors import RenderError, Where
from .i18n import RTL
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
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks are extracted and looked up with whitespace collapsed
    return env


def environment(ws: Workspace) -> jinja2.Environment:
    return _environment(ws.roots)


def render_html(ws: Workspace, letter: str, context: dict[str, Any], messages: Recorder | None = None) -> str:
    env = environment(ws)
    if messages is not None:
        messages.install(env)
    name = f"{letter}/letter.html.j2"
    try:
        template = env.get_template(name)
        html = template.render(context)
        return typeset(html, str(context.get("lang", "en")))
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


_TAG = re.compile(r"(<[^>]+>)")
_HANGUL_WORD = re.compile(r"\S*[\uac00-\ud7a3]\S*")
_CJK = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"([{_CJK}](?:</?[a-zA-Z][^>]*>)*)[ \t\n]+(?=(?:</?[a-zA-Z][^>]*>)*[{_CJK}])")
_CJK_NUMBER = re.compile(r"(?<=\d)(?=[年月日号名人個条])|(?<=[年月])(?=\d)|(?<=\d)(?=\d)")
_LATIN_RUN = re.compile(
    r"(?<![&#\w])(?:&#?\w+;\s*)?[“‘(\[]?(?:[0-9][0-9.,]*\s+)?[A-Za-z][A-Za-z0-9 .,:;'’‘“”()\[\]/&#%@+=?–—_-]*(?<=[A-Za-z0-9)\]’”.])"
)
_ENTITY_OR_TEXT = re.compile(r"&#?\w+;|[^&]+|&")
_CHAR_OR_ENTITY = re.compile(r"&#?\w+;|.", re.S)
_RAW = ("head", "style", "title", "script")


_APOSTROPHE = re.compile(r"(?<=\w)(?:'|&#39;)(?=\w)")


def map_text(html: str, func: Callable[[str], str]) -> str:
    """Apply `func` to the text between tags of the document body (never to tags, never inside
    head, style or script)."""
    out: list[str] = []
    raw = 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = part[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if len(part) > 2 else ""
            if name in _RAW and not part.endswith("/>"):
                raw += -1 if part.startswith("</") else 1
            out.append(part)
        else:
            out.append(part if raw or not part else func(part))
    return "".join(out)


def typeset(html: str, lang: str) -> str:
    """Language typography on the finished HTML: typographic apostrophes (People's -> People’s);
    in Korean, WORD JOINERs (U+2060) between the letters of each word, since Korean breaks lines
    between words only and WeasyPrint rejects `word-break: keep-all`. (Wrapping each word in a
    no-break span does the same but makes layout about five times slower; the joiner is
    invisible and is not in the PDF's text.)"""

    def text(part: str) -> str:
        if lang in ("en", "fr"):
            part = _APOSTROPHE.sub("’", part)
        if lang in ("zh", "ja"):  # never break "2023年9月18日" or "500名" inside
            part = _ENTITY_OR_TEXT.sub(lambda m: m.group(0) if m.group(0).startswith("&") else _CJK_NUMBER.sub("\u2060", m.group(0)), part)
        if lang in RTL:  # Latin runs (names, titles, UNTS references) keep their order: bidi isolates (LRI ... PDI),
            # which cost the layout nothing, unlike one inline box per run
            part = _LATIN_RUN.sub(lambda m: f"\u2066{m.group(0)}\u2069", part)
        if lang == "ko":
            part = _HANGUL_WORD.sub(lambda m: "\u2060".join(_CHAR_OR_ENTITY.findall(m.group(0))), part)
        return part

    html = map_text(html, text)
    if lang in ("zh", "ja"):  # no spaces between Chinese or Japanese sentences, even across tags
        head, sep, body = html.partition("<body")
        html = head + sep + _CJK_GAP.sub(r"\1", body)
    return html


def _template_frame(exc: BaseException) -> Where | None:
    where = None
    for frame in traceback.extract_tb(sys.exc_info()[2] or exc.__traceback__):
        if frame.filename.endswith(".j2"):
            where = Where(frame.filename, frame.lineno or 0)
    return where
