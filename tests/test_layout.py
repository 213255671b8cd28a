"""The house plan holds: dependencies point one way, no package cycle, no reach into a CLI
module, the simulator's world or a concrete adapter from outside `channels/`.

Read from the code's own imports (top-level and inside functions alike), so a lazy import
that crosses the plan is caught too.
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
    "channels": {"conectados"},
    "content_calendar": {"channels", "conectados"},
    "responders": {"content_calendar", "channels", "conectados"},
    "webhooks": {"responders", "channels", "conectados"},
    "scheduler": {"responders", "content_calendar", "channels", "conectados"},
    "reports": {"scheduler", "responders", "content_calendar", "channels", "conectados"},
    "office": {
        "reports",
        "scheduler",
        "webhooks",
        "responders",
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


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _modules():
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "__main__.py":
                continue  # an entry point (`python -m`), like the console script: no one imports it
            yield package, path, _imports(path)


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


def test_no_package_imports_a_cli_module_of_another():
    wrong = []
    for package, path, imports in _modules():
        for line, module in imports:
            top, _, rest = module.partition(".")
            name = rest.split(".")[0]
            is_cli = name == "commands" or name.endswith("_commands")
            if top in ALLOWED and top != package and package != "office" and is_cli:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(sorted(set(wrong)))


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
