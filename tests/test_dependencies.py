"""Every third-party package the code imports is declared in pyproject.toml: the service's
own imports in ``dependencies``, the tests', benchmarks' and examples' in the ``dev`` extra
too. A package that only arrives with another one (Pillow with ``captcha``) disappears the
day that one stops needing it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def imported(*folders: str) -> set[str]:
    """Top-level modules imported anywhere under ``folders`` (stdlib and our own aside)."""
    ours = {"identity_graph", "tests", "bench", "examples"}
    modules: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m not in ours}


def undeclared(modules: set[str], declared: set[str]) -> dict[str, list[str]]:
    distributions = packages_distributions()
    missing = {}
    for module in sorted(modules):
        names = {_name(name) for name in distributions.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    return missing


MAIN = {_name(requirement) for requirement in PROJECT["dependencies"]}
DEV = MAIN | {_name(requirement) for requirement in PROJECT["optional-dependencies"]["dev"]}


def test_the_service_imports_only_declared_packages():
    modules = imported("identity_graph")
    assert {"PIL", "graphql", "strawberry"} <= modules  # the scan sees real imports
    assert undeclared(modules, MAIN) == {}


def test_tests_benchmarks_and_examples_import_only_declared_packages():
    assert undeclared(imported("tests", "bench", "examples"), DEV) == {}
