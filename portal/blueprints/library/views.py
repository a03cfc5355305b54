"""The public methodology library: every filed methodology, its versions, factors and history.

Also the presentation shared by the developer and official areas (labels, the version shown,
the history with its actors' kinds), registered there with ``bp.context_processor(presentation)``
and rendered with the macros of ``templates/library/macros.html``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.accounts.models import Membership, OrgKind, User
from portal.accounts.queries import get_organisation
from portal.blueprints.developer.forms import (
    CONFIDENCE_LABELS,
    EVIDENCE_LABELS,
    PERIOD_LABELS,
)
from portal.blueprints.library import bp
from portal.clock import utcnow
from portal.db import session
from portal.methodology import queries
from portal.methodology.models import Methodology, MethodologyStatus, MethodologyVersion
from portal.methodology.specs import CATEGORIES
from portal.methodology.stored import VersionSpec, spec_from_definition
from portal.web.htmx import render
from portal.web.i18n import language

S = MethodologyStatus
STATUS_LABELS = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Submitted"),
    S.UNDER_REVIEW: _l("Under review"),
    S.CHANGES_REQUESTED: _l("Changes requested"),
    S.FILED: _l("Filed"),
    S.SUSPENDED: _l("Suspended"),
    S.RETIRED: _l("Retired"),
}
# Tag classes of app.css: green for filed, amber while waiting, red when stopped.
STATUS_CLASSES = {
    S.DRAFT: "",
    S.SUBMITTED: "status-running",
    S.UNDER_REVIEW: "status-running",
    S.CHANGES_REQUESTED: "status-error",
    S.FILED: "status-ok",
    S.SUSPENDED: "status-error",
    S.RETIRED: "status-muted",
}
ACTION_LABELS = {
    "seed_filed": _l("Filed from the platform's sourced data"),
    "draft": _l("Draft started"),
    "edit": _l("Draft revised"),
    "submit": _l("Submitted for review"),
    "start_review": _l("Review started"),
    "request_changes": _l("Changes requested"),
    "file": _l("Filed (备案)"),
    "suspend": _l("Suspended"),
    "reinstate": _l("Reinstated"),
    "retire": _l("Retired"),
    "comment": _l("Comment"),
    "publish_version": _l("New version published"),
}
# Who acted, as the public history says it: the kind of organisation, never a person.
ACTOR_LABELS = {
    "platform": _l("Tanhui Jilin platform"),
    "developer": _l("Developer organisation"),
    "official": _l("Ecology official"),
    "operator": _l("Platform operator"),
}
PLATFORM_DEVELOPER = _l("Tanhui Jilin platform (seeded from sourced factor data)")


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    comment: str
    actor_kind: str
    actor_name: str | None  # for the developer and official areas only, never the public page


def history_rows(methodology: Methodology) -> list[HistoryRow]:
    """The methodology's events with each actor reduced to the kind of organisation acting."""
    events = queries.list_history(methodology.id)
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    kinds: dict[int, set[tuple[int, str]]] = defaultdict(set)
    names: dict[int, str] = {}
    if actor_ids:
        for membership in session().scalars(
            select(Membership).where(Membership.user_id.in_(actor_ids))
        ):
            kinds[membership.user_id].add(
                (membership.organisation_id, membership.organisation.kind)
            )
        names = {
            user_id: name
            for user_id, name in session().execute(
                select(User.id, User.display_name).where(User.id.in_(actor_ids))
            )
        }
    rows = []
    for event in events:
        if event.actor_id is None:
            kind = "platform"
        else:
            orgs = kinds[event.actor_id]
            if any(org_id == methodology.developer_org_id for org_id, _ in orgs):
                kind = "developer"
            elif any(org_kind == OrgKind.REGULATOR for _, org_kind in orgs):
                kind = "official"
            else:
                kind = "operator"
        rows.append(
            HistoryRow(
                at=event.created_at,
                action=event.action,
                from_status=event.from_status,
                to_status=event.to_status,
                comment=event.comment,
                actor_kind=kind,
                actor_name=names.get(event.actor_id) if event.actor_id else None,
            )
        )
    return rows


def shown_version(
    methodology: Methodology, *, include_unfiled: bool = False
) -> MethodologyVersion | None:
    """The version in force now, else the latest filed one; with ``include_unfiled`` the
    version under work (a draft's or a submission's) wins, for the developer and the reviewer."""
    versions = methodology.versions
    if include_unfiled and versions and not versions[-1].is_filed:
        return versions[-1]
    in_force = queries.get_version_in_force(methodology.id, utcnow())
    if in_force is not None:
        return in_force
    filed = [v for v in versions if v.is_filed]
    return filed[-1] if filed else None


def version_spec(version: MethodologyVersion) -> VersionSpec:
    return spec_from_definition(version.definition)


def developer_name(methodology: Methodology) -> str:
    if methodology.developer_org_id is None:
        return str(PLATFORM_DEVELOPER)
    org = get_organisation(methodology.developer_org_id)
    return "" if org is None else (org.name_en if language() == "en" else org.name_zh)


def category_name(code: str) -> str:
    for category in CATEGORIES:
        if category.code == code:
            return category.name_en if language() == "en" else category.name_zh
    return code


def presentation() -> dict[str, Any]:
    """Template helpers for methodology pages in every area."""
    return {
        "status_labels": STATUS_LABELS,
        "status_classes": STATUS_CLASSES,
        "action_labels": ACTION_LABELS,
        "actor_labels": ACTOR_LABELS,
        "confidence_labels": CONFIDENCE_LABELS,
        "evidence_labels": EVIDENCE_LABELS,
        "period_labels": PERIOD_LABELS,
        "category_name": category_name,
        "developer_name": developer_name,
    }


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
    if methodology is None or methodology.status not in queries.PUBLIC_STATUSES:
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
