"""The import rules of AgileKit, checked statically with `ast` (no product module is imported).

1. Layers: every product module belongs to one unit (the longest matching prefix in UNITS) and
   imports only its own unit and the units ALLOWED lists for it.
2. No cycles between packages (the directory a module lives in; app, cli and wiring are each
   their own node; a domain's subpackages count as the domain, and schema.types with
   schema.context, schema.loaders and schema.broadcast as one package: see PACKAGE_OVERRIDES).
3. Domains: rooms and users know nothing of Jira, in services/ and in models/; wiring.py
   connects them.
4. Frameworks: services/, models/, core/ and jira_cloud/ import no strawberry, starlette, arq or
   graphql; the few infrastructural exceptions in core/ are listed with a reason.
5. Loggers: `logging.getLogger` takes `__name__` (or nothing for the root logger); only
   third-party libraries' loggers are named, to configure those libraries.

Imports inside functions count; imports under `if TYPE_CHECKING:` never run and are ignored.
Relative imports are not used. The last test runs every check on a fake project to prove each
one can fail.
"""

from __future__ import annotations

import ast
import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("app.py", "cli.py", "wiring.py", "core", "models", "services", "jira_cloud", "schema",
           "resolvers", "jobs", "web", "sandbox")  # fmt: skip
PRODUCT_TOP_LEVEL = frozenset(entry.removesuffix(".py") for entry in PRODUCT)
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", ".venv"})
TYPE_CHECKING = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING"})

# Module prefix -> unit; a module belongs to the unit of its longest matching prefix.
UNITS: dict[str, str] = {
    "app": "edge", "cli": "edge", "wiring": "edge",
    "web": "web",
    "schema": "schema",
    "schema.types": "graphql types", "schema.context": "graphql types",
    "schema.loaders": "graphql types",
    "schema.broadcast": "graphql types",  # subscription delivery, joined by resolvers
    "resolvers": "resolvers",
    "jobs": "jobs",
    "services": "services",
    "models": "models",
    "jira_cloud": "jira_cloud",
    "core": "core",
    "sandbox": "sandbox",
}  # fmt: skip

# Unit -> the other units it may import (a unit may always import itself).
ALLOWED: dict[str, frozenset[str]] = {
    # the server, the CLI and the composition root assemble everything
    "edge": frozenset(UNITS.values()),
    # HTTP and WebSocket endpoints: run the schema, call services
    "web": frozenset({"schema", "graphql types", "services", "models", "jira_cloud", "core"}),
    # the executable schema: collects resolvers and types
    "schema": frozenset({"resolvers", "graphql types", "services", "models", "core"}),
    # thin GraphQL fields: check permissions, call services, return types
    "resolvers": frozenset({"graphql types", "services", "models", "core"}),
    # GraphQL object types, the request context and its data loaders
    "graphql types": frozenset({"services", "models", "jira_cloud", "core"}),
    # arq job functions: unpack ids, call services
    "jobs": frozenset({"services", "models", "core"}),
    # the domains' use cases; know nothing of GraphQL, HTTP or jobs
    "services": frozenset({"models", "jira_cloud", "core"}),
    # Tortoise tables
    "models": frozenset({"core"}),
    # a Jira Cloud client library: knows nothing of AgileKit
    "jira_cloud": frozenset(),
    # settings, database, bus, job queue, crypto: depend on no product code
    "core": frozenset(),
    # a fake Jira Cloud for tests and demos: stands alone
    "sandbox": frozenset(),
}

# Modules in another package for the cycle check than their directory says. A domain's
# subpackages are the domain (services.jira.webhooks is Jira's, and uses Jira's clients). The
# GraphQL types are one vocabulary: the types of one schema refer to each other both ways
# (Room.jiraMapping, the payloads' Issue), and context and loaders belong with them.
PACKAGE_OVERRIDES = {
    "schema.context": "schema.types",
    "schema.loaders": "schema.types",
    "schema.broadcast": "schema.types",
    "schema.types": "schema.types",
    "services.jira": "services.jira",
}

# (importing module prefixes, forbidden prefix, why)
DOMAIN_RULES = [
    (("services.rooms", "services.users"), "services.jira",
     "rooms knows nothing of Jira; wiring.py connects them"),
    (("models.rooms", "models.users"), "models.jira",
     "the rooms and users tables know nothing of the Jira tables"),
]  # fmt: skip

FRAMEWORKS = frozenset({"strawberry", "starlette", "arq", "graphql"})
FRAMEWORK_FREE = ("services", "models", "core", "jira_cloud")
# Module -> (frameworks it may import, why). services/ never gets an entry.
FRAMEWORK_EXCEPTIONS: dict[str, tuple[frozenset[str], str]] = {
    "core.jobs": (frozenset({"arq"}), "it implements the job queue on arq (ArqRedis, retries)"),
}

# Loggers of third-party libraries that core/logging.py may name to configure them.
THIRD_PARTY_LOGGERS = ("httpx", "httpcore", "uvicorn", "tortoise", "arq")


@dataclass(frozen=True, order=True)
class Import:
    file: str  # relative to the root, e.g. "services/rooms/voting.py"
    line: int
    module: str  # the importing module, e.g. "services.rooms.voting"
    target: str  # the imported module, e.g. "core.db"; ".x" for a relative import

    def __str__(self) -> str:
        return f"{self.module} -> {self.target} ({self.file}:{self.line})"


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def product_modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every product module under root."""
    files = [root / e for e in PRODUCT if e.endswith(".py") and (root / e).is_file()]
    for entry in PRODUCT:
        if (root / entry).is_dir():
            files += sorted((root / entry).rglob("*.py"))
    modules = {}
    for path in files:
        parts = path.relative_to(root).with_suffix("").parts
        if not SKIPPED_DIRECTORIES.intersection(parts):
            modules[".".join(parts).removesuffix(".__init__")] = path
    return modules


def executed_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (its `else:` does run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and ast.unparse(node.test) in TYPE_CHECKING:
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def resolve(root: Path, package: str, name: str) -> str:
    """`from package import name`: the module package.name if it exists, else package."""
    path = root.joinpath(*package.split("."), name)
    return f"{package}.{name}" if path.is_dir() or path.with_suffix(".py").is_file() else package


def imports_of(root: Path) -> list[Import]:
    found = set()
    for module, path in product_modules(root).items():
        file = path.relative_to(root).as_posix()
        for node in executed_nodes(ast.parse(path.read_text(), filename=file)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level:
                targets = ["." * node.level + (node.module or "")]
            elif isinstance(node, ast.ImportFrom):
                targets = [resolve(root, node.module or "", a.name) for a in node.names]
            else:
                continue
            found.update(Import(file, node.lineno, module, target) for target in targets)
    return sorted(found)


def product_imports(root: Path) -> list[Import]:
    return [i for i in imports_of(root) if i.target.split(".")[0] in PRODUCT_TOP_LEVEL]


def unit_of(module: str) -> str:
    return UNITS[max((p for p in UNITS if within(module, p)), key=len)]


def package_of(root: Path, module: str) -> str:
    for prefix, package in PACKAGE_OVERRIDES.items():
        if within(module, prefix):
            return package
    if root.joinpath(*module.split(".")).is_dir():
        return module
    return module.rpartition(".")[0] or module  # app, cli, wiring: their own node


def check_relative(root: Path) -> list[str]:
    return [f"{i}: use an absolute import" for i in imports_of(root) if i.target[0] == "."]


def check_layers(root: Path) -> list[str]:
    violations = []
    for i in product_imports(root):
        source, target = unit_of(i.module), unit_of(i.target)
        if source != target and target not in ALLOWED[source]:
            violations.append(f"{i}  [{source} -> {target}]")
    return violations


def check_cycles(root: Path) -> list[str]:
    """Each cycle `a -> b -> ... -> a` through an edge a -> b of the package graph, with every
    import behind each of its edges."""
    evidence: dict[tuple[str, str], list[Import]] = {}
    for i in product_imports(root):
        edge = (package_of(root, i.module), package_of(root, i.target))
        if edge[0] != edge[1]:
            evidence.setdefault(edge, []).append(i)
    graph: dict[str, set[str]] = {}
    for a, b in evidence:
        graph.setdefault(a, set()).add(b)
    cycles = {}
    for a, b in sorted(evidence):
        if path := shortest_path(graph, b, a):
            ring = [a, *path[:-1]]
            start = ring.index(min(ring))  # the same cycle, whichever of its edges found it
            cycle = [*ring[start:], *ring[:start], ring[start]]
            cycles[" -> ".join(cycle)] = [i for e in itertools.pairwise(cycle) for i in evidence[e]]
    return ["\n      ".join([text, *map(str, proofs)]) for text, proofs in sorted(cycles.items())]


def shortest_path(graph: dict[str, set[str]], start: str, end: str) -> list[str] | None:
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == end:
            path = [node]
            while (previous := came_from[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for successor in sorted(graph.get(node, ())):
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    return None


def check_domains(root: Path) -> list[str]:
    return [
        f"{i}  [{why}]"
        for i in product_imports(root)
        for importers, forbidden, why in DOMAIN_RULES
        if any(within(i.module, p) for p in importers) and within(i.target, forbidden)
    ]


def check_frameworks(root: Path) -> list[str]:
    violations = []
    for i in imports_of(root):
        framework = i.target.split(".")[0]
        allowed, _why = FRAMEWORK_EXCEPTIONS.get(i.module, (frozenset(), ""))
        free = any(within(i.module, p) for p in FRAMEWORK_FREE)
        if free and framework in FRAMEWORKS and framework not in allowed:
            violations.append(str(i))
    return violations


def check_loggers(root: Path) -> list[str]:
    violations = []
    for module, path in product_modules(root).items():
        tree = ast.parse(path.read_text())
        loops = loop_values(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("getLogger"):
                arg = node.args[0] if node.args else None
                if problem := logger_problem(arg, loops):
                    violations.append(
                        f"{module}: {problem} ({path.relative_to(root).as_posix()}:{node.lineno})"
                    )
    return violations


def loop_values(tree: ast.AST) -> dict[int, list[ast.expr]]:
    """id(a Name read in `for name in ("a", "b"): ...`) -> the values it takes."""
    values = {}
    for loop in ast.walk(tree):
        if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name):
            if isinstance(loop.iter, ast.Tuple | ast.List):
                for statement in loop.body:
                    for node in ast.walk(statement):
                        if isinstance(node, ast.Name) and node.id == loop.target.id:
                            values[id(node)] = loop.iter.elts
    return values


def logger_problem(arg: ast.expr | None, loops: dict[int, list[ast.expr]]) -> str | None:
    if arg is None or (isinstance(arg, ast.Name) and arg.id == "__name__"):
        return None
    for value in loops.get(id(arg), [arg]):
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            return f"getLogger({ast.unparse(arg)}) cannot be checked: use __name__"
        if not any(within(value.value, name) for name in THIRD_PARTY_LOGGERS):
            return f"getLogger({value.value!r}) names no third-party library: use __name__"
    return None


def report(rule: str, violations: list[str]) -> str:
    return f"{rule}: {len(violations)} violation(s)\n  " + "\n  ".join(violations)


def test_no_relative_imports() -> None:
    violations = check_relative(ROOT)
    assert not violations, report("Relative imports", violations)


def test_layers() -> None:
    violations = check_layers(ROOT)
    assert not violations, report("Imports between units that ALLOWED forbids", violations)


def test_no_cycles_between_packages() -> None:
    violations = check_cycles(ROOT)
    assert not violations, report("Cycles between packages", violations)


def test_domains() -> None:
    violations = check_domains(ROOT)
    assert not violations, report("Imports between domains", violations)


def test_frameworks() -> None:
    assert not any(within(m, "services") for m in FRAMEWORK_EXCEPTIONS)
    violations = check_frameworks(ROOT)
    assert not violations, report("Framework imports outside the GraphQL/HTTP edge", violations)


def test_loggers() -> None:
    violations = check_loggers(ROOT)
    assert not violations, report("Loggers not named by __name__", violations)


FAKE_PROJECT = {
    "core/__init__.py": "",
    "core/a.py": "import services.b\n",
    "core/lazy.py": "def f():\n    import jobs.y\n",
    "core/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import web.x\n",
    "core/log.py": 'import logging\nbad = logging.getLogger("agilekit.x")\nlogging.getLogger()\n',
    "core/setup.py": 'import logging\nfor n in ("uvicorn", "httpx"):\n    logging.getLogger(n)\n',
    "core/jobs.py": "import arq.worker\n",  # the one exception: not reported
    "core/other.py": "import arq\n",
    "services/__init__.py": "",
    "services/b.py": "import strawberry\nfrom models import m\n",
    "services/jira/__init__.py": "",
    "services/jira/x.py": "",
    "services/rooms/__init__.py": "",
    "services/rooms/r.py": "from services.jira import x\n",
    "models/__init__.py": "",
    "models/m.py": "from services import b\n",
    "sandbox/__init__.py": "",
    "sandbox/rel.py": "from . import z\n",
}


def test_the_checks_can_fail(tmp_path: Path) -> None:
    for name, text in FAKE_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    layers = "\n".join(check_layers(tmp_path))
    assert "core.a -> services.b (core/a.py:1)" in layers
    assert "core.lazy -> jobs.y (core/lazy.py:2)" in layers  # inside a function
    assert "models.m -> services.b (models/m.py:1)" in layers
    assert "web.x" not in layers  # under TYPE_CHECKING
    [cycle] = check_cycles(tmp_path)
    assert cycle.startswith("models -> services -> models")
    assert check_domains(tmp_path)[0].startswith("services.rooms.r -> services.jira.x")
    assert check_frameworks(tmp_path) == [
        "core.other -> arq (core/other.py:1)",
        "services.b -> strawberry (services/b.py:1)",
    ]
    assert check_loggers(tmp_path) == [
        "core.log: getLogger('agilekit.x') names no third-party library: use __name__"
        " (core/log.py:2)"
    ]
    assert check_relative(tmp_path) == [
        "sandbox.rel -> . (sandbox/rel.py:1): use an absolute import"
    ]
