"""The pipeline: load, check, compose, render HTML, PDF.

In: a `Workspace` and a `LetterRequest`. Out: a `RenderedLetter` (HTML, PDF bytes, notes and the
warnings that did not stop it). Nothing is written here; the CLI writes the result atomically.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..core import i18n
from ..core.errors import CheckFailed, Problem, UsageError, Where, errors_in
from ..core.letter import LetterRequest, RenderedLetter
from ..core.models import Addressee, Example, LetterSpec
from ..load.collation import collate
from ..load.letters import TEMPLATE_NAME, require_body
from ..load.loaded import Loaded, get_addressee, get_letter, load
from ..render.pdf import write_pdf
from ..render.render import render_html
from ..translate.runtime import Recorder, recorder, untranslated
from .addressee import addressee_context, respondent_of, variants_of
from .compose import Runtime
from .rules import calendar_problems, check_sources, currency_problems, not_written_for, refuse_language
from .variables import check_variables


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
    if request.confidential and loaded.redacted:  # the named victims are needed: read from the files
        loaded = load(loaded.ws, confidential=True)
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
    messages.variants = variants_of(addressee, addressee.state)  # the wording for this reader (catalog.Recorder)
    respondent = respondent_of(spec, addressee, variables)
    runtime = Runtime(loaded.library, request.lang, letter_date, respondent, public=not request.confidential, terms=messages)
    runtime.strict = request.strict
    runtime.audience = addressee.state
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
    return RenderedLetter(
        request=request,
        spec=spec,
        html=html,
        title=spec.title,
        notes=runtime.citer.notes,
        warnings=problems,
        untranslated=list(messages.missing),
    )


def build_letter(loaded: Loaded, request: LetterRequest, fmt: str = "pdf", pdf_variant: str | None = None) -> RenderedLetter:
    letter = compose_html(loaded, request)
    if fmt == "pdf":
        marked = request.addressee if request.confidential else None
        letter.pdf = write_pdf(loaded.ws, letter.html, letter.spec.path, request.paper, confidential_for=marked, variant=pdf_variant)
        if request.signatories:  # the petition's annex (rendered in chunks); not imported for other letters
            from ..petition.annex import has_annex, letter_with_annex

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
    lib, lang = loaded.library, request.lang
    sender = loaded.ws.config.sender.in_language(lang)
    signatories = request.signatories or []
    public = collate([s for s in signatories if s.public], lang, key=lambda s: s.display)  # the language's order
    # the copies the letter declares (its `cc` variable), never one to the addressee itself
    copied = [a for a in variables.get("cc") or [] if a.key != addressee.key] if "cc" in spec.variables else []
    cc = [addressee_context(a, lib, lang, messages, addressee.state) for a in copied]
    return {
        **variables,
        "vars": variables,
        "lang": lang,
        "dir": i18n.direction(lang),
        "html_lang": i18n.html_lang(lang),
        "script_css": Markup(i18n.script_css(lang)),  # the font of the script of a language style.css does not name
        "list_sep": i18n.list_separator(lang),
        "letter": spec,
        "addressee": addressee_context(addressee, lib, lang, messages, addressee.state),
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
        letter=spec.name,
        addressee=example.to,
        lang=example.lang,
        variables=dict(example.vars),
        date=letter_date,
        signatories=signatories,
        confidential=example.confidential,
    )


def example_requests(loaded: Loaded, letter_date: dt.date | None = None) -> list[tuple[str, LetterRequest]]:
    """(output file stem, request) for every example every letter declares."""
    from ..petition.signatories import load_signatories  # (lazy: a letter without a list loads no ICU)

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
