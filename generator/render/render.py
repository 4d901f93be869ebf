"""Letter templates to HTML.

In: a letter name, a render context and the workspace. Out: an HTML string. Jinja2 with
autoescape on (variables are text, never markup), strict undefined variables, and a search path
of the user's ``letters/`` before the bundled one. Templates are data: every one (letters, the
annex, the mail messages) runs in `LetterSandbox`, which calls only the documented functions, and
is loaded by `LettersLoader`, which never leaves the ``letters/`` folders. Template faults and
sandbox refusals become `RenderError`s naming the template file and line.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from html import escape as escape_html
from html import unescape as unescape_html
from pathlib import Path
from types import BuiltinMethodType, ModuleType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import InternationalizationExtension
from jinja2.parser import Parser
from jinja2.runtime import BlockReference, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..core.cache import private_folder
from ..core.errors import CheckFailed, RenderError, Where
from ..core.files import read_text
from ..core.i18n import RTL, cjk_kind
from ..core.workspace import Workspace
from ..load.letters import template_syntax_hint
from ..translate.runtime import Recorder

LOG = logging.getLogger("advocate.render")
SANDBOX_HINT = "templates may only call the documented functions and read the documented values: see docs/writing-letters.md"
MAX_RANGE = 10_000  # range() in a template; a letter never counts further
MAX_SIZE = 100_000  # items or characters that `*` may build, and the largest power `**` may raise to
# Jinja's globals that no letter needs (cycler, joiner, lipsum, namespace, dict) are removed; these stay:
GLOBALS = ("range", "gettext", "ngettext", "pgettext", "npgettext", "_")
# Filters that build output of a size the template chooses (center, indent, wordwrap, format,
# batch, slice) or print Python's view of an object (pprint, xmlattr, tojson) are removed.
REMOVED_FILTERS = ("center", "indent", "wordwrap", "format", "batch", "slice", "pprint", "xmlattr", "tojson", "random")
# Methods of plain values a template may call ("vars.get('x')", "name.upper()").
SAFE_METHODS = {
    str: {"capitalize", "count", "endswith", "find", "isdigit", "join", "lower", "lstrip", "replace", "rsplit", "rstrip",
          "split", "splitlines", "startswith", "strip", "title", "upper", "striptags", "unescape"},
    dict: {"get", "items", "keys", "values"},
    list: {"count", "index"},
    tuple: {"count", "index"},
}


class TemplateFunction:
    """A function a template may call: one of the documented ones (docs/writing-letters.md). The
    wrapped function is out of the template's reach (a private slot)."""

    __slots__ = ("_func",)

    def __init__(self, func: Callable[..., Any]):
        self._func = func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._func(*args, **kwargs)


class TemplateSyntax(RenderError):
    """A template that does not parse. `advocate check` finds it before any render, so it is a
    failed check (exit 4) from `render` and `batch` as from `check`."""

    exit_code = CheckFailed.exit_code


class TemplateOutside(SecurityError):
    """A template name or file that leaves the workspace's and the bundle's ``letters/`` folders."""


class LettersLoader(jinja2.BaseLoader):
    """Templates from folders searched in order (the user's first). A name is a relative path of
    plain segments; the file it names, symbolic links resolved, must lie inside one of the
    folders, else `TemplateOutside`."""

    def __init__(self, folders: list[Path]):
        self.folders = [folder.resolve() for folder in folders]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        """(source, file name, up-to-date check) of `template`; raises TemplateNotFound or TemplateOutside."""
        pieces = template.split("/")
        if template.startswith("/") or "\\" in template or any(p in ("", ".", "..") for p in pieces):
            raise TemplateOutside(f"template name {template!r} leaves the letters folder")
        for folder in self.folders:
            candidate = folder.joinpath(*pieces)
            if not candidate.is_file():
                continue
            real = candidate.resolve()
            if not any(real.is_relative_to(f) for f in self.folders):
                raise TemplateOutside(f"template {template!r} is a link to {real}, outside the letters folders")
            mtime = real.stat().st_mtime
            source = read_text(real)  # UTF-8 or one InputError naming the line
            return source, str(candidate), _unchanged(real, mtime)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path, mtime: float) -> Callable[[], bool]:
    """Jinja's up-to-date check for a template read from `path` when it had `mtime`."""
    return lambda: path.is_file() and path.stat().st_mtime == mtime


class LetterSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, narrowed: a template calls only `TemplateFunction`s, macros,
    blocks, the gettext functions and a few methods of plain values; no attribute that starts
    with an underscore; `*` and `**` and `range` capped."""

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(value, (type, ModuleType)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        if not super().is_safe_callable(obj):
            return False
        if isinstance(obj, (TemplateFunction, Macro, BlockReference, LoopContext, jinja2.Undefined)):
            return True
        if any(obj is self.globals.get(name) for name in GLOBALS):
            return True
        owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
        if isinstance(owner, LoopContext):
            return name in ("cycle", "changed")
        return isinstance(obj, BuiltinMethodType) and any(isinstance(owner, t) and name in m for t, m in SAFE_METHODS.items())

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Call `__obj` from a template if `is_safe_callable` allows it (named in the error otherwise)."""
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{getattr(__obj, '__name__', type(__obj).__name__)!r} may not be called")
        return __context.call(__obj, *args, **kwargs)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        """`left * right` or `left ** right`, refused when it would build something huge."""
        sizes = [len(x) for x in (left, right) if isinstance(x, (str, list, tuple))]
        counts = [x for x in (left, right) if isinstance(x, int)]
        if operator == "*" and sizes and counts and sizes[0] * max(counts[0], 0) > MAX_SIZE:
            raise SecurityError(f"a repetition of more than {MAX_SIZE} items or characters")
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError("a power above 64")
        return self.binop_table[operator](left, right)


def _range(*args: int) -> range:
    """`range()` in a template, up to MAX_RANGE numbers."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() of more than {MAX_RANGE} numbers")
    return numbers


class TransExtension(InternationalizationExtension):
    """Jinja's i18n extension (``{% trans %}``), with exact lines: Jinja evaluates the first call
    among a block's variables in an assignment it gives no line, so a problem that call finds would
    be reported at the line of the statement before (a translators' comment's, two lines early)."""

    def parse(self, parser: Parser) -> nodes.Node | list[nodes.Node]:
        parsed = super().parse(parser)
        for node in parsed if isinstance(parsed, list) else []:
            if isinstance(node, nodes.Assign):
                node.set_lineno(node.node.lineno)  # the line of the call it evaluates
        return parsed


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in the user's cache folder between runs: compiling a letter's
    templates took about 50 ms of each cold `advocate render` (issue 18). Jinja checks an entry
    against the template's source and Python's version; the key adds what else shapes the compiled
    code: Jinja's version, this module's source (the sandbox, the {% trans %} extension) and the
    environment's options. An entry that cannot be read or written is passed over: the template
    is compiled as without a cache."""

    def __init__(self, folder: Path, salt: bytes):
        super().__init__(str(folder), "%s.jinja")
        self.salt = salt

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(b"\0".join((self.salt, name.encode(), (filename or "").encode()))).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception as exc:  # a damaged entry (cut short, another format): compile again
            LOG.debug("template cache entry for %s not used: %s", bucket.key, exc)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:  # a full disk, a folder made read-only: the render goes on
            LOG.debug("template cache entry for %s not written: %s", bucket.key, exc)


def _template_cache(options: dict[str, Any]) -> TemplateCache | None:
    """The cache of compiled templates for an environment with literal `options` (None when the
    user's cache folder is off or unsafe, see core/cache.py)."""
    folder = private_folder("templates")
    if folder is None:
        return None
    try:
        source = Path(__file__).read_bytes()
    except OSError:
        return None
    salt = hashlib.sha256(b"\0".join((jinja2.__version__.encode(), source, repr(sorted(options.items())).encode())))
    return TemplateCache(folder, salt.digest())


def sandboxed_environment(folders: list[Path], cache: bool = False, **options: Any) -> LetterSandbox:
    """The sandboxed environment for templates found in `folders` (each inside a ``letters/``
    folder): strict undefined values, the i18n extension with trimmed {% trans %} blocks, only
    the globals and filters a letter needs. `options` go to Jinja (autoescape, whitespace); with
    `cache` (literal options only), compiled templates are kept in the user's cache folder."""
    env = LetterSandbox(
        loader=LettersLoader(folders),
        undefined=jinja2.StrictUndefined,
        extensions=[TransExtension],
        bytecode_cache=_template_cache(options) if cache else None,
        **options,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks are extracted and looked up with whitespace collapsed
    for name in set(env.globals) - set(GLOBALS):
        del env.globals[name]
    env.globals["range"] = _range
    for name in REMOVED_FILTERS:
        del env.filters[name]
    return env


def refused(exc: SecurityError, template: str) -> RenderError:
    """The one-line error for a template the sandbox stopped, at its file and line."""
    return RenderError(f"template refused: {exc.message or exc}", _template_frame(exc) or template, hint=SANDBOX_HINT)


@lru_cache(maxsize=8)
def _environment(roots: tuple[Path, ...]) -> LetterSandbox:
    options = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}
    return sandboxed_environment([root / "letters" for root in roots], cache=True, **options)


def environment(ws: Workspace) -> LetterSandbox:
    return _environment(ws.roots)


def render_html(ws: Workspace, letter: str, context: dict[str, Any], messages: Recorder | None = None) -> str:
    """The letter's template filled with `context`, typeset for its language; template faults,
    sandbox refusals included, become `RenderError`s at the template's file and line."""
    env = environment(ws)
    if messages is not None:
        messages.install(env)
    name = f"{letter}/letter.html.j2"
    try:
        template = env.get_template(name)
        html = template.render(context)
        return typeset(html, str(context.get("lang", "en")))
    except SecurityError as exc:
        raise refused(exc, name) from None
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(str(r / "letters" / str(exc.name)) for r in ws.roots)
        raise RenderError(f"template {exc.name!r} not found", _template_frame(exc), hint=f"searched: {searched}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = Where(exc.filename or exc.name or name, exc.lineno)
        raise TemplateSyntax(f"template syntax: {exc.message}", where, hint=template_syntax_hint(exc.message or "")) from None
    except jinja2.UndefinedError as exc:
        raise RenderError(
            f"template uses an undefined value: {exc.message}",
            _template_frame(exc) or name,
            hint="declare it as a variable in letter.yaml or fix the name",
        ) from None
    except (jinja2.TemplateRuntimeError, TypeError, ValueError, ArithmeticError, RecursionError) as exc:
        raise RenderError(f"template failed: {type(exc).__name__}: {exc}", _template_frame(exc) or name) from None


_TAG = re.compile(r"(<[^>]+>)")
_HANGUL_WORD = re.compile(r"\S*[\uac00-\ud7a3]\S*")
_CJK = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"([{_CJK}](?:</?[a-zA-Z][^>]*>)*)[ \t\n]+(?=(?:</?[a-zA-Z][^>]*>)*[{_CJK}])")
_CJK_NUMBER = re.compile(r"(?<=\d)(?=[年月日号名人個条款項项])|(?<=[年月第条])(?=\d)|(?<=\d)(?=\d)|(?<=条)(?=第)")
_CJK_FORMS = re.compile("[‘’“”…‥—―·]+")  # in both faces; in CJK text, the CJK face's forms
_LATIN = "A-Za-z\u00c0-\u024f"
_LATIN_RUN = re.compile(  # a stretch of Latin words, numbers, spaces and punctuation (unescaped text)
    rf"(?<![{_LATIN}0-9])[“‘(\[<]?[{_LATIN}0-9][{_LATIN}0-9 \u00a0\u202f\u2060.,:;'’‘“”()\[\]<>/&#%@+=?~_–—-]*"
)
_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))
_HAS_LATIN_LETTER = re.compile(f"[{_LATIN}]")
_PAIRS = {"(": ")", "[": "]", "<": ">", "“": "”", "‘": "’"}
_TRAILING_NUMBER = re.compile(r"[\s,]+\d[\d.,]*$")
_OTHER_SCRIPT_NEXT = re.compile(r"[\s\u00a0]*[\u0600-\u06ff年년]")
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
    escaped again): typographic apostrophes (People's -> People’s); in every language, no line
    break inside a UN symbol (WORD JOINERs, U+2060, after its slashes), a UNTS reference or a
    pinpoint (no-break spaces: "1465 UNTS 85", "art 3(1)", "제3조 제1항"), nor before a footnote
    call (a joiner before it). In Korean, joiners between the letters of each word, since Korean
    breaks lines between words only and WeasyPrint rejects `word-break: keep-all` (one no-break
    span per word does the same but makes layout about five times slower; the joiner is
    invisible and is not in the PDF's text); in Chinese, Japanese and Korean, each Latin run
    (names, titles, URLs, UN symbols) left to the stylesheet's Latin face, which comes first in
    their font lists, and the quotation marks, dashes, ellipses and middle dots of the CJK text
    around them in a ``<span class="cjk">`` set in the CJK face (the Latin face has them too, in
    Latin widths; a span per Latin run instead made Japanese layout about 17% slower), and
    in Chinese and Japanese joiners inside dates, counts and article numbers and no spaces
    between sentences; in Arabic, Latin runs between bidi isolates, and those that may wrap in
    a ``<span class="ltr" dir="ltr">``, laid out left to right on every line they cross. URLs
    are never given joiners or no-break spaces, so that a URL copied from the PDF still works."""

    def text(part: str) -> str:
        plain = (_APOSTROPHE if lang in ("en", "fr") else _LATIN_APOSTROPHE).sub("’", unescape_html(part))
        if lang in RTL:  # isolates already in the text are replaced: the result is the same however often it runs
            plain = plain.replace("\u200e\u2069", "").translate(_ISOLATES)
        return _set_runs(plain, lang)

    html = map_text(html, text)
    head, sep, body = html.partition("<body")
    if cjk_kind(lang) in ("zh", "ja"):  # no spaces between Chinese or Japanese sentences, even across tags
        body = _CJK_GAP.sub(r"\1", body)
    return head + sep + _BEFORE_CALL.sub("\u2060\\1", body)


_BEFORE_CALL = re.compile(r"[ \t\n]*(<span class=\"footnote\"[ >])")
_URL = re.compile(  # with a scheme, www., a domain and a path, or an email address
    r"(?:https?|ftp)://[^\s<>\u2069]+|www\.[^\s<>\u2069]+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/[^\s<>\u2069]*|[\w.+-]+@[\w-]+\.[\w.-]+"
)
_UN_SYMBOL = re.compile(r"(?<![\w/])[A-Z]{1,6}(?:\.\d+)?(?:/[A-Za-z0-9.()-]+)+")
_PIN_LABEL = r"(?:arts?|paras?|pp?|nn?|No|Nos|ch|vol|UNTS|Doc|doc|par|párr|apdo|ст|п|пп|ч|الفقرة|المادة|الفقرتان|المادتان)"
_PINPOINT = re.compile(rf"(?<![\w.])({_PIN_LABEL}\.?) (?=\d)")
_PIN_NEXT = re.compile(rf"(?<=\d)(,? (?:من |of |de |du )?)(?={_PIN_LABEL}\.?\u00a0\d)")
_UNTS = re.compile(r"(?<=\d) (?=UNTS\b)|(?<=\bUNTS) (?=No\b)")
_KO_ARTICLE = re.compile(r"(?<=조) (?=제\s?\d)")


def _glue(text: str, french: bool = False) -> str:
    """`text` with no break inside its UN symbols, UNTS references and pinpoints, and with
    `french` spacing (URLs untouched)."""
    out, pos = [], 0
    for match in _URL.finditer(text):
        out += [_glue_plain(text[pos : match.start()], french), match.group(0)]
        pos = match.end()
    return "".join(out) + _glue_plain(text[pos:], french)


# French puts a narrow no-break space (U+202F) before ; : ! ? and » and after «: a space typed
# there becomes one (the line never breaks before the mark), and a semicolon between two items
# ("(13 octobre 2023); Yonhap", a list of mandates) gets one. A colon, question or exclamation
# mark written without a space is left alone: it may be in an English title ("China: No Letup").
_FRENCH_SPACE_BEFORE = re.compile(r"[ \u00a0]+(?=[;:!?»])")
_FRENCH_SPACE_AFTER = re.compile(r"(?<=«)[ \u00a0]+")
# (^: after a tag, "</i>; "; an entity written as text, "&gt; ", is left as it is)
_FRENCH_SEMICOLON = re.compile(r"(&[#A-Za-z0-9]+)?(?:(?<=[^\s\u00a0\u202f])|^);(?=\s)")


def _french_spacing(text: str) -> str:
    text = _FRENCH_SPACE_AFTER.sub("\u202f", _FRENCH_SPACE_BEFORE.sub("\u202f", text))
    return _FRENCH_SEMICOLON.sub(lambda m: m.group(0) if m.group(1) else "\u202f;", text)


def _glue_plain(text: str, french: bool = False) -> str:
    if french:
        text = _french_spacing(text)
    text = _UN_SYMBOL.sub(lambda m: re.sub(r"([/-])", "\\1\u2060", m.group(0)), text)
    text = _UNTS.sub("\u00a0", _PINPOINT.sub("\\1\u00a0", text))
    text = _PIN_NEXT.sub(lambda m: m.group(1).replace(" ", "\u00a0"), text)
    return _KO_ARTICLE.sub("\u00a0", text)


def _set_runs(plain: str, lang: str) -> str:
    """The HTML for the text `plain` in `lang`: Latin runs set apart as `typeset` says, the rest
    glued and joined for the language, everything escaped. In Korean a run touching a Hangul
    word ("UN의") is joined to it."""
    if lang not in RTL and not cjk_kind(lang):
        return escape_html(_glue(plain, french=lang == "fr" or (lang.startswith("fr_") and lang != "fr_CA")), quote=False)
    pieces, pos = [], 0
    for start, end in _latin_runs(plain):
        pieces += [(plain[pos:start], _set_gap(plain[pos:start], lang)), (plain[start:end], _set_latin(plain[start:end], lang))]
        pos = end
    pieces.append((plain[pos:], _set_gap(plain[pos:], lang)))
    pieces = [piece for piece in pieces if piece[0]]
    out = [pieces[0][1]] if pieces else []
    for (before, _), (after, html) in zip(pieces, pieces[1:], strict=False):
        touching = cjk_kind(lang) == "ko" and not before[-1].isspace() and not after[0].isspace()
        out += ["\u2060" + html if touching else html]
    return "".join(out)


def _set_gap(text: str, lang: str) -> str:
    """Text between Latin runs in Arabic or CJK text, as HTML."""
    text = _glue(text)
    if cjk_kind(lang) in ("zh", "ja"):  # never break "2023年9月18日", "500名" or "第3条" inside
        text = _CJK_NUMBER.sub("\u2060", text)
    if cjk_kind(lang) == "ko":
        text = _HANGUL_WORD.sub(lambda m: "\u2060".join(m.group(0)), text)
    html = escape_html(text, quote=False)
    return html if lang in RTL else _CJK_FORMS.sub(r'<span class="cjk">\g<0></span>', html)


def _set_latin(run: str, lang: str) -> str:
    """A Latin run in Arabic or CJK text, as HTML."""
    run = _glue(run)
    html = escape_html(run, quote=False)
    if lang not in RTL:
        return html
    if " " in run or _URL.search(run):  # it may wrap (no-break spaces and joined symbols do not)
        return f'<span class="ltr" dir="ltr">{html}</span>'
    # A closing mark at the end gets a LEFT-TO-RIGHT MARK, else it would go to the run's left.
    return f"\u2066{html}\u200e\u2069" if run[-1] in "’”)]>" else f"\u2066{html}\u2069"


def _latin_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each Latin run in `text`: a name, a title, a UNTS reference, a URL. A run takes
    its brackets and quotation marks only in pairs, leaves sentence punctuation and separators to
    the text around it, and leaves out a number that belongs to an Arabic or CJK date after it
    ("America, 28 نوفمبر", "(KEI) 2023年")."""
    pos = 0
    while match := _LATIN_RUN.search(text, pos):
        start, run = match.start(), _balanced(match.group(0))
        run = run.rstrip(" \u00a0\u202f.,:;–—-")
        if _TRAILING_NUMBER.search(run) and _OTHER_SCRIPT_NEXT.match(text, start + len(run)):
            run = _TRAILING_NUMBER.sub("", run)
        if _HAS_LATIN_LETTER.search(run):
            yield start, start + len(run)
        pos = start + max(len(run), 1)


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
    """The innermost template file and line in the traceback of `exc`: a frame of a template's
    compiled code (its line mapped back to the template), or one of the frames Jinja rewrites
    tracebacks into (already at the template's line)."""
    where = None
    tb = sys.exc_info()[2] or exc.__traceback__
    while tb is not None:
        code, template = tb.tb_frame.f_code, tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            where = Where(template.filename or template.name, template.get_corresponding_lineno(tb.tb_lineno))
        elif code.co_filename.endswith(".j2"):
            where = Where(code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return where
