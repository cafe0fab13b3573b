"""The package's import graph: no cycles, no private names reached across modules.

The graph is read with ``ast`` from the source of ``bakeoff/`` and ``baselines/`` (no
module is imported). Both module-level imports AND imports inside functions count as
edges: a function-level import is how a cycle is usually hidden ("import it lazily and
it works"), and it is still a loop in the design: the two modules cannot be understood,
tested or moved apart. Heavy third-party libraries are imported lazily for speed, but
between our own modules laziness is no excuse for a loop. Imports under
``if TYPE_CHECKING:`` count too: a type named in a signature is a dependency of the design,
whether or not the import runs.

The layers (:data:`LAYERS`, lowest first) are one-way: a module imports from its own layer
and those before it, never from a later one; ``baselines`` imports only the layers a
candidate needs. The walk of one run through them is in ``docs/design/overview.md``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bakeoff", "baselines")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module of ours that ``name`` (a module or ``module.attribute``) lives in."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(mod: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every import of our own modules in ``mod``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()  # imports under TYPE_CHECKING count: a type is a dependency too
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name, known)
                if target:
                    out.append((target, "", node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:  # from bakeoff.report import plots
                    out.append((sub, "", node.lineno))
                else:
                    target = _resolve(base, known)
                    if target:
                        out.append((target, alias.name, node.lineno))
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    for mod, path in known.items():
        for target, _, _ in imports_of(mod, path, known):
            if target != mod and not mod.startswith(target + "."):  # a package's own __init__ is not a loop
                edges[mod].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def private_reaches() -> list[str]:
    """``from x import _name`` and ``x._name`` where ``x`` is another module of ours."""
    known = modules()
    bad = []
    for mod, path in known.items():
        for target, name, line in imports_of(mod, path, known):
            if target != mod and name.startswith("_") and not name.startswith("__"):
                bad.append(f"{path.relative_to(ROOT)}:{line}: from {target} import {name}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _module_aliases(tree, mod, known)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__") and aliases[node.value.id] != mod):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return bad


def _module_aliases(tree: ast.AST, mod: str, known: dict[str, Path]) -> dict[str, str]:
    """Local names bound to one of our modules (``import bakeoff.x as x``, ``from bakeoff import x``)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known and alias.asname:
                    out[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in known:
                    out[alias.asname or alias.name] = sub
    return out


def test_the_graph_is_read():
    edges = graph()
    assert len(edges) > 30
    assert "bakeoff.core.records" in edges["bakeoff.judge.front"]  # module level
    assert "bakeoff.report.files" in edges["bakeoff.api"]  # inside a function: counted too
    assert "bakeoff.data.frame" in edges["bakeoff.report.plots"]  # a type is a dependency too


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_no_private_names_across_modules():
    assert private_reaches() == []


def test_the_checks_catch_what_they_claim(tmp_path):
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# The layers, lowest first: a module imports only from its own layer or the layers before it.
LAYERS = ("core", "config", "query", "data", "candidates", "cost", "judge", "climb", "report", "store", "export", "api")
TOP = ("bakeoff", "bakeoff.api", "bakeoff.cli", "bakeoff.typematrix", "bakeoff.deploy")  # the "api" layer
BASELINES_MAY_IMPORT = ("core", "config", "query", "data", "candidates")


def layer_of(mod: str) -> str:
    """The layer of a module of ``bakeoff`` (``baselines`` modules are "baselines")."""
    if mod.startswith("baselines"):
        return "baselines"
    if mod in TOP:
        return "api"
    return mod.split(".")[1]


def upward_imports() -> list[str]:
    """Every import of a module in a later layer (or, for ``baselines``, outside what the ladder may use)."""
    known = modules()
    bad = []
    for mod, path in known.items():
        here = layer_of(mod)
        for target, _, line in imports_of(mod, path, known):
            there = layer_of(target)
            if there == "baselines":
                ok = here == "baselines"
            elif here == "baselines":
                ok = there in BASELINES_MAY_IMPORT
            else:
                ok = LAYERS.index(there) <= LAYERS.index(here)
            if not ok and not (target == "bakeoff" and here == "api"):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target} ({there})")
    return bad


def test_every_module_is_in_a_layer():
    assert sorted({layer_of(m) for m in modules()} - {"baselines"}) == sorted(LAYERS)


def test_no_import_reaches_up_a_layer():
    assert upward_imports() == []


# Sizes for reading: small modules and functions, few parameters, names that say what they hold.
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_PARAMETERS = 400, 50, 6
# Math kernels keep the names of their formulas (y, p, x, t, a, b ...), as the papers they follow write them.
MATH_KERNELS = ("bakeoff.candidates.metrics", "bakeoff.judge.maxt", "bakeoff.judge.studentize", "baselines.btyd",
                "baselines.btyd_math", "baselines.glm_irls", "baselines.xgb_cv")


def _functions() -> list[tuple[str, Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    out = []
    for mod, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                out.append((mod, path, node))
    return out


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = node.args
    named = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return [n for n in named if n not in ("self", "cls")]


def _is_hyperparameters(mod: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A candidate's ``__init__``: its keyword-only hyperparameters are the contract (``Candidate(**params)``)."""
    return mod.startswith("baselines.") and node.name == "__init__" and not node.args.args[1:]


def _is_command(mod: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A CLI command: Typer reads its options from the signature (it calls ``bakeoff.api`` with them)."""
    return mod == "bakeoff.cli" and any("app.command" in ast.unparse(d) for d in node.decorator_list)


def test_no_module_over_the_limit():
    long = [f"{p.relative_to(ROOT)}: {n}" for p in modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert long == []


def test_no_function_over_the_limit():
    long = [f"{p.relative_to(ROOT)}:{f.lineno} {f.name}: {n} lines" for _, p, f in _functions()
            if (n := f.end_lineno - f.lineno + 1) > MAX_FUNCTION_LINES]
    assert long == []


def test_no_function_takes_more_than_six_parameters():
    many = [f"{p.relative_to(ROOT)}:{f.lineno} {f.name}: {len(_parameters(f))}" for mod, p, f in _functions()
            if len(_parameters(f)) > MAX_PARAMETERS and not _is_hyperparameters(mod, f) and not _is_command(mod, f)]
    assert many == []


def test_no_one_letter_parameters_outside_math_kernels():
    short = [f"{p.relative_to(ROOT)}:{f.lineno} {f.name}({name})" for mod, p, f in _functions()
             if mod not in MATH_KERNELS for name in _parameters(f) if len(name) == 1]
    assert short == []
