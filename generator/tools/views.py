"""Views of the workspace for the CLI's listing commands: plain text, and the documents of `--json`.

In: a `Loaded` workspace (or problems, catalogue statistics). Out: strings (tables and detail
pages) or JSON-ready dicts whose shape docs/checks.md ("JSON output") documents; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..checks.checks import letter_citations
from ..compose.addressee import addressee_context
from ..compose.citing import Citer
from ..compose.rules import not_written_for
from ..core.errors import InputError, Problem, Where, errors_in, shown_path, suggest
from ..core.i18n import format_date
from ..core.models import Document, Incident, Treaty
from ..load.library import Library
from ..load.loaded import Loaded, get_addressee, get_letter

JSON_VERSION = 1  # raised only when a key is removed or changes meaning; new keys may be added


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip() for r in rows)


def letters_table(loaded: Loaded) -> str:
    rows: list[tuple[str, ...]] = [("LETTER", "KIND", "LANGUAGES", "TITLE")]
    rows += [(s.name, s.kind, ",".join(s.languages), s.title) for s in loaded.letters.values()]
    return _table(rows)


def letter_detail(loaded: Loaded, name: str) -> str:
    spec = get_letter(loaded, name)
    out = [
        f"{spec.name}: {spec.title}",
        "",
        spec.purpose,
        "",
        f"kind:            {spec.kind}",
        f"languages:       {', '.join(spec.languages)}",
        f"addressee kinds: {', '.join(spec.addressee_kinds)}",
        f"respondent:      {spec.respondent}" + (f" (written for {', '.join(spec.respondent_states)})" if spec.respondent_states else ""),
        *([f"addressee states: {', '.join(spec.addressee_states)}"] if spec.addressee_states else []),
        *([f"excluded states: {', '.join(spec.excluded_states)}"] if spec.excluded_states else []),
        f"signatories:     {spec.signatories}",
        "",
        "variables:",
    ]
    for vname, var in spec.variables.items():
        req = "required" if var.required and var.default is None else "optional"
        default = f", default {var.default!r}" if var.default is not None else ""
        choices = f" [{'|'.join(var.choices)}]" if var.choices else ""
        out.append(f"  {vname} ({var.type}{choices}, {req}{default})" + (f": {var.help}" if var.help else ""))
    if not spec.variables:
        out.append("  (none)")
    out += ["", "citations used:"]
    for key in letter_citations(loaded.ws, spec):
        source = loaded.library.get(key)
        out.append(f"  {key}" + (f" ({type(source).__name__.lower()})" if source else " (MISSING)"))
    out += ["", "examples:"] + [
        f"  advocate render {spec.name} --to {e.to}"
        + (f" --lang {e.lang}" if e.lang != "en" else "")
        + (" --confidential" if e.confidential else "")
        + (f" --signatories {shown_path(spec.path / e.signatories)}" if e.signatories else "")
        + "".join(f" --var {k}={v}" for k, v in e.vars.items())
        for e in spec.examples
    ]
    return "\n".join(out)


def citations_table(loaded: Loaded) -> str:
    rows: list[tuple[str, ...]] = [("KEY", "TYPE", "FLAG", "DATE", "TITLE")]
    rows += [(key, kind, flag, date, title) for key, _source, kind, flag, date, title in _citation_rows(loaded.library)]
    return _table(rows)


def _citation_rows(lib: Library) -> list[tuple[str, str, str, str, str, str]]:
    """(key, source type, kind, flag, date, English title) of every source in the library."""
    rows: list[tuple[str, str, str, str, str, str]] = []
    for key in lib.keys():
        s = lib.get(key)
        if isinstance(s, Treaty):
            rows.append((key, "treaty", s.kind, s.flag, str(s.adopted.date), s.title["en"]))
        elif isinstance(s, Document):
            rows.append((key, "document", s.kind, s.flag, str(s.date), (s.title or s.description or {"en": ""})["en"]))
        elif isinstance(s, Incident):
            rows.append((key, "incident", "incident", s.flag, str(s.date), s.title["en"]))
    return rows


def citation_detail(loaded: Loaded, key: str) -> str:
    lib = loaded.library
    source = lib.get(key)
    if source is None:
        raise InputError(f"unknown citation key {key!r}", hint=suggest(key, lib.keys()))
    out = [f"{key}  ({lib.origin[key]})", ""]
    citer = Citer(lib)
    if isinstance(source, Incident):
        out += [
            f"incident: {source.title['en']}",
            f"date: {source.date} ({source.date.precision}{', estimated' if source.date_estimated else ''})",
            f"flag: {source.flag}",
            f"perpetrator: {source.perpetrator}  receiving state: {source.receiving_state}",
            f"places: {', '.join(source.places) or '-'}",
            "",
            "statement:",
            f"  {source.summary['en']}",
            "",
            "counts:",
        ]
        for c in source.counts:
            est = " (estimate)" if c.estimate else ""
            out.append(f"  {c.qualifier} {c.value} {c.unit}{est} per {', '.join(c.attributed_to) or '-'} [{c.flag}]")
        out += ["", "sources:"]
        for s in source.sources:
            note = citer.cite([(s.document, s.pinpoint)]) if s.document in lib.documents else None
            out.append(f"  {s.document} ({s.reliability}, {s.connection}): {note.text if note else 'MISSING'}")
            citer = Citer(lib)
        if source.victims:
            out += [
                "",
                f"named victims: {len(source.victims)} (confidential: {sum(v.confidential for v in source.victims)}; names not shown)",
            ]
        return "\n".join(out)
    first = citer.cite([(key, None)]).text
    citer.explain("-")
    out += ["first citation:", f"  {first}", "later citation:", f"  {citer.cite([(key, None)]).text}", ""]
    out.append(f"flag: {source.flag}")
    if isinstance(source, Treaty):
        out += ["", "titles:"] + [f"  {lang}: {text}  [{source.title_flags.get(lang, 'V')}]" for lang, text in source.title.items()]
        if source.articles:
            english = {n: a.text.get("en", "(no verified English text)") for n, a in source.articles.items()}
            out += ["", "articles:"] + [f"  art {n} [{a.flag}]: {english[n]}" for n, a in source.articles.items()]
        if source.parties:
            out += ["", "parties:"]
            for code, p in source.parties.items():
                date = f" {format_date(p.date, nbsp=False)}" if p.date else ""
                out.append(f"  {code} {lib.state_short(code)}: {p.status}{date} [{p.flag}]" + (f" ({p.note})" if p.note else ""))
    elif isinstance(source, Document):
        out += [f"source: {source.source}"] if source.source else []
    return "\n".join(out)


def addressees_table(loaded: Loaded) -> str:
    rows: list[tuple[str, ...]] = [("KEY", "KIND", "STATE", "LANGS", "CHANNELS", "TITLE")]
    for key, a in sorted(loaded.addressees.items()):
        rows.append((key, a.kind, a.state or "-", ",".join(a.languages), ",".join(a.channels) or "-", a.title["en"]))
    return _table(rows)


def addressee_detail(loaded: Loaded, key: str) -> str:
    a = get_addressee(loaded, key)
    ctx = addressee_context(a, loaded.library, "en")
    out = [
        f"{key}  ({loaded.addressee_origin[key]})",
        "",
        f"kind: {a.kind}",
        f"state: {a.state or '-'}",
        f"salutation: {ctx['salutation']}",
        f"languages: {', '.join(a.languages)}",
        f"channels: {', '.join(a.channels) or '-'}",
        "",
        "address block:",
    ] + [f"  {line}" for line in ctx["address_lines"]]
    if a.address:
        out.append(f"  (source: {a.address.source})")
    out.append(f"email: {a.email or '-'}" + (f" (source: {a.email_source})" if a.email else ""))
    letters = [s.name for s in loaded.letters.values() if not not_written_for(s, a, loaded.library)]
    out += ["", f"letters for this addressee: {', '.join(letters) or '-'}"]
    return "\n".join(out)


# -- the documents of --json ---------------------------------------------------------------------


def problem_data(problem: Problem) -> dict[str, Any]:
    """One problem: severity, file (as printed, relative to the current folder) or option, line
    (null for a whole file), field, message and hint (null when none)."""
    where = problem.where
    path, line, field = (where.path, where.line, where.field) if isinstance(where, Where) else (where, 0, "")
    option = str(path) if str(path).startswith("-") else None
    return {
        "severity": problem.severity,
        "file": None if option else shown_path(path),
        "option": option,
        "line": line or None,
        "field": field or None,
        "message": problem.message,
        "hint": problem.hint or None,
    }


def problems_data(problems: list[Problem], **extra: Any) -> dict[str, Any]:
    """The document of a command that checks: ok, counts of errors and warnings, every problem."""
    errors = len(errors_in(problems))
    return {
        "version": JSON_VERSION,
        **extra,
        "ok": not errors,
        "counts": {"errors": errors, "warnings": len(problems) - errors},
        "problems": [problem_data(p) for p in problems],
    }


def letters_data(loaded: Loaded) -> dict[str, Any]:
    """`advocate letters --json`: every letter with what letter.yaml says of it."""
    letters = [
        {
            "name": s.name,
            "title": s.title,
            "kind": s.kind,
            "languages": s.languages,
            "addressee_kinds": s.addressee_kinds,
            "respondent": s.respondent,
            "respondent_states": s.respondent_states,
            "addressee_states": s.addressee_states,
            "excluded_states": s.excluded_states,
            "signatories": s.signatories,
            "standalone": s.standalone,
            "variables": {n: {"type": v.type, "required": v.required and v.default is None} for n, v in s.variables.items()},
            "path": shown_path(s.path),
        }
        for s in loaded.letters.values()
    ]
    return {"version": JSON_VERSION, "letters": letters}


def citations_data(loaded: Loaded) -> dict[str, Any]:
    """`advocate citations list --json`: every key with its source type, kind, flag, date and English title."""
    names = ("key", "source", "kind", "flag", "date", "title")
    return {"version": JSON_VERSION, "citations": [dict(zip(names, row, strict=True)) for row in _citation_rows(loaded.library)]}


def stats_data(rows: Sequence[Any]) -> dict[str, Any]:
    """`advocate i18n stats --json`: messages per language (`catalog.LangStats` rows)."""
    languages = [
        {
            "lang": r.lang,
            "total": r.total,
            "translated": r.translated,
            "fuzzy": r.fuzzy,
            "untranslated": r.untranslated,
            "percent": round(r.percent, 1),
        }
        for r in rows
    ]
    return {"version": JSON_VERSION, "languages": languages}
