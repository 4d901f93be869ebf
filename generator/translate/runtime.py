"""The translations a render uses.

In: a workspace and a language. Out: a `Recorder` holding the gettext callables of that language
(over `Compiled`, the checked catalogues, user workspace over bundle), which notes every message
that fell back to English; `untranslated`, the warning that lists them. A translation is rendered
as text, with only its source's own tags kept (`as_html`), so a catalogue never adds markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from gettext import c2py
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from ..core.cache import cache_key, keep, recall
from ..core.errors import InputError, Problem, Where, errors_in
from ..core.files import Stamp, stamp
from ..core.letter import LetterRequest
from ..core.locales import SOURCE_LANG, po_path
from ..core.workspace import Workspace
from .catalog import CONFIDENTIAL_CONTEXTS, TAG_RE, babel_locale, read_catalog, variant_context

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog


@dataclass
class Recorder:
    """gettext callables for one render; notes each message that fell back to English."""

    lang: str
    translations: Compiled | None
    missing: list[str] = field(default_factory=list)
    # the preview's: (context, msgid) of each translated block, in order; each block is then
    # wrapped in <span class="advocate-msg" data-msg="INDEX"> so a click finds its message
    marks: list[tuple[str | None, str]] | None = None
    # the message variants this letter's reader takes, first found first used ("to KR": the wording
    # of a letter to the government of the Republic of Korea; "feminine": addressed to a woman);
    # a catalogue holds one as the message with the context "to KR" (or "salutation, to KR")
    variants: tuple[str, ...] = ()

    def _contexts(self, context: str | None) -> list[str | None]:
        """The contexts a message is looked up under, its variants' first."""
        return [variant_context(context, v) for v in self.variants] + [context]

    def _lookup(self, context: str | None, msgid: str) -> str | None:
        if self.translations is None:
            return None
        return next((found for c in self._contexts(context) if (found := self.translations.get(c, msgid))), None)

    def known(self, context: str, message: str) -> str | None:
        """The catalogue's translation of `message` (in the reader's variant first), or None; a
        miss is not recorded (for texts that need no translation to be right, such as a name the
        sender wrote)."""
        return message if self.lang == SOURCE_LANG else self._lookup(context, message)

    def _miss(self, msgid: str) -> None:
        if self.lang != SOURCE_LANG and msgid not in self.missing:
            self.missing.append(msgid)

    def install(self, env: Any) -> None:
        """Make a Jinja environment's {% trans %} blocks use this language (newstyle gettext).
        In autoescaped templates a translation is text: escaped, with only its source's own tags
        kept (`as_html`), so that a catalogue can never add markup; placeholders are filled with
        escaped values by Jinja. One language per render: processes render one letter at a time."""

        def html(ctx: EvalContext, translated: str, context: str | None, *sources: str) -> str:
            if not ctx.autoescape:
                return translated
            if self.marks is None:
                return as_html(translated, *sources)
            self.marks.append((context, sources[0]))
            return Markup('<span class="advocate-msg" data-msg="%d">%s</span>') % (len(self.marks) - 1, as_html(translated, *sources))

        @pass_eval_context
        def gettext(ctx: EvalContext, message: str) -> str:
            return html(ctx, self.gettext(message), None, message)

        @pass_eval_context
        def ngettext(ctx: EvalContext, singular: str, plural: str, n: int) -> str:
            return html(ctx, self.ngettext(singular, plural, n), None, singular, plural)

        @pass_eval_context
        def pgettext(ctx: EvalContext, context: str, message: str) -> str:
            return html(ctx, self.pgettext(context, message), context, message)

        @pass_eval_context
        def npgettext(ctx: EvalContext, context: str, singular: str, plural: str, n: int) -> str:
            return html(ctx, self.npgettext(context, singular, plural, n), context, singular, plural)

        env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)

    def text(self, texts: dict[str, str] | None, context: str) -> str:
        """A library text in this language: its own per-language version if the YAML has one,
        else the catalogue's translation of the English (recorded as missing when absent); a
        confidential text (`CONFIDENTIAL_CONTEXTS`) is never looked up: its English is used."""
        if not texts:
            return ""
        if self.lang in texts:
            return texts[self.lang]
        if context in CONFIDENTIAL_CONTEXTS:
            return texts["en"]
        english = texts["en"]
        translate = self.pgettext  # (not a literal call: the English text is extracted from the YAML)
        return translate(context, english) if self.lang != SOURCE_LANG else english

    def gettext(self, message: str) -> str:
        found = self._lookup(None, message)
        if found is None:
            self._miss(message)
        return found or message

    def pgettext(self, context: str, message: str) -> str:
        found = self._lookup(context, message)
        if found is None:
            self._miss(message)
        return found or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.npgettext(None, singular, plural, n)

    def npgettext(self, context: str | None, singular: str, plural: str, n: int) -> str:
        found = None
        if self.translations is not None:
            found = next((f for c in self._contexts(context) if (f := self.translations.get_plural(c, singular, n))), None)
        if found:
            return found
        self._miss(singular)
        return singular if n == 1 else plural


def as_html(translated: str, *sources: str) -> Markup:
    """A translation as HTML: its text escaped, except the tags and entities its `sources` (the
    msgid and plural, written in a template) have, each kept as often as a source has it."""
    allowed: Counter[str] = Counter()
    for source in sources:
        allowed |= Counter(TAG_RE.findall(source))
    out, pos = [], 0
    for match in TAG_RE.finditer(translated):
        token = match.group()
        out.append(escape(translated[pos : match.start()]))
        out.append(Markup(token) if allowed[token] > 0 else escape(token))
        allowed[token] -= 1
        pos = match.end()
    out.append(escape(translated[pos:]))
    return Markup("").join(out)


def recorder(ws: Workspace, lang: str, marks: list[tuple[str | None, str]] | None = None) -> Recorder:
    """The gettext callables of `lang` for one render; with `marks` (the preview), each translated
    block is marked in the HTML and its message recorded there."""
    if lang == SOURCE_LANG:
        return Recorder(lang, None, marks=marks)
    return Recorder(lang, _translations(ws.roots, lang, stamp(*(po_path(root, lang) for root in ws.roots))), marks=marks)


class Compiled:
    """A language's translations as a render looks them up, made from the Babel catalogues read
    (as a compiled .mo holds them: fuzzy and untranslated messages left out, an empty plural form
    given its English). In: catalogues, the bundle's first; a later one's messages win. Out:
    `get` and `get_plural`, None for a message no catalogue translates."""

    def __init__(self, catalogs: list[Catalog]):
        self.messages: dict[str, str | tuple[str, ...]] = {}
        self.plural_expr = catalogs[0].plural_expr if catalogs else "(n != 1)"
        self.plural: Callable[[int], int] = c2py(self.plural_expr)
        for catalog in catalogs:
            for m in catalog:
                if not m.id or not m.string or m.fuzzy:
                    continue
                ids = (m.id,) if isinstance(m.id, str) else tuple(m.id)
                key = f"{m.context}\x04{ids[0]}" if m.context else ids[0]
                if isinstance(m.string, str):
                    self.messages[key] = m.string
                else:  # plural forms
                    self.messages[key] = tuple(s or ids[min(i, 1)] for i, s in enumerate(m.string))

    def __getstate__(self) -> dict[str, Any]:  # kept in the cache folder: the plural function is made again
        return {"messages": self.messages, "plural_expr": self.plural_expr}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.messages, self.plural_expr = state["messages"], state["plural_expr"]
        self.plural = c2py(self.plural_expr)

    def get(self, context: str | None, msgid: str) -> str | None:
        found = self.messages.get(f"{context}\x04{msgid}" if context else msgid)
        return found if isinstance(found, str) and found else None

    def get_plural(self, context: str | None, singular: str, n: int) -> str | None:
        found = self.messages.get(f"{context}\x04{singular}" if context else singular)
        if not isinstance(found, tuple):
            return None
        index = self.plural(n)
        return found[index] if 0 <= index < len(found) and found[index] else None


@lru_cache(maxsize=32)
def _translations(roots: tuple[Path, ...], lang: str, files: Stamp) -> Compiled:
    """The language's catalogue (user workspace over bundled), checked; cached per state of its
    files, so that a saved catalogue is read again, in this process and in the user's cache
    folder (reading and checking a catalogue took about 50 ms of each cold render)."""
    name, key = cache_key(roots, lang, files, "babel")
    kept = recall("catalogues", name, key)
    if isinstance(kept, Compiled):
        return kept
    from .lint import check_catalog  # (with Babel's .po reader and checkers: only when a catalogue is read)

    catalogs = []
    for root in reversed(roots):
        path = po_path(root, lang)
        if not path.is_file():
            continue
        errors = errors_in(check_catalog(path, lang))
        if errors:
            raise InputError(errors[0].message, errors[0].where, hint="fix the translation, then `advocate i18n check`")
        catalogs.append(read_catalog(path, babel_locale(lang)))
    if not catalogs:
        raise InputError(f"no translations for {lang!r}", "--lang", hint=f"start them with `advocate i18n init {lang}`")
    compiled = Compiled(catalogs)
    keep("catalogues", name, key, compiled)  # (only a catalogue that passed its checks)
    return compiled


def untranslated(ws: Workspace, request: LetterRequest, missing: list[str]) -> Problem:
    """The warning (error under --strict) for messages that fell back to English."""
    listed = "; ".join(repr(" ".join(m.split())[:60]) for m in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return Problem(
        "error" if request.strict else "warning",
        Where(po_path(ws.roots[0], request.lang)),
        f"{len(missing)} message(s) untranslated in {request.lang!r}, English used: {listed}{more}",
        "translate them (`advocate i18n stats`), or render with --strict to refuse",
    )
