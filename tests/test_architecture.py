"""The house rules of the code base, checked on the source: rooms import only downwards, no module
imports itself back through others, and every module is small enough to read in one sitting.

The imports are read with ``ast`` (module level, inside functions and under ``TYPE_CHECKING``
alike), so the test needs no import of the bot and sees imports that run only later.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "models")
MAX_LINES = 300
MIN_DOCSTRING_SHARE = 0.9

# The rooms from the top down; a module may import its own room and any room below it.
# (A prefix names a module and everything under it.)
ROOMS: list[tuple[str, tuple[str, ...]]] = [
    # Entry points and composition: the command line, the wiring of handlers into the runtime,
    # the sandbox (an emulated Telegram for trying the bot) and the one-off commands.
    (
        "wiring",
        (
            "bot.__main__",
            "bot.cli",
            "bot.wiring",
            "bot.sandbox",
            "bot.sandbox_command",
            "bot.sandbox_seed",
            "bot.advisor_import_command",
            "bot.knowledge_export_command",
        ),
    ),
    # What the bot does on an update or a deadline: thin, Telegram-aware.
    ("handlers", ("handlers",)),
    # The process (inbox, dispatcher, outbox, sender, sweeps) and what handlers use of it
    # (the per-update context, authorisation, command menus).
    ("runtime", ("bot.app", "bot.runtime", "bot.context", "bot.authz", "bot.commands")),
    # The programme's rules, without Telegram.
    ("services", ("bot.services",)),
    # Tables, settings, database, translations and the region data everything builds on.
    (
        "foundation",
        (
            "models",
            "bot.config",
            "bot.db",
            "bot.sqlite_inline",
            "bot.postgres_pool",
            "bot.i18n",
            "bot.logging_setup",
            "bot.migrate",
            "bot.telegram_text",
            "bot.regions",
            "bot",  # the package itself
        ),
    ),
]

# Imports against the direction, each with its reason. Keep this list short.
EXCEPTIONS: dict[tuple[str, str], str] = {
    # A sweep that reminds people queues its messages in the same transaction as its state change;
    # the outbox queue is a table writer, not the process.
    ("bot.services.draft_sweep", "bot.runtime.outbox"): "a service sweep queues its reminders",
}


def _modules() -> dict[str, Path]:
    """Every module of the checked packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _known(name: str) -> str | None:
    """The checked module ``name`` refers to (its longest known prefix), None for outside code."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> set[str]:
    """The checked modules ``module`` imports anywhere in its source."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_known(alias.name) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.update(filter(None, [target if target in MODULES else _known(base)]))
    found.discard(module)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _room(module: str) -> int:
    """The index of the room ``module`` sits in (0 is the top)."""
    matches = [
        (len(prefix), index)
        for index, (_name, prefixes) in enumerate(ROOMS)
        for prefix in prefixes
        if module == prefix or (prefix != "bot" and module.startswith(prefix + "."))
    ]
    return max(matches)[1] if matches else len(ROOMS)


def _cycles() -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return groups


def test_the_walk_sees_the_known_imports() -> None:
    """The walk finds module-level, relative and function-level imports (so the rules below bite)."""
    assert "handlers" in GRAPH["bot.wiring"]
    assert "bot.runtime.outbox" in GRAPH["bot.services.draft_sweep"]
    assert "bot.wiring" in GRAPH["bot.cli"]  # imported inside a function


def test_every_module_sits_in_a_room() -> None:
    """A new package must be given its place in ROOMS."""
    assert [module for module in MODULES if _room(module) == len(ROOMS)] == []


def test_no_import_circle_between_modules() -> None:
    """No module imports itself back through others (package __init__ re-exports aside: none)."""
    assert _cycles() == []


def test_imports_only_go_down_the_rooms() -> None:
    """Nothing imports a room above its own, apart from the listed exceptions."""
    upward = sorted(
        f"{module} ({ROOMS[_room(module)][0]}) -> {target} ({ROOMS[_room(target)][0]})"
        for module, targets in GRAPH.items()
        for target in targets
        if _room(target) < _room(module) and (module, target) not in EXCEPTIONS
    )
    assert upward == []


def test_the_exceptions_are_still_needed() -> None:
    """An exception that no longer happens is removed from the list."""
    assert [pair for pair in EXCEPTIONS if pair[1] not in GRAPH[pair[0]]] == []


def test_no_module_over_300_lines() -> None:
    """Every module reads in one sitting (database migrations live outside these packages)."""
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in MODULES.values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert offenders == [], "modules over 300 lines:\n" + "\n".join(offenders)


def test_modules_and_functions_say_what_they_are_for() -> None:
    """Every module has a docstring, and at least 90 % of the functions have one."""
    trees = {module: ast.parse(path.read_text(encoding="utf-8")) for module, path in MODULES.items()}
    assert [module for module, tree in trees.items() if not ast.get_docstring(tree)] == []
    functions = [
        node
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    documented = sum(1 for node in functions if ast.get_docstring(node))
    assert documented / len(functions) >= MIN_DOCSTRING_SHARE, f"{documented} of {len(functions)} documented"
