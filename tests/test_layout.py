"""The house plan holds: dependencies point one way, no package cycle, no reach into a CLI
module, the simulator's world or a concrete adapter from outside `channels/`.

Read from the code's own imports (top-level and inside functions alike, relative ones resolved),
so a lazy import that crosses the plan is caught too.

A CLI module is any module that imports click, whatever its file is called (`avisos` lives in
responders/notices.py, the review loop in responders/review_session.py). The ground floor
(`conectados/`) declares no command: `servicio` and `respaldo` live in the roof (office/service.py,
office/backup.py), over the ground's service_files.py and backup.py that do the work. The one
module of the ground that imports click is conectados/terminal.py, and it stays there on
purpose: it holds only the Spanish click classes (Group, Command, SpanishChoice, RowId) that
every package's commands are built from. That is infrastructure, like the settings: in the roof,
every package's commands would import upward. So it is not counted as a CLI module, and a test
checks it declares no command.

migrations/ sits beside the ground: it imports `conectados` only, and nothing imports it (the
database finds its folder without importing it). Its env.py may import the domain's models
inside the branch that runs only for `alembic revision --autogenerate` / `alembic check`,
after `if not _compares_models(): return`, so running migrations never imports the domain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Which packages each package may import (besides itself). The roof may use everything;
# `conectados` is the ground floor and imports no package of ours.
ALLOWED: dict[str, set[str]] = {
    "conectados": set(),
    "migrations": {"conectados"},
    "channels": {"conectados"},
    "content_calendar": {"channels", "conectados"},
    "notices": {"content_calendar", "channels", "conectados"},
    "responders": {"notices", "content_calendar", "channels", "conectados"},
    "webhooks": {"responders", "notices", "channels", "conectados"},
    "scheduler": {"responders", "notices", "content_calendar", "channels", "conectados"},
    "reports": {"scheduler", "responders", "notices", "content_calendar", "channels", "conectados"},
    "web": {
        "reports",
        "scheduler",
        "responders",
        "notices",
        "content_calendar",
        "channels",
        "conectados",
    },
    "office": {
        "web",
        "reports",
        "scheduler",
        "webhooks",
        "responders",
        "notices",
        "content_calendar",
        "channels",
        "conectados",
    },
}
# The adapters and the simulator are reached through the registry and the specs. Meta's
# webhook decoding (channels.meta.webhooks) is the one part the receiver may use directly.
CONCRETE_ADAPTERS = (
    "channels.x",
    "channels.x_reading",
    "channels.meta.facebook",
    "channels.meta.facebook_reading",
    "channels.meta.whatsapp",
    "channels.meta.graph",
    "channels.sandbox",
)


# Modules of the ground that import click to offer the other packages' commands their
# Spanish classes, and declare no command themselves (see the module docstring).
CLICK_HELPERS = {"conectados.terminal"}
# Where migrations/ may import the domain: its models, only to compare them with a database.
AUTOGENERATE_GUARD = "_compares_models"


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if node.module:
                found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}".lstrip(".")) for alias in node.names]
    return found


def _autogenerate_only(path: Path) -> set[int]:
    """Lines of the imports that run only past `if not _compares_models(): return`, or
    inside `if _compares_models():`."""

    def guard(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == AUTOGENERATE_GUARD
        )

    def import_lines(statements: list[ast.stmt]) -> set[int]:
        return {
            node.lineno
            for statement in statements
            for node in ast.walk(statement)
            if isinstance(node, ast.Import | ast.ImportFrom)
        }

    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.If) and guard(node.test):
            lines |= import_lines(node.body)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for number, statement in enumerate(node.body):
                if (
                    isinstance(statement, ast.If)
                    and isinstance(statement.test, ast.UnaryOp)
                    and isinstance(statement.test.op, ast.Not)
                    and guard(statement.test.operand)
                    and isinstance(statement.body[-1], ast.Return)
                    and not statement.orelse
                ):
                    lines |= import_lines(node.body[number + 1 :])
    return lines


def _is_models(module: str) -> bool:
    top, _, rest = module.partition(".")
    return top in ALLOWED and (rest == "models" or rest.startswith("models."))


def _modules():
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "__main__.py":
                continue  # an entry point (`python -m`), like the console script: no one imports it
            imports = _imports(path)
            if package == "migrations":
                guarded = _autogenerate_only(path)
                imports = [(n, m) for n, m in imports if not (n in guarded and _is_models(m))]
            yield package, path, imports


def _imports_click(path: Path, root: Path = ROOT) -> bool:
    return any(_is(module, "click") for _, module in _imports(path, root))


def _declares_commands(path: Path) -> bool:
    """Whether the module makes a click command or group (`@click.command`, `@x.group()`...)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        made = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            made = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
        elif isinstance(node, ast.Call):
            made = [node.func]
        for target in made:
            name = getattr(target, "attr", getattr(target, "id", ""))
            if name in ("command", "group"):
                return True
    return False


def _cli_modules() -> dict[str, Path]:
    """Every module that imports click, but the ground's Spanish click classes."""
    return {
        _module_name(path): path
        for _package, path, _imports_ in _modules()
        if _imports_click(path) and _module_name(path) not in CLICK_HELPERS
    }


def _reaches(module: str, cli: dict[str, Path]) -> str | None:
    """The CLI module `module` names (`pkg.commands`, `pkg.commands.thing`), if any."""
    return next((name for name in cli if _is(module, name)), None)


def _is(module: str, prefix: str) -> bool:
    return module == prefix.rstrip(".") or module.startswith(prefix.rstrip(".") + ".")


def test_every_import_points_down_the_plan():
    wrong = []
    for package, path, imports in _modules():
        for line, module in imports:
            top = module.split(".")[0]
            if top in ALLOWED and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_a_module_that_imports_click_is_a_cli_module_whatever_its_name(tmp_path: Path):
    package = tmp_path / "responders"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "notices.py").write_text("from click import echo\n", encoding="utf-8")
    (package / "sub.py").write_text("import click.testing\n", encoding="utf-8")
    (package / "plain.py").write_text("from . import notices\n", encoding="utf-8")
    assert _imports_click(package / "notices.py", tmp_path)
    assert _imports_click(package / "sub.py", tmp_path)
    assert not _imports_click(package / "plain.py", tmp_path)
    assert (1, "responders.notices") in _imports(package / "plain.py", tmp_path)
    assert {"responders.notices", "responders.review_session"} <= set(_cli_modules())


def test_no_package_imports_a_cli_module_of_another():
    """Not even the roof: it names the commands in office.cli.COMMANDS, imported when run."""
    cli = _cli_modules()
    wrong = []
    for package, path, imports in _modules():
        for line, module in imports:
            reached = _reaches(module, cli)
            if reached and reached.split(".")[0] != package:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_only_cli_modules_import_cli_modules():
    """The domain never leans on its own package's commands either."""
    cli = _cli_modules()
    wrong = []
    for _package, path, imports in _modules():
        if _module_name(path) in cli:
            continue
        for line, module in imports:
            if _reaches(module, cli):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_the_ground_floor_holds_no_cli_module():
    ground = sorted(name for name, path in _cli_modules().items() if name.startswith("conectados"))
    assert not ground, f"commands belong in the roof (office/), not in the ground: {ground}"
    helpers = [ROOT / (name.replace(".", "/") + ".py") for name in CLICK_HELPERS]
    assert all(path.exists() and _imports_click(path) for path in helpers)
    assert not [path.name for path in helpers if _declares_commands(path)]


def test_migrations_import_the_domain_only_to_autogenerate():
    path = ROOT / "migrations" / "env.py"
    domain = [
        (line, module)
        for line, module in _imports(path)
        if module.split(".")[0] in ALLOWED and module.split(".")[0] not in ALLOWED["migrations"]
    ]
    guarded = _autogenerate_only(path)
    assert domain and all(line in guarded and _is_models(m) for line, m in domain)


def test_concrete_adapters_and_the_simulator_stay_inside_channels():
    wrong = []
    for package, path, imports in _modules():
        if package == "channels":
            continue
        for line, module in imports:
            if any(_is(module, prefix) for prefix in CONCRETE_ADAPTERS):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(sorted(set(wrong)))


@pytest.mark.parametrize("forbidden", ["scheduler"])
def test_the_receiver_does_not_import_job_modules(forbidden):
    imports = [m for p in (ROOT / "webhooks").rglob("*.py") for _, m in _imports(p)]
    assert not [m for m in imports if _is(m, forbidden)]


def test_no_package_level_cycle():
    graph: dict[str, set[str]] = {package: set() for package in ALLOWED}
    for package, _path, imports in _modules():
        graph[package] |= {m.split(".")[0] for _, m in imports} & set(ALLOWED) - {package}

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    assert not [p for p in graph if p in reach(p)]
