"""Line-aware YAML loading.

In: a YAML file. Out: plain Python data whose dicts and lists remember the line of each key or
item (`LDict.lines`, `LList.lines`), so that schema errors can name FILE:LINE. Duplicate keys are
errors, never silently overwritten. Safe loading only (plain data, no Python objects), no
anchors or aliases, nesting limited by libyaml, files of at most `MAX_BYTES`, read inside the
workspace (`files.read_text`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, Where
from .files import read_text

if TYPE_CHECKING:
    import yaml

MAX_BYTES = 4_000_000  # the largest bundled file is under 10 kB


class LDict(dict):  # type: ignore[type-arg]
    line: int = 0
    lines: dict[Any, int]


class LList(list):  # type: ignore[type-arg]
    line: int = 0
    lines: list[int]


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    result = LDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise InputError("a mapping key must be a plain value", Where(loader.path, key_node.start_mark.line + 1)) from None
        if key in result:
            raise InputError(
                f"duplicate key {key!r} (first on line {result.lines[key]})",
                Where(loader.path, key_node.start_mark.line + 1),
                hint="each key may appear once in a mapping; remove or rename one of them",
            )
        try:
            result[key] = loader.construct_object(value_node, deep=True)
        except ValueError:  # an impossible date such as 2023-13-01, which the resolver took for a date:
            result[key] = value_node.value  # kept as written, so the schema reports it with the file's other faults
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LList:
    result = LList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


@cache
def _loader() -> Any:
    """The loader class: libyaml's safe loader, with the constructors above and YAML 1.2's
    booleans. Made at the first load, so that a command reading no YAML (a render from the cache
    folder, see load/loaded.py) does not import PyYAML."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
        path: str = "<yaml>"

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            """Every node is built once: a node met again came through an alias (``*name``), which
            is refused, so that a few lines cannot expand into billions of items ("billion laughs")."""
            if node in self.constructed_objects:
                raise InputError(
                    "YAML anchors and aliases (&name, *name) are not allowed",
                    Where(self.path, node.start_mark.line + 1),
                    hint="write the value out in full where it is used",
                )
            return super().construct_object(node, deep)

    # YAML 1.2's booleans (true/false) instead of YAML 1.1's, which also read yes/no/on/off/y/n as
    # booleans: a key `NO:` (Norway) or a value `no` (a language code, a word) stays a string.
    boolean = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != boolean]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(boolean, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    return Loader


def load_yaml(path: Path, root: Path | None = None) -> Any:
    """Parse one YAML file (a workspace file when `root` is given: it must resolve inside it).
    A missing, unreadable or malformed file raises InputError with the line of the fault."""
    import yaml  # (here, not at the top: see _loader)

    text = read_text(path, root, MAX_BYTES)
    loader = _loader()(text)
    loader.path = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(
            f"malformed YAML: {problem}", Where(path, line), hint="check indentation, colons and quotes on that line"
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", Where(path)) from None
    finally:
        loader.dispose()


def line_of(data: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest node of `data` reachable by `loc` (a schema error location)."""
    line = getattr(data, "line", 0)
    node = data
    for part in loc:
        if isinstance(node, LDict) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line
