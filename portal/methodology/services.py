"""Methodology governance: drafting, review, filing (备案), versions, suspension, retirement.

Developers (members of an enterprise or association, role ``developer``) draft and submit;
ecology officials (role ``official``) review, request changes, file, suspend, reinstate, retire
and publish new versions. Whoever submitted a methodology, or belongs to its developer
organisation, can never file it. Every change goes to the methodology's history and the audit log.
Who may do what is decided once, in ``permissions``, which the pages ask too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import Role, User
from portal.clock import utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.methodology.categories import CATEGORIES
from portal.methodology.models import (
    Methodology,
    MethodologyEvent,
    MethodologyStatus,
    MethodologyVersion,
)
from portal.methodology.permissions import (
    REVIEW_MOVES,
    is_developer_of,
    may_comment,
    may_draft,
    may_edit_draft,
    may_file,
    may_publish_version,
    may_submit,
)
from portal.methodology.seed_specs import load_specs
from portal.methodology.versions import VersionSpec, definition_from_spec, spec_from_definition

S = MethodologyStatus
# The seed versions are in force from the platform's first day of records.
SEED_EFFECTIVE_FROM = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 2026-01-01 00:00 Asia/Shanghai
# Stored on every seeded first version; pages show it in the reader's language.
SEED_CHANGE_NOTE = "Seeded from the platform's sourced factor data."

# These need a written reason, which the developer and the public history will read.
_NEEDS_COMMENT = frozenset({"request_changes", "suspend", "retire"})


def _event(
    methodology: Methodology,
    action: str,
    *,
    actor_id: int | None,
    from_status: str | None = None,
    comment: str = "",
    version_id: int | None = None,
) -> None:
    session().add(
        MethodologyEvent(
            methodology_id=methodology.id,
            version_id=version_id,
            actor_id=actor_id,
            action=action,
            from_status=from_status,
            to_status=methodology.status,
            comment=comment,
        )
    )
    record_audit(
        f"methodology.{action}",
        actor_id=actor_id,
        subject_type="methodology",
        subject_id=methodology.id,
        details={"code": methodology.code, "to": methodology.status, "comment": comment[:500]},
    )


def _get(methodology_id: int, *, lock: bool = False) -> Methodology:
    stmt = select(Methodology).where(Methodology.id == methodology_id)
    if lock:
        stmt = stmt.with_for_update()
    methodology = session().scalar(stmt)
    if methodology is None:
        raise NotFound(_l("No such methodology."))
    return methodology


def seed_filed_methodologies() -> int:
    """File the 22 seed methodologies from the data files; returns how many were created.

    Idempotent: a code that already exists is left alone. System action (no actor); methodologies
    whose factors are estimates are filed with ``is_saleable = False``.
    """
    created = 0
    with transaction() as db:
        existing = set(db.scalars(select(Methodology.code)))
        for spec in load_specs():
            if spec.code in existing:
                continue
            methodology = Methodology(
                code=spec.code,
                scenario_code=spec.scenario_code,
                title_zh=spec.title_zh,
                title_en=spec.title_en,
                category=spec.category,
                status=S.FILED.value,
                filed_at=SEED_EFFECTIVE_FROM,
            )
            db.add(methodology)
            db.flush()
            version = MethodologyVersion(
                methodology_id=methodology.id,
                version_no=1,
                effective_from=SEED_EFFECTIVE_FROM,
                activity_unit=spec.activity_unit,
                is_saleable=spec.saleable,
                confidence=spec.confidence,
                definition=definition_from_spec(spec),
                change_note=SEED_CHANGE_NOTE,
                is_filed=True,
            )
            db.add(version)
            db.flush()
            _event(methodology, "seed_filed", actor_id=None, version_id=version.id)
            created += 1
    return created


def _check_definition(definition: dict[str, Any]) -> None:
    try:
        spec_from_definition(definition)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise InvalidInput(
            _l("The methodology definition is invalid: %(why)s", why=str(exc))
        ) from exc


def _confidence(spec: VersionSpec) -> str:
    """A version is as trustworthy as its weakest factor (estimate < derived < published)."""
    confidences = {f.confidence for f in spec.factors}
    for level in ("estimate", "derived"):
        if level in confidences:
            return level
    return "published"


def create_draft(
    *,
    actor: User,
    organisation_id: int,
    code: str,
    scenario_code: str,
    title_zh: str,
    title_en: str,
    category: str,
    definition: dict[str, Any],
    is_saleable: bool,
) -> Methodology:
    """Start a draft for the developer organisation ``organisation_id`` (the actor must belong
    to it and hold the developer role). ``definition`` is a version definition (see
    ``versions``)."""
    if not may_draft(actor, organisation_id):
        raise NotAllowed(_l("Only members of a developer organisation may draft methodologies."))
    if category not in {c.code for c in CATEGORIES}:
        raise InvalidInput(_l("Unknown category."), field="category")
    _check_definition(definition)
    spec = spec_from_definition(definition)
    with transaction() as db:
        taken = Conflict(_l("A methodology with this code already exists."), field="code")
        if db.scalar(select(Methodology.id).where(Methodology.code == code.strip().upper())):
            raise taken
        methodology = Methodology(
            code=code.strip().upper(),
            scenario_code=scenario_code.strip(),
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            category=category,
            status=S.DRAFT.value,
            developer_org_id=organisation_id,
        )
        db.add(methodology)
        with unless_taken(taken):
            db.flush()
        version = MethodologyVersion(
            methodology_id=methodology.id,
            version_no=1,
            effective_from=utcnow(),
            activity_unit=spec.activity_unit,
            # Estimates are never saleable until an official review says otherwise.
            is_saleable=is_saleable and _confidence(spec) != "estimate",
            confidence=_confidence(spec),
            definition=definition,
            created_by_id=actor.id,
        )
        db.add(version)
        db.flush()
        _event(methodology, "draft", actor_id=actor.id, version_id=version.id)
    return methodology


def update_draft(
    *,
    actor: User,
    methodology_id: int,
    title_zh: str,
    title_en: str,
    scenario_code: str,
    category: str,
    definition: dict[str, Any],
    is_saleable: bool,
) -> Methodology:
    """The developer revises a draft, or a submission sent back for changes; the unfiled version
    is replaced in place and the change goes into the history."""
    if category not in {c.code for c in CATEGORIES}:
        raise InvalidInput(_l("Unknown category."), field="category")
    _check_definition(definition)
    spec = spec_from_definition(definition)
    with transaction():
        methodology = _get(methodology_id, lock=True)
        if not is_developer_of(actor, methodology):
            raise NotAllowed(_l("Only the developer organisation may edit this methodology."))
        if not may_edit_draft(actor, methodology):
            raise Conflict(_l("Only a draft, or one sent back for changes, can be edited."))
        methodology.title_zh, methodology.title_en = title_zh.strip(), title_en.strip()
        methodology.scenario_code, methodology.category = scenario_code.strip(), category
        draft = methodology.versions[-1]
        draft.definition = definition
        draft.activity_unit = spec.activity_unit
        draft.is_saleable = is_saleable and _confidence(spec) != "estimate"
        draft.confidence = _confidence(spec)
        _event(
            methodology,
            "edit",
            actor_id=actor.id,
            from_status=methodology.status,
            version_id=draft.id,
        )
    return methodology


def submit(*, actor: User, methodology_id: int, comment: str = "") -> Methodology:
    """Send a draft (or a draft sent back for changes) to the ecology authority."""
    with transaction():
        methodology = _get(methodology_id, lock=True)
        if not is_developer_of(actor, methodology):
            raise NotAllowed(_l("Only the developer organisation may submit this methodology."))
        if not may_submit(actor, methodology):
            raise Conflict(_l("Only a draft can be submitted."))
        before = methodology.status
        methodology.status = S.SUBMITTED.value
        methodology.submitted_by_id = actor.id
        _event(methodology, "submit", actor_id=actor.id, from_status=before, comment=comment)
    return methodology


def review(
    *,
    actor: User,
    methodology_id: int,
    action: str,
    comment: str = "",
    effective_from: datetime | None = None,
) -> Methodology:
    """An official moves a methodology: start_review, request_changes, file, suspend,
    reinstate or retire. Filing needs an ``effective_from`` (aware); retiring ends the current
    version now. The submitter and members of the developer organisation may not file."""
    if not actor.has_role(Role.OFFICIAL):
        raise NotAllowed(_l("Only ecology officials review methodologies."))
    if action not in REVIEW_MOVES:
        raise InvalidInput(_l("Unknown review action."), field="action")
    if action in _NEEDS_COMMENT and not comment.strip():
        raise InvalidInput(
            _l("Give a reason; the developer and the public history will see it."), field="comment"
        )
    sources, target = REVIEW_MOVES[action]
    with transaction():
        methodology = _get(methodology_id, lock=True)
        if methodology.status not in sources:
            raise Conflict(_l("This methodology cannot be moved that way from its current status."))
        if action == "file":
            if not may_file(actor, methodology):
                raise NotAllowed(
                    _l("The submitter's own organisation can never file its methodology.")
                )
            if effective_from is None or effective_from.tzinfo is None:
                raise InvalidInput(
                    _l("Choose the date the methodology takes effect."), field="effective_from"
                )
            draft = methodology.versions[-1]
            draft.is_filed = True
            draft.effective_from = effective_from
            methodology.filed_by_id = actor.id
            methodology.filed_at = utcnow()
        if action == "retire":
            for version in methodology.versions:
                if version.is_filed and (
                    version.effective_to is None or version.effective_to > utcnow()
                ):
                    version.effective_to = max(utcnow(), version.effective_from)
        before = methodology.status
        methodology.status = target.value
        _event(methodology, action, actor_id=actor.id, from_status=before, comment=comment)
    return methodology


def add_comment(*, actor: User, methodology_id: int, comment: str) -> None:
    """A review comment by an official or the developer; it goes into the public history."""
    if not comment.strip():
        raise InvalidInput(_l("Write a comment first."), field="comment")
    with transaction():
        methodology = _get(methodology_id)
        if not may_comment(actor, methodology):
            raise NotAllowed(_l("Only officials (once submitted) and the developer may comment."))
        _event(
            methodology,
            "comment",
            actor_id=actor.id,
            from_status=methodology.status,
            comment=comment.strip()[:4000],
        )


def publish_version(
    *,
    actor: User,
    methodology_id: int,
    definition: dict[str, Any],
    effective_from: datetime,
    change_note: str,
    is_saleable: bool,
) -> MethodologyVersion:
    """An official files a new version of a filed methodology, in force from ``effective_from``
    (not in the past); the version before it ends at that moment. Filed versions never change.

    This is the official review DESIGN.md §5 speaks of: the official decides ``is_saleable``,
    even for a version resting on estimates."""
    if not actor.has_role(Role.OFFICIAL):
        raise NotAllowed(_l("Only ecology officials publish methodology versions."))
    if effective_from.tzinfo is None or effective_from < utcnow().replace(second=0, microsecond=0):
        raise InvalidInput(
            _l("A new version cannot take effect in the past."), field="effective_from"
        )
    if not change_note.strip():
        raise InvalidInput(_l("Say what changed in this version."), field="change_note")
    _check_definition(definition)
    spec = spec_from_definition(definition)
    with transaction() as db:
        methodology = _get(methodology_id, lock=True)
        # The role was checked above, so only the status can refuse here.
        if not may_publish_version(actor, methodology):
            raise Conflict(_l("Only a filed methodology gets new versions."))
        current = [v for v in methodology.versions if v.is_filed and v.effective_to is None]
        for version in current:
            if effective_from <= version.effective_from:
                raise InvalidInput(
                    _l("The new version must take effect after the current one."),
                    field="effective_from",
                )
            version.effective_to = effective_from
        version = MethodologyVersion(
            methodology_id=methodology.id,
            version_no=max(v.version_no for v in methodology.versions) + 1,
            effective_from=effective_from,
            activity_unit=spec.activity_unit,
            is_saleable=is_saleable,
            confidence=_confidence(spec),
            definition=definition,
            change_note=change_note.strip(),
            is_filed=True,
            created_by_id=actor.id,
        )
        db.add(version)
        db.flush()
        _event(
            methodology,
            "publish_version",
            actor_id=actor.id,
            from_status=methodology.status,
            comment=change_note.strip(),
            version_id=version.id,
        )
    return version
