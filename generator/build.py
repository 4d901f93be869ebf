"""The pipeline: load, check, compose, render HTML, PDF.

In: a `Workspace` and a `LetterRequest`. Out: a `RenderedLetter` (HTML, PDF bytes, notes and the
warnings that did not stop it). Nothing is written here; the CLI writes the result atomically.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .catalog import Recorder, po_path, recorder
from .citing import Note
from .compose import LetterRequest, Runtime, addressee_context, check_variables, respondent_of
from .errors import CheckFailed, Problem, UsageError, Where, errors_in
from .letters import TEMPLATE_NAME, load_addressees, load_letters, require_body
from .library import Library, _suggest, load_library
from .models import Addressee, Example, LetterSpec
from .workspace import Workspace


@dataclass(frozen=True)
class Loaded:
    ws: Workspace
    library: Library
    letters: dict[str, LetterSpec]
    addressees: dict[str, Addressee]
    addressee_origin: dict[str, Where]
    problems: list[Problem]


@dataclass
class RenderedLetter:
    request: LetterRequest
    spec: LetterSpec
    html: str
    title: str
    notes: list[Note]
    warnings: list[Problem] = field(default_factory=list)
    pdf: bytes | None = None
    untranslated: list[str] = field(default_factory=list)  # the messages that fell back to English


def load(ws: Workspace) -> Loaded:
    return _load_cached(ws)


@lru_cache(maxsize=4)
def _load_cached(ws: Workspace) -> Loaded:
    library, p1 = load_library(ws)
    letters, p2 = load_letters(ws)
    addressees, origin, p3 = load_addressees(ws)
    return Loaded(ws, library, letters, addressees, origin, [*p1, *p2, *p3])


def get_letter(loaded: Loaded, name: str) -> LetterSpec:
    spec = loaded.letters.get(name)
    if spec is None:
        raise UsageError(
            f"unknown letter {name!r}", hint=_suggest(name, sorted(loaded.letters)).replace("advocate citations list", "advocate letters")
        )
    return spec


def refuse_language(spec: LetterSpec, lang: str) -> None:
    """Refuse `lang` when the letter's recipients do not accept it (`accepted_languages` in its
    letter.yaml, e.g. en, fr, es for UN Special Procedures). Raises UsageError naming --lang."""
    if spec.accepted_languages and lang not in spec.accepted_languages:
        accepted = ", ".join(spec.accepted_languages)
        line = spec.line_of_key.get("accepted_languages", 0)
        raise UsageError(
            f"letter {spec.name!r} is not accepted in {lang!r}: its recipients accept only {accepted} "
            f"(accepted_languages, {spec.path / 'letter.yaml'}:{line})",
            "--lang",
            hint=f"render it with --lang {spec.accepted_languages[0]}"
            + (f" (or {', '.join(spec.accepted_languages[1:])})" if spec.accepted_languages[1:] else ""),
        )


def get_addressee(loaded: Loaded, key: str) -> Addressee:
    found = loaded.addressees.get(key)
    if found is None:
        raise UsageError(
            f"unknown addressee {key!r}",
            hint=_suggest(key, sorted(loaded.addressees)).replace("advocate citations list", "advocate addressees list"),
        )
    return found


def _concerns(problem: Problem, spec: LetterSpec) -> bool:
    """A load problem blocks a letter unless it lies in another letter's folder."""
    named = Path(str(problem.where.path if isinstance(problem.where, Where) else problem.where))
    path = Path(os.path.realpath(named.parent)) / named.name  # where the file lies, not where a link leads
    letters = {root.resolve() / "letters" for root in spec.path.parents}
    in_letter_folder = path.parent.parent in letters and path.parent.name != "_base"
    return not in_letter_folder or path.parent == spec.path.resolve()


def compose_html(loaded: Loaded, request: LetterRequest, messages: Recorder | None = None) -> RenderedLetter:
    """Check the request, fill the template and return the HTML with every problem found
    (`messages`: the gettext callables to use, made for the request's language when not given)."""
    from .checks import calendar_problems, check_sources, currency_problems, not_written_for
    from .render import render_html

    spec = get_letter(loaded, request.letter)
    blocking = [p for p in errors_in(loaded.problems) if _concerns(p, spec)]
    if blocking:
        raise CheckFailed(blocking)
    addressee = get_addressee(loaded, request.addressee)
    problems: list[Problem] = []
    refuse_language(spec, request.lang)
    if request.lang not in spec.languages:
        raise UsageError(f"letter {spec.name!r} has no {request.lang!r} version", "--lang", hint=f"available: {', '.join(spec.languages)}")
    variables, var_problems = check_variables(spec, request.variables, loaded.addressees, loaded.library)
    refused = not_written_for(spec, addressee, loaded.library, variables)
    problems += [Problem("error", Where("--to", 0, addressee.key), message, hint) for message, hint in refused]
    problems += var_problems
    if spec.signatories == "required" and not request.signatories:
        problems.append(Problem("error", "--signatories", f"letter {spec.name!r} needs a signatory list", "give --signatories FILE.csv"))
    if errors_in(problems):
        raise CheckFailed(problems)
    letter_date = request.date or dt.date.today()
    messages = messages or recorder(loaded.ws, request.lang)
    respondent = respondent_of(spec, addressee, variables)
    runtime = Runtime(loaded.library, request.lang, letter_date, respondent, public=not request.confidential, terms=messages)
    runtime.strict = request.strict
    context = _context(loaded, spec, addressee, request, variables, letter_date, messages)
    context["page_footer_css"] = page_footer_css(messages.pgettext("page footer", "Page %(page)s of %(pages)s"))
    context.update(runtime.functions())
    html = render_html(loaded.ws, spec.name, context, messages)
    problems += runtime.problems
    problems += dict.fromkeys(check_sources(loaded.library, runtime.used))  # what `advocate check` finds in the sources cited
    problems += currency_problems(loaded.library, runtime.used, letter_date, Where(spec.path / TEMPLATE_NAME))
    problems += calendar_problems(spec, variables, letter_date)
    if messages.missing:
        problems.append(untranslated(loaded.ws, request, messages.missing))
    if errors_in(problems):
        raise CheckFailed(problems)
    require_body(html, spec.path / TEMPLATE_NAME)  # (after the errors that explain an empty body)
    return RenderedLetter(request, spec, html, spec.title, runtime.citer.notes, problems, untranslated=list(messages.missing))


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


def build_letter(loaded: Loaded, request: LetterRequest, fmt: str = "pdf", pdf_variant: str | None = None) -> RenderedLetter:
    letter = compose_html(loaded, request)
    if fmt == "pdf":
        from .pdf import write_pdf

        marked = request.addressee if request.confidential else None
        letter.pdf = write_pdf(loaded.ws, letter.html, letter.spec.path, request.paper, confidential_for=marked, variant=pdf_variant)
        if request.signatories:  # the petition's annex (rendered in chunks); not imported for other letters
            from .annex import has_annex, letter_with_annex

            if has_annex(loaded.ws, request.letter):
                letter.pdf = letter_with_annex(loaded, letter)
    return letter


def page_footer_css(template: str) -> Markup:
    """CSS `content` for the page footer from a translated "Page %(page)s of %(pages)s"."""
    parts = re.split(r"(%\((?:page|pages)\)s)", template)
    css = []
    for part in parts:
        if part == "%(page)s":
            css.append("counter(page)")
        elif part == "%(pages)s":
            css.append("counter(pages)")
        elif part:
            css.append('"' + part.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ") + '"')
    return Markup(" ".join(css) or '""')


def _context(
    loaded: Loaded,
    spec: LetterSpec,
    addressee: Addressee,
    request: LetterRequest,
    variables: dict[str, Any],
    letter_date: dt.date,
    messages: Recorder,
) -> dict[str, Any]:
    from . import i18n
    from .collation import collate

    lib, lang = loaded.library, request.lang
    sender = loaded.ws.config.sender
    signatories = request.signatories or []
    public = collate([s for s in signatories if s.public], lang, key=lambda s: s.display)  # the language's order
    # the copies the letter declares (its `cc` variable), never one to the addressee itself
    copied = [a for a in variables.get("cc") or [] if a.key != addressee.key] if "cc" in spec.variables else []
    cc = [addressee_context(a, lib, lang, messages) for a in copied]
    return {
        **variables,
        "vars": variables,
        "lang": lang,
        "dir": i18n.direction(lang),
        "html_lang": i18n.html_lang(lang),
        "script_css": Markup(i18n.script_css(lang)),  # the font of the script of a language style.css does not name
        "list_sep": i18n.list_separator(lang),
        "formula_closes": lang in i18n.FORMULA_CLOSES,
        "letter": spec,
        "addressee": addressee_context(addressee, lib, lang, messages),
        "sender": sender,
        "signers": sender.signers,
        "letter_date": i18n.format_date(letter_date, lang),
        "date_iso": letter_date.isoformat(),
        "cc_list": cc,
        "signatories": public,
        "signatory_count": len(signatories),
        "hidden_signatory_count": len(signatories) - len(public),
        "confidential": request.confidential,
        "wet_ink": request.wet_ink,
    }


def example_request(spec: LetterSpec, example: Example, letter_date: dt.date | None, signatories: Any = None) -> LetterRequest:
    """The render request one example of a letter declares."""
    return LetterRequest(
        spec.name, example.to, example.lang, dict(example.vars), letter_date, signatories, confidential=example.confidential
    )


def example_requests(loaded: Loaded, letter_date: dt.date | None = None) -> list[tuple[str, LetterRequest]]:
    """(output file stem, request) for every example every letter declares."""
    from .signatories import load_signatories

    requests: list[tuple[str, LetterRequest]] = []
    seen: set[str] = set()
    for spec in loaded.letters.values():
        for example in spec.examples:
            signatories = None
            if example.signatories:
                signatories, problems = load_signatories(spec.path / example.signatories)
                if errors_in(problems):
                    raise CheckFailed(problems)
            stem = example.name or f"{spec.name}-{example.to}-{example.lang}" + ("-confidential" if example.confidential else "")
            base, n = stem, 1
            while stem in seen:
                n += 1
                stem = f"{base}-{n}"
            seen.add(stem)
            requests.append((stem, example_request(spec, example, letter_date, signatories)))
    return requests
