"""CONVENTIONS rule 1: domain packages never reach for the request or a blueprint."""

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"
DOMAIN_PACKAGES = [
    p
    for p in PORTAL.iterdir()
    if p.is_dir()
    and p.name not in {"blueprints", "web", "templates", "static", "translations", "__pycache__"}
]
FORBIDDEN_FLASK_NAMES = {"request", "session", "g", "flash", "current_user"}
FORBIDDEN_MODULES = ("portal.blueprints", "portal.web")


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module in {"flask", "flask_login"}:
                bad = {a.name for a in node.names} & FORBIDDEN_FLASK_NAMES
                found += [f"{path.name}:{node.lineno} imports {node.module}.{n}" for n in bad]
            if node.module.startswith(FORBIDDEN_MODULES):
                found.append(f"{path.name}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} imports {a.name}"
                for a in node.names
                if a.name.startswith(FORBIDDEN_MODULES)
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in {"request", "current_user"}
            and isinstance(node.value, ast.Name)
            and node.value.id in {"flask", "flask_login"}
        ):
            found.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_there_are_domain_packages_to_check() -> None:
    assert {"accounts", "methodology", "stats"} <= {p.name for p in DOMAIN_PACKAGES}


@pytest.mark.parametrize("package", DOMAIN_PACKAGES, ids=lambda p: p.name)
def test_domain_package_does_not_import_the_request(package: Path) -> None:
    problems = [v for f in sorted(package.rglob("*.py")) for v in _violations(f)]
    assert problems == []


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import request, current_app\nimport portal.blueprints.public\n")
    assert len(_violations(bad)) == 2
