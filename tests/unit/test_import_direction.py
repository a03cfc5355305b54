"""CONVENTIONS rule 1: domain packages never reach for the request, a blueprint or the app.

The app is the factory (``portal``) and ``current_app``: a domain takes plain values, so its
jobs and worker processes are handed what they need by the layer that runs them (the web
layer, the CLI, ``portal/scheduler``), which is not a domain and is not checked here.
"""

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"
DOMAIN_PACKAGES = [
    p
    for p in PORTAL.iterdir()
    if p.is_dir()
    and p.name
    not in {"blueprints", "web", "scheduler", "templates", "static", "translations", "__pycache__"}
]
FORBIDDEN_FLASK_NAMES = {"request", "session", "g", "flash", "current_user", "current_app"}
FORBIDDEN_MODULES = ("portal.blueprints", "portal.web")


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module in {"flask", "flask_login"}:
                bad = {a.name for a in node.names} & FORBIDDEN_FLASK_NAMES
                found += [f"{path.name}:{node.lineno} imports {node.module}.{n}" for n in bad]
            if node.module.startswith(FORBIDDEN_MODULES) or node.module == "portal":
                found.append(f"{path.name}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} imports {a.name}"
                for a in node.names
                if a.name.startswith(FORBIDDEN_MODULES) or a.name == "portal"
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in {"request", "current_user", "current_app"}
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
    assert len(_violations(bad)) == 3


def test_the_checker_catches_the_app_factory(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def worker():\n    from portal import create_app\n    import portal\n"
        "    import flask\n    return flask.current_app\n"
    )
    assert len(_violations(bad)) == 3
    good = tmp_path / "good.py"
    good.write_text("from portal.db import session\nimport portal.clock\n")
    assert _violations(good) == []


# One audience blueprint never imports another: what several audiences use lives in
# portal/blueprints/shared (which imports no audience either) or in portal/web.
BLUEPRINTS = PORTAL / "blueprints"
SHARED = "shared"
PACKAGES = sorted(
    p.name for p in BLUEPRINTS.iterdir() if p.is_dir() and (p / "__init__.py").exists()
)


def _blueprint_packages_imported(source: str, module: str) -> set[str]:
    """The ``portal.blueprints.<package>`` names that ``source`` (the text of ``module``, a
    dotted name) imports, relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            # `from portal.blueprints import library` names the package in the imported names.
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            if parts[:2] == ["portal", "blueprints"] and len(parts) > 2 and parts[2] in PACKAGES:
                found.add(parts[2])
    return found


def test_there_are_audiences_and_a_shared_package() -> None:
    assert {"citizen", "developer", "library", "official", SHARED} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_audience_blueprint_imports_another(package: str) -> None:
    problems = []
    for path in sorted((BLUEPRINTS / package).rglob("*.py")):
        # "portal.blueprints.official.__init__": one level up is the package, as for a module.
        module = ".".join(path.relative_to(PORTAL.parent).with_suffix("").parts)
        allowed = {package} if package == SHARED else {package, SHARED}
        imported = _blueprint_packages_imported(path.read_text(encoding="utf-8"), module)
        problems += [f"{path.name} imports portal.blueprints.{p}" for p in imported - allowed]
    assert problems == []


def test_the_blueprint_checker_sees_every_form_of_import() -> None:
    source = (
        "from portal.blueprints.library.views import presentation\n"
        "import portal.blueprints.official.forms\n"
        "from portal.blueprints import citizen\n"
        "from ..admin import forms\n"
        "from .forms import DraftForm\n"
        "from portal.blueprints.shared.methodology.display import history_rows\n"
        "from portal.blueprints import AUDIENCES\n"
        "from portal.web.htmx import render\n"
    )
    imported = _blueprint_packages_imported(source, "portal.blueprints.developer.views")
    assert imported == {"library", "official", "citizen", "admin", "developer", SHARED}


# A blueprint reaches a domain only through the modules the domain names as its face
# (``PUBLIC_MODULES`` in its ``__init__.py``: commands, reads, models and the fixed values their
# forms show), never its inner workings (the quantify job's steps, the ledger's chain, the
# engine's formula compiler).
LAYERS = sorted(p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists())


def _public_modules(package: str) -> set[str]:
    tree = ast.parse((PORTAL / package / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "PUBLIC_MODULES"
        ]:
            return set(ast.literal_eval(node.value))
    return set()


FACES = {p: _public_modules(p) for p in LAYERS if _public_modules(p)}


def _domain_modules_imported(source: str) -> set[tuple[str, str]]:
    """The (domain, module within it) pairs that ``source`` imports from a domain with a face;
    ``from portal.activities import queries`` names ``queries``."""
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            parts = node.module.split(".")
            if parts[:1] == ["portal"] and len(parts) == 2 and parts[1] in FACES:
                targets = [f"{node.module}.{a.name}" for a in node.names]
            else:
                targets = [node.module]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            if parts[:1] == ["portal"] and len(parts) > 2 and parts[1] in FACES:
                found.add((parts[1], ".".join(parts[2:])))
    return found


def test_the_domains_name_their_faces() -> None:
    assert {"accounts", "activities", "ledger", "methodology", "scheduler", "stats"} <= set(FACES)
    for package, modules in FACES.items():
        for module in modules:
            path = PORTAL / package / module.replace(".", "/")
            assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), module


@pytest.mark.parametrize("package", PACKAGES)
def test_blueprints_import_only_a_domains_face(package: str) -> None:
    problems = [
        f"{path.name} imports portal.{domain}.{module}"
        for path in sorted((BLUEPRINTS / package).rglob("*.py"))
        for domain, module in _domain_modules_imported(path.read_text(encoding="utf-8"))
        if module not in FACES[domain]
    ]
    assert problems == []


def test_the_face_checker_sees_inner_modules() -> None:
    source = (
        "from portal.activities import queries\n"
        "from portal.activities.quantify.batch import quantify_batch\n"
        "import portal.ledger.chain\n"
        "from portal.methodology.engine import FormulaError\n"
        "from portal.clock import utcnow\n"
    )
    assert _domain_modules_imported(source) == {
        ("activities", "queries"),
        ("activities", "quantify.batch"),
        ("ledger", "chain"),
        ("methodology", "engine"),
    }
    assert "quantify.batch" not in FACES["activities"] and "chain" not in FACES["ledger"]
