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
from collections.abc import Callable, Iterator
from functools import lru_cache
from html import escape as escape_html
from html import unescape as unescape_html
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
_LATIN = "A-Za-z\u00c0-\u024f"
_LATIN_RUN = re.compile(  # a stretch of Latin words, numbers, spaces and punctuation (unescaped text)
    rf"(?<![{_LATIN}0-9])[“‘(\[<]?[{_LATIN}0-9][{_LATIN}0-9 \u00a0\u202f.,:;'’‘“”()\[\]<>/&#%@+=?~_–—-]*"
)
_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))
_HAS_LATIN_LETTER = re.compile(f"[{_LATIN}]")
_PAIRS = {"(": ")", "[": "]", "<": ">", "“": "”", "‘": "’"}
_TRAILING_NUMBER = re.compile(r"[\s,]+\d[\d.,]*$")
_ARABIC_NEXT = re.compile(r"[\s\u00a0]*[\u0600-\u06ff]")
_RAW = ("head", "style", "title", "script")


_APOSTROPHE = re.compile(r"(?<=\w)'")  # experts' press release, People's
_LATIN_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")  # English names and titles in other languages


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
    """Language typography on the finished HTML, on the text between tags (unescaped, changed,
    escaped again): typographic apostrophes (People's -> People’s); in Korean, WORD JOINERs
    (U+2060) between the letters of each word, since Korean breaks lines between words only and
    WeasyPrint rejects `word-break: keep-all` (one no-break span per word does the same but makes
    layout about five times slower; the joiner is invisible and is not in the PDF's text); in
    Chinese and Japanese, joiners inside dates and counts and no spaces between sentences; in
    Arabic, Latin runs between bidi isolates. Latin runs (names, titles, URLs, UN symbols) are
    never given joiners, so that a URL copied from the PDF still works."""

    def text(part: str) -> str:
        plain = (_APOSTROPHE if lang in ("en", "fr") else _LATIN_APOSTROPHE).sub("’", unescape_html(part))
        if lang in ("zh", "ja"):  # never break "2023年9月18日" or "500名" inside
            plain = _outside_latin_runs(plain, lambda gap: _CJK_NUMBER.sub("\u2060", gap))
        if lang in RTL:
            plain = isolate_latin(plain)
        if lang == "ko":
            plain = _HANGUL_WORD.sub(lambda m: "\u2060".join(m.group(0)), plain)
        return escape_html(plain, quote=False)

    html = map_text(html, text)
    if lang in ("zh", "ja"):  # no spaces between Chinese or Japanese sentences, even across tags
        head, sep, body = html.partition("<body")
        html = head + sep + _CJK_GAP.sub(r"\1", body)
    return html


def _latin_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each Latin run in `text`: a name, a title, a UNTS reference, a URL. A run takes
    its brackets and quotation marks only in pairs, leaves sentence punctuation and separators to
    the text around it, and leaves out a day number that belongs to an Arabic date after it
    ("America, 28 نوفمبر")."""
    pos = 0
    while match := _LATIN_RUN.search(text, pos):
        start, run = match.start(), _balanced(match.group(0))
        run = run.rstrip(" \u00a0\u202f.,:;–—-")
        if _TRAILING_NUMBER.search(run) and _ARABIC_NEXT.match(text, start + len(run)):
            run = _TRAILING_NUMBER.sub("", run)
        if _HAS_LATIN_LETTER.search(run):
            yield start, start + len(run)
        pos = start + max(len(run), 1)


def _outside_latin_runs(text: str, func: Callable[[str], str]) -> str:
    out, pos = [], 0
    for start, end in _latin_runs(text):
        out += [func(text[pos:start]), text[start:end]]
        pos = end
    return "".join(out) + func(text[pos:])


def isolate_latin(text: str) -> str:
    """In right-to-left text, each Latin run between bidi isolates (LRI ... PDI), so that it keeps
    its order; isolates cost the layout nothing, unlike one inline box per run. A closing mark at
    the end of a run gets a LEFT-TO-RIGHT MARK: WeasyPrint lays out each line on its own, so a line
    that starts inside the run does not see the LRI, and the mark would go to the left. Isolates
    already in the text are replaced, so the result is the same however often it runs."""
    text, out, pos = text.replace("\u200e\u2069", "").translate(_ISOLATES), [], 0
    for start, end in _latin_runs(text):
        run = text[start:end]
        out += [text[pos:start], f"\u2066{run}\u200e\u2069" if run[-1] in "’”)]>" else f"\u2066{run}\u2069"]
        pos = end
    return "".join(out) + text[pos:]


def _balanced(run: str) -> str:
    """`run` up to its first bracket or quotation mark that is not closed inside it, or to a closing
    one that was not opened in it."""
    expected: list[tuple[int, str]] = []
    for i, char in enumerate(run):
        if char in _PAIRS and not (char == "‘" and i and run[i - 1].isalpha()):
            expected.append((i, _PAIRS[char]))
        elif char in ")]>”" or (char == "’" and expected and expected[-1][1] == "’"):
            if not expected or expected[-1][1] != char:
                return run[:i]
            expected.pop()
    return run[: expected[0][0]] if expected else run


def _template_frame(exc: BaseException) -> Where | None:
    where = None
    for frame in traceback.extract_tb(sys.exc_info()[2] or exc.__traceback__):
        if frame.filename.endswith(".j2"):
            where = Where(frame.filename, frame.lineno or 0)
    return where
