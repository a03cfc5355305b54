"""The public methodology library: every filed methodology, its versions, factors and history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import abort
from werkzeug.wrappers import Response

from portal.blueprints.library import bp
from portal.blueprints.shared.methodology.display import (
    history_rows,
    presentation,
    shown_version,
    version_spec,
)
from portal.clock import utcnow
from portal.methodology import permissions, queries
from portal.methodology.categories import CATEGORIES
from portal.methodology.models import Methodology, MethodologyVersion
from portal.web.htmx import render

bp.context_processor(presentation)


@dataclass(frozen=True)
class LibraryEntry:
    methodology: Methodology
    version: MethodologyVersion | None


@dataclass(frozen=True)
class LibraryGroup:
    code: str
    name_zh: str
    name_en: str
    entries: list[LibraryEntry]


@bp.get("/")
def index() -> Response:
    methodologies = queries.list_public_methodologies()
    now = utcnow()
    by_methodology: dict[int, list[MethodologyVersion]] = defaultdict(list)
    for version in queries.list_filed_versions(m.id for m in methodologies):
        by_methodology[version.methodology_id].append(version)

    def current(methodology_id: int) -> MethodologyVersion | None:
        versions = sorted(by_methodology[methodology_id], key=lambda v: v.version_no)
        for version in versions:
            if version.effective_from <= now and (
                version.effective_to is None or version.effective_to > now
            ):
                return version
        return versions[-1] if versions else None

    groups = []
    for category in CATEGORIES:
        entries = [
            LibraryEntry(m, current(m.id)) for m in methodologies if m.category == category.code
        ]
        if entries:
            groups.append(LibraryGroup(category.code, category.name_zh, category.name_en, entries))
    return render("library/index.html", groups=groups, total=len(methodologies))


@bp.get("/<code>")
def detail(code: str) -> Response:
    methodology = queries.get_methodology_by_code(code[:16])
    if methodology is None or not permissions.is_public(methodology):
        abort(404)
    version = shown_version(methodology)
    return render(
        "library/detail.html",
        methodology=methodology,
        version=version,
        spec=version_spec(version) if version else None,
        versions=[v for v in methodology.versions if v.is_filed],
        history=history_rows(methodology),
        now=utcnow(),
    )
