"""Validation of a whole workspace: every problem at once.

In: a `Workspace`. Out: a list of `Problem`s (errors and warnings), each naming the file and line:
schema faults found while loading, cross-references in the library (documents, states,
treaties), addressees, letter specifications, templates (syntax and the citation keys they
use) and a trial composition of every example each letter declares.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import jinja2
from jinja2 import nodes

from ..compose.build import compose_html, example_request
from ..compose.compose import Runtime
from ..compose.rules import check_sources
from ..compose.variables import coerce
from ..core.errors import AdvocateError, CheckFailed, Problem, Where, errors_in, suggest
from ..core.files import read_text
from ..core.letter import LetterRequest
from ..core.locales import SOURCE_LANG, letter_languages, po_path
from ..core.models import LANGS, LetterSpec
from ..core.workspace import Workspace
from ..load.letters import TEMPLATE_NAME, template_syntax_hint
from ..load.library import Library
from ..load.loaded import Loaded, load
from ..render.render import environment
from ..translate.catalog import read_catalog
from ..translate.lint import check_all

CITING_FUNCTIONS = {
    *("cite", "cite_all", "obligations", "victims", "fact", "quote", "obligation", "title", "incident", "is_bound", "status"),
    "status_note",
}
# Names the render context defines (values and template functions): no letter variable may take them.
RESERVED = {
    *CITING_FUNCTIONS,
    *Runtime.FUNCTIONS,
    *("vars", "lang", "dir", "html_lang", "list_sep", "letter", "addressee", "sender", "signers"),
    *("letter_date", "date_iso"),
    *("cc_list", "signatories", "signatory_count", "hidden_signatory_count", "confidential", "wet_ink", "page_footer_css", "script_css"),
}


Untranslated = dict[str, dict[str, list[str]]]
"""language -> message that fell back to English -> the letters that print it."""


def check_workspace(ws: Workspace, strict: bool = False) -> list[Problem]:
    """Every problem of the workspace, each once, in the order found; with `strict` every warning
    is an error (as `render --strict` makes it)."""
    loaded = load(ws)
    problems = list(loaded.problems)
    problems += list(check_library(loaded.library))
    problems += list(check_addressees(loaded))
    problems += list(check_sender(loaded))
    problems += check_all(ws)  # locale folders and the workspace's own catalogues
    untranslated: Untranslated = {}
    for spec in loaded.letters.values():
        problems += list(check_letter(loaded, spec, untranslated))
    problems += untranslated_problems(ws, untranslated)
    return [Problem("error", p.where, p.message, p.hint) if strict else p for p in unique(problems)]


def unique(problems: Iterable[Problem]) -> list[Problem]:
    """`problems` in order, each printed once: a load problem a trial render reports again, a
    key found both in the template and by the render (a path or a str naming the same file)."""
    seen: dict[tuple[str, str, str, str], Problem] = {}
    for p in problems:
        seen.setdefault((p.severity, str(p.where), p.message, p.hint), p)
    return list(seen.values())


def check_library(lib: Library) -> Iterator[Problem]:
    yield from check_sources(lib, lib.keys())


def check_addressees(loaded: Loaded) -> Iterator[Problem]:
    states = loaded.library.states
    for key, a in loaded.addressees.items():
        where = loaded.addressee_origin[key]
        if a.state and a.state not in states:
            yield Problem("error", where, f"addressee {key!r}: unknown state {a.state!r}")
        if a.address and a.address.country not in states:
            yield Problem("error", where, f"addressee {key!r}: unknown country {a.address.country!r} in its address")
        for lang in a.languages:
            if lang not in LANGS:
                yield Problem("error", where, f"addressee {key!r}: unknown language {lang!r}")
        if "email" in a.channels and not a.email:
            yield Problem("error", where, f"addressee {key!r} lists the email channel but has no email address")
        if a.email and not a.email_source:
            yield Problem("error", where, f"addressee {key!r}: an email needs email_source (the public source that gives it)")


def check_sender(loaded: Loaded) -> Iterator[Problem]:
    """One warning naming the languages the workspace's letters are rendered in that have no
    ``[sender.lang.XX]`` in advocate.toml: their letters print the default sender's name, address
    and signers' titles (in the default's language)."""
    ws = loaded.ws
    rendered = {lang for spec in loaded.letters.values() for lang in spec.languages}
    missing = [lang for lang in letter_languages(ws) if lang in rendered and lang != SOURCE_LANG and lang not in ws.config.sender.lang]
    if missing:
        text = read_text(ws.config_path, ws.config_path.parent)
        line = next((n for n, x in enumerate(text.splitlines(), 1) if x.strip() == "[sender]"), 0)
        yield Problem(
            "warning",
            Where(ws.config_path, line),
            f"no [sender.lang.XX] for {', '.join(missing)}: letters in these languages print the default sender's name and titles",
            "add [sender.lang.XX] with name, address and [[sender.lang.XX.signers]] (the README, 'advocate.toml')",
        )


def check_letter(loaded: Loaded, spec: LetterSpec, untranslated: Untranslated | None = None) -> Iterator[Problem]:
    """The letter's problems: its letter.yaml, its template (syntax, citation keys, the shared
    layout) and every example composed in every language (`untranslated` collects the messages
    that fell back to English, reported once for all letters by `untranslated_problems`)."""
    yaml_path = spec.path / "letter.yaml"
    for lang in spec.languages:
        if lang not in LANGS:
            yield Problem("error", Where(yaml_path, spec.line_of_key.get("languages", 0)), f"unknown language {lang!r}")
    for name, var in spec.variables.items():
        where = Where(yaml_path, spec.line_of_key.get("variables", 0), f"variables.{name}")
        if name in RESERVED:
            yield Problem("error", where, f"variable name {name!r} is reserved by the template context")
        if var.type == "choice" and not var.choices:
            yield Problem("error", where, "a choice variable needs `choices`")
        if var.default is not None:
            try:
                coerce(var.type, var.default, var.choices, loaded.addressees, loaded.library)
            except ValueError as exc:
                yield Problem("error", where, f"default: {exc}")
    if spec.respondent not in ("addressee",) and not spec.respondent.startswith("var:") and spec.respondent not in loaded.library.states:
        yield Problem(
            "error",
            Where(yaml_path, spec.line_of_key.get("respondent", 0)),
            f"respondent {spec.respondent!r} is not 'addressee', 'var:NAME' or a known state",
        )
    yield from _check_state_rules(loaded.library, spec)
    yield from _check_accepted_languages(spec)
    yield from _check_deadline(spec)
    if not (spec.path / TEMPLATE_NAME).is_file():
        return  # reported by the loader
    if any(Path(str(getattr(p.where, "path", p.where))).parent == spec.path for p in errors_in(loaded.problems)):
        return  # the loader refused its template or an example's signatory list, and said why
    yield from _check_prose_states(loaded.library, spec)
    try:
        for key, line, func in template_citations(loaded.ws, spec):
            if func == "note":
                continue
            if loaded.library.get(key) is None:
                where = Where(spec.path / TEMPLATE_NAME, line)  # as the trial render reports it: listed once
                yield Problem("error", where, f"unknown citation key {key!r}", suggest(key, loaded.library.keys()))
    except AdvocateError as exc:
        yield Problem("error", exc.where or Where(spec.path / TEMPLATE_NAME), exc.msg, exc.hint or "")
        return
    yield from check_layout(loaded.ws, spec)
    yield from _check_examples(loaded, spec, {} if untranslated is None else untranslated)


def _check_state_rules(lib: Library, spec: LetterSpec) -> Iterator[Problem]:
    yaml_path = spec.path / "letter.yaml"
    for rule in ("respondent_states", "addressee_states", "excluded_states"):
        for code in getattr(spec, rule):
            if code not in lib.states:
                where = Where(yaml_path, spec.line_of_key.get(rule, 0), rule)
                yield Problem("error", where, f"unknown state {code!r}", "states are ISO codes declared in citations/states.yaml")


def _check_accepted_languages(spec: LetterSpec) -> Iterator[Problem]:
    """`accepted_languages` in letter.yaml: known language codes, and no example in a language the
    recipients refuse (a render of it would be refused)."""
    yaml_path = spec.path / "letter.yaml"
    where = Where(yaml_path, spec.line_of_key.get("accepted_languages", 0), "accepted_languages")
    for lang in spec.accepted_languages:
        if lang not in LANGS:
            yield Problem("error", where, f"unknown language {lang!r}")
    for example in spec.examples:
        if spec.accepted_languages and example.lang not in spec.accepted_languages:
            yield Problem(
                "error",
                Where(yaml_path, spec.line_of_key.get("examples", 0), "examples"),
                f"example to {example.to!r} is in {example.lang!r}, which the recipients of letter {spec.name!r} do not accept "
                f"(accepted_languages: {', '.join(spec.accepted_languages)})",
                f"give the example lang: {spec.accepted_languages[0]}",
            )


COMMENT_RE = re.compile(r"\{#.*?#\}", re.S)


def _check_prose_states(lib: Library, spec: LetterSpec) -> Iterator[Problem]:
    """A template whose prose names a State, in a letter whose respondent follows the addressee
    or a variable, must say in letter.yaml which States it is written for (`respondent_states` or
    `addressee_states`): else it would say of any State what holds for the one it names."""
    if spec.respondent in lib.states or spec.respondent_states or spec.addressee_states:
        return
    path = spec.path / TEMPLATE_NAME
    text = COMMENT_RE.sub(lambda m: "\n" * m.group().count("\n"), read_text(path, spec.path.parent.parent))
    for code, state in lib.states.items():
        names = {n.removeprefix("the ") for n in (state.name.get("en"), state.formal.get("en"), state.abbr.get("en")) if n}
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(n).replace("'", "['’]") for n in sorted(names, key=len, reverse=True)) + r")\b")
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            yield Problem(
                "error",
                Where(path, line),
                f"the prose names {match.group()!r}, but letter {spec.name!r} does not say which States it is written for "
                f"(respondent: {spec.respondent})",
                f"add `respondent_states: [{code}]` (or the States it holds for) to letter.yaml, so other addressees are refused",
            )
            return


BASE_LAYOUT = "_base/base.html.j2"
LAYOUT_HINT = (
    f'begin the template with {{% extends "{BASE_LAYOUT}" %}} and write the letter in its blocks; '
    "a letter that lays out its own page on purpose declares `standalone: true` in letter.yaml"
)


def check_layout(ws: Workspace, spec: LetterSpec) -> Iterator[Problem]:
    """A letter's template extends the shared layout (directly or through templates it extends),
    unless its letter.yaml says `standalone: true`: else the PDF has no letterhead, addressee,
    date, signature or page numbers. Out: one error at the template's first line, or nothing."""
    if spec.standalone:
        return
    env, name = environment(ws), f"{spec.name}/{TEMPLATE_NAME}"
    seen: list[str] = []
    while name not in seen and len(seen) < 10:
        seen.append(name)
        try:
            tree = env.parse(env.loader.get_source(env, name)[0])  # type: ignore[union-attr]
        except (jinja2.TemplateError, AdvocateError):
            return  # a missing or broken template is reported where it is read
        parent = next((node.template for node in tree.find_all(nodes.Extends)), None)
        if not isinstance(parent, nodes.Const):
            break
        if parent.value == BASE_LAYOUT:
            return
        name = str(parent.value)
    yield Problem(
        "error",
        Where(spec.path / TEMPLATE_NAME, 1),
        f"letter {spec.name!r} does not extend the shared layout {BASE_LAYOUT}: its PDF would have no letterhead, "
        "addressee, date, signature or page numbers",
        LAYOUT_HINT,
    )


def _check_examples(loaded: Loaded, spec: LetterSpec, untranslated: Untranslated) -> Iterator[Problem]:
    """Every example of the letter composed to HTML (no PDF: a fraction of the cost) in its own
    language and in every other language the letter declares, as a render would be."""
    yaml_path = spec.path / "letter.yaml"
    if not spec.examples:
        yield Problem(
            "warning", Where(yaml_path), "no examples: `advocate check` cannot try this letter", "add `examples: [{to: ADDRESSEE}]`"
        )
    tried: set[str] = set()
    for example in spec.examples:
        where = Where(yaml_path, spec.line_of_key.get("examples", 0))
        if example.to not in loaded.addressees:
            yield Problem("error", where, f"example addressee {example.to!r} is not in the addressee directory")
            continue
        signatories = None
        if example.signatories:
            from ..petition.signatories import load_signatories  # not imported by a render that checks its sources

            signatories, sig_problems = load_signatories(spec.path / example.signatories)
            yield from sig_problems
        for lang in dict.fromkeys([example.lang, *spec.languages]):
            if spec.accepted_languages and lang not in spec.accepted_languages:
                continue  # reported by _check_accepted_languages
            request = replace(example_request(spec, example, dt.date.today(), signatories), lang=lang)
            same = repr((example.to, sorted(example.vars.items()), example.confidential, example.signatories, lang))
            if same not in tried:  # two examples that differ only in their language are one example
                tried.add(same)
                yield from compose_problems(loaded, request, where, untranslated)


def compose_problems(loaded: Loaded, request: LetterRequest, where: Where, untranslated: Untranslated) -> Iterator[Problem]:
    """The problems of composing `request` to HTML (`where` for an error that names no place);
    its messages that fell back to English go to `untranslated`, not to the problems."""
    try:
        letter = compose_html(loaded, request)
    except CheckFailed as exc:  # (under --strict the untranslated messages are the render's own error)
        yield from (p for p in exc.problems if not _untranslated_warning(p))
        return
    except AdvocateError as exc:
        yield Problem("error", exc.where or where, exc.msg, exc.hint or "")
        return
    yield from (p for p in letter.warnings if not _untranslated_warning(p))
    for msgid in letter.untranslated:
        letters = untranslated.setdefault(request.lang, {}).setdefault(msgid, [])
        if request.letter not in letters:
            letters.append(request.letter)


def _untranslated_warning(problem: Problem) -> bool:
    """The render's own warning about untranslated messages (replaced by one per message)."""
    return problem.severity == "warning" and "message(s) untranslated in" in problem.message


def untranslated_problems(ws: Workspace, untranslated: Untranslated) -> Iterator[Problem]:
    """One warning per message that fell back to English, at its line in the language's catalogue
    (the workspace's own, else the bundled one), naming the letters that print it."""
    for lang, messages in untranslated.items():
        lines = _catalogue_lines(ws, lang)
        own = po_path(ws.roots[0], lang)
        absent = "not in the catalogue: `advocate i18n update` adds it, then translate it"
        if not own.is_file():
            absent = f"the workspace has no {lang!r} catalogue: `advocate i18n init {lang}` starts it, then translate it"
        for msgid, letters in messages.items():
            text = " ".join(msgid.split())
            shown = text if len(text) <= 70 else text[:67] + "..."
            found = lines.get(msgid)
            yield Problem(
                "warning",
                found or Where(own),
                f"untranslated in {lang!r} ({', '.join(letters)}), English used: {shown!r}",
                "translate it here" if found else absent,
            )


def _catalogue_lines(ws: Workspace, lang: str) -> dict[str, Where]:
    """msgid -> its place in the language's catalogues (the workspace's first)."""
    lines: dict[str, Where] = {}
    for root in ws.roots:
        path = po_path(root, lang)
        if not path.is_file():
            continue
        try:
            catalog = read_catalog(path)
        except AdvocateError:
            continue  # a broken catalogue is reported by the catalogue checks
        for message in catalog:
            msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
            if msgid:
                lines.setdefault(str(msgid), Where(path, message.lineno or 0))
    return lines


def _check_deadline(spec: LetterSpec) -> Iterator[Problem]:
    deadline = spec.deadline
    if deadline and deadline.variable and getattr(spec.variables.get(deadline.variable), "type", None) != "date":
        where = Where(spec.path / "letter.yaml", spec.line_of_key.get("deadline", 0), "deadline.variable")
        message = f"deadline.variable {deadline.variable!r} is not a date variable of this letter"
        yield Problem("error", where, message, "declare it under `variables` with `type: date`")


def template_citations(ws: Workspace, spec: LetterSpec) -> list[tuple[str, int, str]]:
    """(key, line, function) for every citing call with literal keys in the letter's template."""
    env = environment(ws)
    path = spec.path / TEMPLATE_NAME
    try:
        tree = env.parse(read_text(path, spec.path.parent.parent), name=f"{spec.name}/{TEMPLATE_NAME}", filename=str(path))
    except jinja2.TemplateSyntaxError as exc:
        raise AdvocateError(f"template syntax: {exc.message}", Where(path, exc.lineno), template_syntax_hint(exc.message or "")) from None
    return _citing_calls(tree)


def _citing_calls(tree: nodes.Template) -> list[tuple[str, int, str]]:
    """(key, line, function) for every citing call with literal keys in a parsed template."""
    found = []
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in CITING_FUNCTIONS | {"note"}:
            if call.node.name in ("cite_all", "obligations", "status_note"):
                keys = [_first_const(a) for a in call.args]
            else:
                keys = [_first_const(call.args[0])] if call.args else []
            found += [(k, call.lineno, call.node.name) for k in keys if k]
    return found


def _first_const(node: nodes.Node) -> str | None:
    if isinstance(node, (nodes.Tuple, nodes.List)) and node.items:
        node = node.items[0]
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def letter_citations(ws: Workspace, spec: LetterSpec) -> list[str]:
    """The keys the letter's template cites with literal keys, then those of the templates it
    includes by literal name (the shared `_base/` paragraphs), each key once."""
    calls = template_citations(ws, spec)
    env = environment(ws)
    pending = [read_text(spec.path / TEMPLATE_NAME, spec.path.parent.parent)]
    seen: set[str] = set()
    while pending:
        for include in env.parse(pending.pop(0)).find_all(nodes.Include):
            name = include.template.value if isinstance(include.template, nodes.Const) else None
            if not isinstance(name, str) or name in seen:
                continue
            seen.add(name)
            try:
                text = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                continue  # the render names the paths searched
            calls += _citing_calls(env.parse(text))
            pending.append(text)
    keys: list[str] = []
    for key, _line, func in calls:
        if func != "note" and key not in keys:
            keys.append(key)
    return keys


__all__ = ["check_workspace", "letter_citations", "template_citations", "Path"]
