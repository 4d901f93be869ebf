"""The citation library: treaties, documents, incidents and states.

In: ``citations/`` folders of a `Workspace` (user first; a user's file overrides a bundled one
with the same key). Out: a frozen `Library` and the problems found while loading.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..core.errors import AdvocateError, InputError, Problem, Where, suggest
from ..core.files import yaml_files
from ..core.languages import BUNDLED_LANGS
from ..core.models import KEY_RE, STATE_RE, Document, Incident, State, Treaty, validate
from ..core.workspace import Workspace
from ..core.yamlio import LDict, LList, line_of, load_yaml

Source = Treaty | Document | Incident
SECTIONS: dict[str, type[Treaty] | type[Document] | type[Incident]] = {
    "treaties": Treaty,
    "documents": Document,
    "incidents": Incident,
}


@dataclass(frozen=True)
class Library:
    states: dict[str, State]
    treaties: dict[str, Treaty]
    documents: dict[str, Document]
    incidents: dict[str, Incident]
    origin: dict[str, Where]  # key -> where it is defined
    raw: dict[str, Any] = field(default_factory=dict)  # key -> the YAML data, with line numbers

    def where(self, key: str, *loc: str | int) -> Where:
        """The file and line of a field of an item (the item's key line when `loc` is empty)."""
        origin = self.origin[key]
        data = self.raw.get(key)
        return Where(origin.path, line_of(data, loc) if loc and data is not None else origin.line)

    def without_victims_named(self) -> Library:
        """This library with every named victim's name and details blank, in the models and in the
        YAML data (their consent and confidentiality, and the lines, kept for the checks)."""
        incidents, raw = dict(self.incidents), dict(self.raw)
        for key, incident in self.incidents.items():
            if incident.victims:
                incidents[key] = dataclasses.replace(
                    incident, victims=[dataclasses.replace(victim, name="", details={}) for victim in incident.victims]
                )
                raw[key] = _victims_blank(self.raw.get(key))
        return dataclasses.replace(self, incidents=incidents, raw=raw)

    def get(self, key: str) -> Source | None:
        return self.treaties.get(key) or self.documents.get(key) or self.incidents.get(key)

    @cached_property
    def state_names(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(code, every name, formal name and abbreviation the library gives it) of each state, in
        code order: what a typed country is matched against (`countries.resolve_country`). Made
        once per library, and gone with it."""
        rows = []
        for code, state in sorted(self.states.items()):
            names = [text for form in (state.name, state.formal, state.abbr) if form for text in form.values()]
            rows.append((code, tuple(names)))
        return tuple(rows)

    def require(self, key: str) -> Source:
        found = self.get(key)
        if found is None:
            raise InputError(f"unknown citation key {key!r}", hint=suggest(key, self.keys()))
        return found

    def keys(self) -> list[str]:
        return sorted([*self.treaties, *self.documents, *self.incidents])

    def state_name(self, code: str, lang: str = "en", form: str = "name", audience: str | None = None, case: str | None = None) -> str:
        """The state's name in `form` and `lang`: the name a letter to `audience`'s government uses
        where the library gives one, declined in `case` where the language has it; else the
        library's, else CLDR's (Babel's territory name, for a language the library does not hold),
        else the library's English."""
        state = self.states.get(code)
        if state is None:
            return code
        own = state.to.get(audience or "", {}).get(form, {}).get(lang)  # type: ignore[call-overload]
        if own:
            return own
        declined = state.cases.get(lang, {}).get(form, {}).get(case) if case else None  # type: ignore[call-overload]
        if declined:
            return declined
        if form == "abbr":
            return self.state_short(code, lang)
        texts = getattr(state, form) or state.name
        return texts.get(lang) or _cldr_territory(code, lang) or texts["en"]

    def state_short(self, code: str, lang: str = "en", audience: str | None = None) -> str:
        state = self.states.get(code)
        own = state.to.get(audience or "", {}).get("abbr", {}).get(lang) if state else None
        if own:
            return own
        if state and lang in state.abbr:
            return state.abbr[lang]
        return self.state_name(code, lang, audience=audience)


def load_library(ws: Workspace) -> tuple[Library, list[Problem]]:
    problems: list[Problem] = []
    states: dict[str, State] = {}
    found: dict[str, dict[str, Source]] = {name: {} for name in SECTIONS}
    origin: dict[str, Where] = {}
    raw: dict[str, Any] = {}
    for root in reversed(ws.roots):  # bundled first, so user files override
        citations = root / "citations"
        states_file = citations / "states.yaml"
        if os.path.lexists(states_file):  # a broken link or a folder is reported, never skipped
            states.update(_load_states(states_file, root, problems))
        in_this_root: dict[str, Where] = {}
        for section, model in SECTIONS.items():
            for path in _section_files(citations / section, root, problems):
                item, data = _load_item(path, root, model, problems)
                if item is None:
                    continue
                where = Where(path, data.lines.get("key", 1))
                if item.key in in_this_root:
                    first = in_this_root[item.key]
                    problems.append(
                        Problem(
                            "error",
                            where,
                            f"key {item.key!r} is already defined in {first}",
                            "citation keys must be unique across treaties, documents and incidents",
                        )
                    )
                    continue
                in_this_root[item.key] = where
                clash = next((other for other in SECTIONS if other != section and item.key in found[other]), None)
                if clash:  # a user file replaces a bundled item of its own kind only
                    problems.append(
                        Problem(
                            "error",
                            where,
                            f"key {item.key!r} is used by both a {clash} entry and a {section} entry",
                            "citation keys must be unique across treaties, documents and incidents",
                        )
                    )
                    continue
                found[section][item.key] = item
                origin[item.key], raw[item.key] = where, data
    lib = Library(states, found["treaties"], found["documents"], found["incidents"], origin, raw)  # type: ignore[arg-type]
    return lib, problems


def _victims_blank(data: Any) -> Any:
    """An incident's YAML data with each victim's name and details blank (the lines kept)."""
    victims = data.get("victims") if isinstance(data, LDict) else None
    if not isinstance(victims, LList):
        return data
    blank = LList(_replaced(v, name="", details={}) if isinstance(v, LDict) else v for v in victims)
    blank.line, blank.lines = victims.line, list(victims.lines)
    return _replaced(data, victims=blank)


def _replaced(data: LDict, **values: Any) -> LDict:
    """A copy of `data` with the keys it has among `values` replaced, its line numbers kept."""
    copy = LDict({key: values.get(key, value) for key, value in data.items()})
    copy.line, copy.lines = data.line, dict(data.lines)
    return copy


def _section_files(folder: Path, root: Path, problems: list[Problem]) -> list[Path]:
    """The YAML files of one library section of workspace `root` (none, with a problem, when
    the folder is a link loop or leads outside the workspace)."""
    try:
        return yaml_files(folder, root)
    except AdvocateError as exc:
        problems.append(Problem("error", exc.where or Where(folder), exc.msg, exc.hint or ""))
        return []


def _load_item(path: Path, root: Path, model: type, problems: list[Problem]) -> tuple[Source | None, Any]:
    """One treaty, document or incident file of workspace `root`: the model (None when broken)
    and its YAML data; problems are appended."""
    try:
        data = load_yaml(path, root)
    except AdvocateError as exc:
        problems.append(Problem("error", exc.where or Where(path), exc.msg, exc.hint or ""))
        return None, None
    item, errs = validate(model, data, path)
    problems.extend(errs)
    if item is not None:
        if not KEY_RE.match(item.key):
            problems.append(
                Problem("error", Where(path, data.lines.get("key", 0)), f"key {item.key!r} must be lowercase letters, digits, '-' or '_'")
            )
        if item.key != path.stem:
            problems.append(
                Problem(
                    "warning",
                    Where(path, data.lines.get("key", 0)),
                    f"key {item.key!r} differs from the file name {path.name!r}",
                    hint="name the file after its key so it is easy to find",
                )
            )
    return item, data


def _load_states(path: Path, root: Path, problems: list[Problem]) -> dict[str, State]:
    """``citations/states.yaml`` of workspace `root`: ISO code -> state; problems are appended."""
    try:
        data = load_yaml(path, root)
    except AdvocateError as exc:
        problems.append(Problem("error", exc.where or Where(path), exc.msg, exc.hint or ""))
        return {}
    if not isinstance(data, LDict):
        problems.append(Problem("error", Where(path), "expected a mapping of ISO codes to states"))
        return {}
    states = {}
    for code, body in data.items():
        if not isinstance(code, str) or not STATE_RE.match(code):
            problems.append(
                Problem("error", Where(path, data.lines[code]), f"{code!r} is not an ISO 3166-1 alpha-2 code (two capital letters)")
            )
            continue
        state, errs = validate(State, body, path, {"code": code})
        problems.extend(errs)
        if state is not None:
            states[code] = state
    return states


def _cldr_territory(code: str, lang: str) -> str | None:
    from ..core.i18n import locale

    if lang in BUNDLED_LANGS:  # the bundled languages print what the library holds (or its English)
        return None
    return locale(lang).territories.get(code)
