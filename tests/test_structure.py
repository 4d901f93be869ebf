"""The shape of the code (docs/architecture.md): stage subpackages that depend only downward, no
import cycle, no private name used across modules, no function over 60 lines.

The import graph is read with `ast` from every module of `generator`, counting module-level and
function-level imports alike (an import inside a function is still a dependency)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# The layers, bottom first: a module may import from its own layer and the layers before it.
LAYERS = [
    "core",
    "load",
    "translate",
    "signing",
    "render",
    "petition",
    "compose",
    "checks",
    "delivery",
    "campaign",
    "tools",
    "cli",
]
MAX_LINES = 60
# Verbatim copies of WeasyPrint functions (docs/weasyprint.md), kept as WeasyPrint wrote them so
# they can be compared with upstream: their names and lengths are WeasyPrint's, not advocate's.
UPSTREAM_COPIES = {"generator.render.weasy_block", "generator.render.weasy_inline"}


@dataclass(frozen=True)
class Module:
    name: str  # dotted: generator.core.errors
    path: Path
    tree: ast.Module
    where: str  # the path shown in messages: generator/core/errors.py

    @property
    def package(self) -> str:
        """The dotted name relative imports start from."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    @property
    def layer(self) -> int:
        """The module's position in LAYERS (-1: the root package, below everything)."""
        parts = self.name.split(".")
        return LAYERS.index(parts[1]) if len(parts) > 1 else -1


def modules(root: Path = PACKAGE) -> dict[str, Module]:
    """Every module of the package under `root`, by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        where = path.relative_to(root.parent).as_posix()
        found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), where), where)
    return found


def _resolve(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (before its imported names)."""
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: Module, known: dict[str, Module]) -> Iterator[tuple[ast.stmt, str, list[str]]]:
    """(statement, imported module, names taken from it) for every import of a `generator` module."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield node, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                if f"{target}.{alias.name}" in known:  # `from . import i18n`: the submodule
                    yield node, f"{target}.{alias.name}", []
                elif target in known:
                    yield node, target, [alias.name]


def graph(known: dict[str, Module]) -> dict[str, set[str]]:
    """Module -> the generator modules it imports."""
    return {name: {target for _node, target, _names in imports(m, known)} for name, m in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def upward(known: dict[str, Module]) -> list[str]:
    """Every import of a module from a higher layer, as `file:line: a -> b`."""
    found = []
    for m in known.values():
        for node, target, _names in imports(m, known):
            if known[target].layer > m.layer:
                found.append(f"{m.where}:{node.lineno}: {m.name} -> {target}")
    return sorted(found)


def private_uses(known: dict[str, Module]) -> list[str]:
    """Every import or attribute access of another module's `_name` (dunders are public)."""
    found = []
    for m in known.values():
        aliases: dict[str, str] = {}  # local name -> generator module
        for node, target, names in imports(m, known):
            if target == m.name or target in UPSTREAM_COPIES:
                continue
            found += [f"{m.where}:{node.lineno}: {target}.{n}" for n in names if _private(n)]
            if not names:
                for alias in node.names:  # type: ignore[attr-defined]
                    local = alias.asname or alias.name.split(".")[-1]
                    aliases[local] = target
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases and _private(node.attr):
                found.append(f"{m.where}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return sorted(found)


def private_attributes(known: dict[str, Module]) -> list[str]:
    """Every `obj._name` (obj not self or cls) whose `_name` another generator module defines (a
    method, a class attribute, a `self._name` set) and this one does not: `citer._title`."""
    defined = {name: _private_definitions(m) for name, m in known.items()}
    found = []
    for m in known.values():
        others = set().union(*(names for name, names in defined.items() if name != m.name)) - defined[m.name]
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Attribute) and node.attr in others:
                if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                    found.append(f"{m.where}:{node.lineno}: {ast.unparse(node)}")
    return sorted(found)


def _private_definitions(m: Module) -> set[str]:
    names = set()
    for node in ast.walk(m.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return {name for name in names if _private(name)}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def long_functions(known: dict[str, Module]) -> list[str]:
    """Every function whose definition (decorators excluded, docstring included) passes MAX_LINES."""
    found = []
    for m in known.values():
        if m.name in UPSTREAM_COPIES:
            continue
        for node in ast.walk(m.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_LINES:
                    found.append(f"{m.where}:{node.lineno}: {node.name} has {lines} lines")
    return sorted(found)


@pytest.fixture(scope="module")
def known() -> dict[str, Module]:
    return modules()


def test_every_subpackage_is_a_declared_layer_with_a_docstring(known: dict[str, Module]) -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(LAYERS)
    for layer in LAYERS:
        docstring = ast.get_docstring(known[f"generator.{layer}"].tree) or ""
        assert "In:" in docstring and "Out:" in docstring, f"generator/{layer}/__init__.py says what goes in and out"


def test_no_import_cycle(known: dict[str, Module]) -> None:
    assert cycles(graph(known)) == []


def test_no_layer_imports_from_a_higher_layer(known: dict[str, Module]) -> None:
    assert upward(known) == []


def test_no_module_uses_another_modules_private_names(known: dict[str, Module]) -> None:
    assert private_uses(known) == []
    assert private_attributes(known) == []


def test_no_function_is_longer_than_60_lines(known: dict[str, Module]) -> None:
    assert long_functions(known) == []


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """The rules themselves can fail: a cycle, an upward import, a private name, a long function."""
    pkg = tmp_path / "generator"
    for layer in ("core", "load"):
        (pkg / layer).mkdir(parents=True)
        (pkg / layer / "__init__.py").write_text('"""In: x. Out: y."""\n')
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("def f(c):\n    from ..load import b\n    return b._hidden, c._title()\n")
    body = "    x = 1\n" * MAX_LINES
    klass = "class C:\n    def _title(self):\n        return 1\n"
    (pkg / "load" / "b.py").write_text(f"from ..core.a import f\n_hidden = 1\n\n\ndef g():\n{body}\n\n{klass}")
    found = modules(pkg)
    assert cycles(graph(found)) == [["generator.core.a", "generator.load.b"]]
    assert [line.split(": ", 1)[1] for line in upward(found)] == ["generator.core.a -> generator.load.b"]
    assert [line.split(": ", 1)[1] for line in private_uses(found)] == ["generator.load.b._hidden"]
    assert [line.split(": ", 1)[1] for line in private_attributes(found)] == ["b._hidden", "c._title"]
    assert [line.split(": ", 1)[1] for line in long_functions(found)] == ["g has 61 lines"]


def test_render_loads_only_the_stages_it_uses(tmp_path: Path) -> None:
    """A cold `advocate render` imports the command modules it needs, not the signing (beyond the
    empty signature fields the PDF gets), delivery, campaign, preview or petition machinery, nor
    the heavy libraries behind them (pyHanko, smtplib, sqlite3, Dask, Starlette)."""
    out = tmp_path / "letter.pdf"
    code = (
        "import sys\nfrom generator.cli import main\n"
        f"try:\n    main(['render', 'china-nonrefoulement', '--to', 'cn-president', '--date', '2026-11-23', '--out', {str(out)!r}])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print('LOADED:', *sorted(sys.modules), file=sys.stderr)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ADVOCATE_WORKSPACE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, env=env)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stderr.strip().splitlines()[-1].split()[1:])
    assert {"generator.cli.letters", "generator.compose.build", "generator.render.pdf"} <= loaded
    unwanted = ("generator.signing.signing", "generator.signing.credentials", "generator.signing.verify", "generator.delivery")
    unwanted += ("generator.campaign", "generator.tools.preview", "generator.petition", "generator.cli.signing", "generator.cli.delivery")
    unwanted += ("pyhanko", "smtplib", "sqlite3", "dask", "distributed", "starlette")
    assert sorted(m for m in loaded if m.startswith(unwanted)) == []
