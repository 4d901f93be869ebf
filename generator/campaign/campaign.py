"""Campaign files: many letters at once.

In: a campaign YAML file (see the README, "Campaigns") and the loaded workspace. Out: a
`Campaign` whose `jobs` are one `Job` per output file (letter, addressee, language, variables,
output path), or a `CampaignInvalid` listing every problem of the file at once, each with its
FILE:LINE. Nothing is rendered or written here.

    name: nonrefoulement-2026          # optional; default: the file name without .yaml
    letters:                           # names, or mappings with per-letter variables
      - china-nonrefoulement
      - name: third-committee-missions
        variables: {session: 81}
        addressees: {state: [JP, KR]}  # this letter only
    addressees: all                    # every addressee each letter accepts; or a list of keys;
                                       # or a filter: {kind: [...], state: [...], exclude: [...]}
    languages: preferred               # preferred | accepted | all | [en, ko, ...]
    variables: {reference: HR/2026/17} # for every letter (each letter must declare them)
    date: 2026-11-23                   # default: today
    signatories: signers.csv           # relative to the campaign file
    output: "{letter}/{addressee}-{lang}.{format}"
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..compose.rules import not_written_for
from ..compose.variables import check_variables
from ..core.errors import AdvocateError, CheckFailed, Problem, Where, suggest
from ..core.letter import LetterRequest
from ..core.models import ADDRESSEE_KINDS, LANGS, Addressee, LetterSpec
from ..core.yamlio import LDict, LList, load_yaml
from ..load.loaded import Loaded
from ..render.pdf import confidential_name

KEYS = (
    "name",
    "letters",
    "addressees",
    "languages",
    "variables",
    "date",
    "signatories",
    "skip_invalid",
    "confidential",
    "strict",
    "wet_ink",
    "paper",
    "format",
    "output",
)
FILTER_KEYS = ("kind", "state", "keys", "exclude")
LANGUAGE_MODES = ("preferred", "accepted", "all")
PLACEHOLDERS = ("campaign", "letter", "addressee", "lang", "state", "kind", "format")
DEFAULT_OUTPUT = "{letter}-{addressee}-{lang}.{format}"
HINT = "see the README, 'Campaigns', for the keys of a campaign file"


class CampaignInvalid(CheckFailed):
    """A campaign file with errors; `problems` lists every one."""

    exit_code = 3

    def __init__(self, problems: list[Problem], path: Path):
        super().__init__(problems)
        errors = [p for p in problems if p.severity == "error"]
        self.msg = f"{len(errors)} error(s) in campaign {path}; nothing was rendered"


@dataclass(frozen=True)
class Job:
    """One output of a campaign: what to render and where (relative to the output folder)."""

    output: str
    request: LetterRequest
    fmt: str = "pdf"

    @property
    def label(self) -> str:
        return f"{self.request.letter} to {self.request.addressee} ({self.request.lang})"


@dataclass
class Campaign:
    path: Path
    name: str
    jobs: list[Job]
    signatories_path: Path | None = None
    warnings: list[Problem] = field(default_factory=list)


class _Reader:
    """Collects problems with the line of the key or item they concern."""

    def __init__(self, path: Path, data: LDict):
        self.path, self.data = path, data
        self.problems: list[Problem] = []

    def where(self, node: Any = None, key: Any = None) -> Where:
        node = self.data if node is None else node
        if isinstance(node, LDict) and key in node:
            return Where(self.path, node.lines[key])
        if isinstance(node, LList) and isinstance(key, int) and 0 <= key < len(node):
            return Where(self.path, node.lines[key])
        return Where(self.path, getattr(node, "line", 0))

    def error(self, where: Where, message: str, hint: str = "") -> None:
        self.problems.append(Problem("error", where, message, hint))


def load_campaign(path: Path, loaded: Loaded) -> Campaign:
    """Read and validate a campaign file against the workspace; every problem at once."""
    data = load_yaml(path)
    if not isinstance(data, LDict):
        raise CampaignInvalid([Problem("error", Where(path, getattr(data, "line", 1)), "expected a mapping of campaign keys", HINT)], path)
    r = _Reader(path, data)
    for key in data:
        if key not in KEYS:
            r.error(r.where(data, key), f"unknown key {key!r}", _hint(str(key), KEYS))
    if "letters" not in data:
        r.error(Where(path, data.line), "missing required key 'letters'", "name the letter(s) to render: letters: [china-nonrefoulement]")
    letters = _letters(r, loaded)
    if "addressees" not in data and not all(isinstance(node, LDict) and "addressees" in node for _s, _v, node in letters):
        r.error(
            Where(path, data.line),
            "missing required key 'addressees'",
            "a list of keys, `all`, or a filter such as {kind: permanent_mission}",
        )
    options = _options(r)
    signatories, sig_path, warnings = _signatories(r, loaded, options)
    variables = _mapping(r, "variables")
    languages = _languages(r)
    output = _output(r)
    jobs: list[Job] = []
    for spec, letter_vars, letter_node in letters:
        merged = {**variables, **letter_vars}
        _check_variables(r, spec, merged, loaded, letter_node)
        if spec.signatories == "required" and signatories is None:
            r.error(r.where(data, "letters"), f"letter {spec.name!r} needs a signatory list", "add `signatories: FILE.csv` to the campaign")
        owner = letter_node if isinstance(letter_node, LDict) and "addressees" in letter_node else data
        for addressee in _addressees(r, loaded, spec, owner, merged):
            for lang in _langs_for(languages, spec, addressee):
                request = LetterRequest(
                    letter=spec.name,
                    addressee=addressee.key,
                    lang=lang,
                    variables=dict(merged),
                    date=options["date"],
                    signatories=signatories if spec.signatories != "none" else None,
                    strict=options["strict"],
                    paper=options["paper"],
                    confidential=options["confidential"],
                    wet_ink=options["wet_ink"],
                )
                jobs.append(Job("", request, options["format"]))
    name = str(data.get("name") or path.stem)
    jobs = _place(r, jobs, output, name, loaded)
    if not r.problems and not jobs:
        r.error(r.where(data, "addressees"), "the campaign selects no letter at all", "no selected addressee is accepted by the letter(s)")
    if r.problems:  # a problem found once per letter is listed once
        problems = list(dict.fromkeys(r.problems))
        problems.sort(key=lambda p: p.where.line if isinstance(p.where, Where) and p.where.path == path else 0)
        raise CampaignInvalid(problems, path)
    return Campaign(path, name, jobs, sig_path, warnings)


def _hint(key: str, known: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    listed = f"known keys: {', '.join(known)}"
    return f"did you mean {close[0]!r}? {listed}" if close else listed


def _strings(r: _Reader, node: Any, key: Any, what: str) -> list[str] | None:
    """A string or a list of strings at node[key]; None (and a problem) otherwise."""
    value = node[key]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    r.error(r.where(node, key), f"{key}: expected {what} or a list of them, got {type(value).__name__}")
    return None


def _letters(r: _Reader, loaded: Loaded) -> list[tuple[LetterSpec, dict[str, Any], Any]]:
    node = r.data.get("letters")
    if node is None:
        return []
    items = LList([node]) if isinstance(node, (str, LDict)) else node
    if isinstance(node, (str, LDict)):
        items.line, items.lines = r.where(r.data, "letters").line, [r.where(r.data, "letters").line]
    if not isinstance(items, LList) or not items:
        r.error(r.where(r.data, "letters"), "letters: expected a letter name or a list of them")
        return []
    found = []
    for i, item in enumerate(items):
        where = r.where(items, i)
        variables: dict[str, Any] = {}
        if isinstance(item, LDict):
            for key in item:
                if key not in ("name", "variables", "addressees"):
                    r.error(
                        r.where(item, key), f"unknown key {key!r} in a letter entry", _hint(str(key), ("name", "variables", "addressees"))
                    )
            variables = item.get("variables") or {}
            if not isinstance(variables, dict):
                r.error(r.where(item, "variables"), "variables: expected a mapping of variable names to values")
                variables = {}
            name = item.get("name")
        else:
            name = item
        if not isinstance(name, str):
            r.error(where, "a letter entry needs a name", "write the letter's folder name, e.g. china-nonrefoulement")
            continue
        spec = loaded.letters.get(name)
        if spec is None:
            hint = suggest(name, sorted(loaded.letters), "advocate letters")
            r.error(where, f"unknown letter {name!r}", hint)
            continue
        found.append((spec, dict(variables), item))
    return found


def _options(r: _Reader) -> dict[str, Any]:
    data = r.data
    options: dict[str, Any] = {}
    for key in ("skip_invalid", "confidential", "strict", "wet_ink"):
        value = data.get(key, False)
        if not isinstance(value, bool):
            r.error(r.where(data, key), f"{key}: expected true or false, got {value!r}")
            value = False
        options[key] = value
    date = data.get("date")
    if date is not None and not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(str(date))
        except ValueError:
            r.error(r.where(data, "date"), f"date: {date!r} is not a date", "write it as YYYY-MM-DD")
            date = None
    options["date"] = date or dt.date.today()
    paper = data.get("paper")
    if paper is not None and paper not in ("A4", "letter"):
        r.error(r.where(data, "paper"), f"paper must be 'A4' or 'letter', not {paper!r}")
        paper = None
    options["paper"] = paper
    fmt = data.get("format", "pdf")
    if fmt not in ("pdf", "html"):
        r.error(r.where(data, "format"), f"format must be 'pdf' or 'html', not {fmt!r}")
        fmt = "pdf"
    options["format"] = fmt
    return options


def _mapping(r: _Reader, key: str) -> dict[str, Any]:
    value = r.data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        r.error(r.where(r.data, key), f"{key}: expected a mapping of variable names to values")
        return {}
    return dict(value)


def _check_variables(r: _Reader, spec: LetterSpec, given: dict[str, Any], loaded: Loaded, letter_node: Any) -> None:
    _values, problems = check_variables(spec, given, loaded.addressees, loaded.library)
    for p in problems:
        name = p.where.field if isinstance(p.where, Where) else ""
        own = letter_node.get("variables") if isinstance(letter_node, LDict) else None
        if isinstance(own, LDict) and name in own:
            where = r.where(own, name)
        elif isinstance(r.data.get("variables"), LDict) and name in r.data["variables"]:
            where = r.where(r.data["variables"], name)
        else:
            where = r.where(r.data, "variables") if "variables" in r.data else r.where(r.data, "letters")
        hint = p.hint.replace(f"give it with --var {name}=VALUE", f"add `{name}:` under variables")
        r.problems.append(Problem(p.severity, where, f"{spec.name}: {p.message}", hint))


def _signatories(r: _Reader, loaded: Loaded, options: dict[str, Any]) -> tuple[list[Any] | None, Path | None, list[Problem]]:
    value = r.data.get("signatories")
    if value is None:
        return None, None, []
    if not isinstance(value, str):
        r.error(r.where(r.data, "signatories"), "signatories: expected the path of a CSV file")
        return None, None, []
    path = (r.path.parent / value).resolve()
    if not path.is_file():
        r.error(r.where(r.data, "signatories"), f"signatory list {value!r} not found", f"looked for {path}")
        return None, None, []
    from ..petition.signatories import signatories_for_render  # (lazy: only a campaign with a list loads ICU)

    try:
        found, warnings = signatories_for_render(path, loaded.library, options["skip_invalid"])
    except CheckFailed as exc:
        r.problems.extend(exc.problems)
        return None, path, []
    except AdvocateError as exc:
        r.error(r.where(r.data, "signatories"), exc.line(), exc.hint or "")
        return None, path, []
    return found, path, warnings


def _languages(r: _Reader) -> str | list[str]:
    value = r.data.get("languages", "preferred")
    if isinstance(value, str) and value in LANGUAGE_MODES:
        return value
    langs = _strings(r, r.data, "languages", "a language code") if "languages" in r.data else None
    if langs is None:
        return "preferred"
    bad = [x for x in langs if x not in LANGS]
    if bad:
        r.error(
            r.where(r.data, "languages"),
            f"unknown language {bad[0]!r}",
            f"write {', '.join(LANGUAGE_MODES)}, or a list of: {', '.join(LANGS)}",
        )
        return "preferred"
    return langs


def _langs_for(languages: str | list[str], spec: LetterSpec, addressee: Addressee) -> list[str]:
    if isinstance(languages, list):
        return [x for x in languages if x in spec.languages]
    if languages == "all":
        return list(spec.languages)
    accepted = [x for x in addressee.languages if x in spec.languages]
    fallback = "en" if "en" in spec.languages else spec.languages[0]
    if languages == "accepted":
        return accepted or [fallback]
    return accepted[:1] or [fallback]


def _addressees(r: _Reader, loaded: Loaded, spec: LetterSpec, owner: LDict, variables: dict[str, Any]) -> list[Addressee]:
    """The addressees the campaign (or the letter's entry, `owner`) selects for `spec`: an explicit
    list must all be accepted by the letter; a filter (or `all`) keeps those the letter is written
    for (`checks.not_written_for`, with the letter's `variables`)."""
    node = owner.get("addressees")
    if node is None:
        return []
    accepts = lambda a: not not_written_for(spec, a, loaded.library, variables)  # noqa: E731
    if node == "all":
        return [a for a in loaded.addressees.values() if accepts(a)]
    if isinstance(node, str) or isinstance(node, LList):
        keys = _strings(r, owner, "addressees", "an addressee key") or []
        chosen = []
        for i, key in enumerate(keys):
            where = r.where(node, i) if isinstance(node, LList) else r.where(owner, "addressees")
            found = loaded.addressees.get(key)
            if found is None:
                hint = suggest(key, sorted(loaded.addressees), "advocate addressees list")
                r.error(where, f"unknown addressee {key!r}", hint)
            elif not accepts(found):
                why = not_written_for(spec, found, loaded.library, variables)[0][0]
                r.error(where, why, "remove the addressee, or select addressees with a filter")
            else:
                chosen.append(found)
        return chosen
    if isinstance(node, LDict):
        return _filtered(r, loaded, node, accepts)
    r.error(r.where(owner, "addressees"), "addressees: expected `all`, a list of keys, or a filter such as {kind: permanent_mission}")
    return []


def _filtered(r: _Reader, loaded: Loaded, node: LDict, accepts: Any) -> list[Addressee]:
    before = len(r.problems)
    for key in node:
        if key not in FILTER_KEYS:
            r.error(r.where(node, key), f"unknown addressee filter {key!r}", f"filters: {', '.join(FILTER_KEYS)}")
    kinds = _strings(r, node, "kind", "an addressee kind") if "kind" in node else None
    states = _strings(r, node, "state", "a state code") if "state" in node else None
    keys = _strings(r, node, "keys", "an addressee key") if "keys" in node else None
    exclude = _strings(r, node, "exclude", "an addressee key") if "exclude" in node else []
    for kind in kinds or []:
        if kind not in ADDRESSEE_KINDS:
            r.error(r.where(node, "kind"), f"unknown addressee kind {kind!r}", f"kinds: {', '.join(ADDRESSEE_KINDS)}")
    for state in states or []:
        if state not in loaded.library.states:
            r.error(r.where(node, "state"), f"unknown state {state!r}", "states are ISO codes declared in citations/states.yaml")
    for key in [*(keys or []), *(exclude or [])]:
        if key not in loaded.addressees:
            r.error(r.where(node, "keys" if key in (keys or []) else "exclude"), f"unknown addressee {key!r}")
    if len(r.problems) > before:
        return []
    return [
        a
        for a in loaded.addressees.values()
        if accepts(a)
        and (kinds is None or a.kind in kinds)
        and (states is None or a.state in states)
        and (keys is None or a.key in keys)
        and a.key not in (exclude or [])
    ]


def _output(r: _Reader) -> str:
    value = r.data.get("output", DEFAULT_OUTPUT)
    if not isinstance(value, str) or not value.strip():
        r.error(r.where(r.data, "output"), "output: expected a file name pattern such as " + repr(DEFAULT_OUTPUT))
        return DEFAULT_OUTPUT
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        r.error(r.where(r.data, "output"), f"output: malformed pattern ({exc})", "placeholders are written {letter}; a literal brace is {{")
        return DEFAULT_OUTPUT
    unknown = [f for f in fields if f not in PLACEHOLDERS]
    if unknown:
        r.error(
            r.where(r.data, "output"),
            f"output: unknown placeholder {{{unknown[0]}}}",
            f"placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
        )
        return DEFAULT_OUTPUT
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        r.error(r.where(r.data, "output"), "output: the pattern must stay inside the output folder (no absolute path, no '..')")
        return DEFAULT_OUTPUT
    return value


def _place(r: _Reader, jobs: list[Job], pattern: str, name: str, loaded: Loaded) -> list[Job]:
    """Give each job its output path; two different letters may not share one."""
    placed: dict[str, Job] = {}
    for job in jobs:
        req = job.request
        addressee = loaded.addressees[req.addressee]
        out = pattern.format(
            campaign=name,
            letter=req.letter,
            addressee=req.addressee,
            lang=req.lang,
            state=addressee.state or "",
            kind=addressee.kind,
            format=job.fmt,
        )
        if req.confidential:  # a confidential version never has a public version's name

            out = str(PurePosixPath(out).with_name(confidential_name(PurePosixPath(out).name, True)))
        other = placed.get(out)
        if other is not None:
            if (other.request.letter, other.request.addressee, other.request.lang) != (req.letter, req.addressee, req.lang):
                r.error(
                    r.where(r.data, "output") if "output" in r.data else Where(r.path, r.data.line),
                    f"output: {other.label} and {job.label} would both be written to {out!r}",
                    "add the placeholders that tell them apart: {letter}, {addressee}, {lang}",
                )
                break
            continue
        placed[out] = Job(out, req, job.fmt)
    return list(placed.values())
