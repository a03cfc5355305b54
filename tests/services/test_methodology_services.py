"""Methodology governance: drafting, review, filing (备案), versions, suspension, retirement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent, MemberRole, Organisation, OrgKind, Role, User
from portal.clock import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.methodology import queries, services
from portal.methodology.models import (
    Methodology,
    MethodologyEvent,
    MethodologyStatus,
    MethodologyVersion,
)
from portal.methodology.seed_specs import get_spec
from portal.methodology.versions import definition_from_spec
from tests import factories
from tests.factories import make_draft

S = MethodologyStatus
ACTIONS = ("start_review", "request_changes", "file", "suspend", "reinstate", "retire")
# From which statuses each official action is legal (DESIGN.md §5).
LEGAL = {
    "start_review": {S.SUBMITTED},
    "request_changes": {S.UNDER_REVIEW},
    "file": {S.UNDER_REVIEW},
    "suspend": {S.FILED},
    "reinstate": {S.SUSPENDED},
    "retire": {S.FILED, S.SUSPENDED},
}
EFFECTIVE = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 2027-01-01 00:00 Asia/Shanghai


def _developer() -> tuple[User, int]:
    user = factories.make_user_with_role(Role.DEVELOPER)
    return user, user.memberships[0].organisation_id


def _events(db: Any, methodology_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(MethodologyEvent)
        .where(MethodologyEvent.methodology_id == methodology_id)
    )


def _audits(db: Any, methodology_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.subject_type == "methodology",
                AuditEvent.subject_id == str(methodology_id),
            )
            .order_by(AuditEvent.id)
        )
    )


def _move(official: User, methodology_id: int, action: str, **kwargs: Any) -> Methodology:
    comment = "理由：见审查意见" if action in ("request_changes", "suspend", "retire") else ""
    if action == "file":
        kwargs.setdefault("effective_from", EFFECTIVE)
    return services.review(
        actor=official, methodology_id=methodology_id, action=action, comment=comment, **kwargs
    )


def test_the_whole_lifecycle_is_recorded(db: Any) -> None:
    developer, org_id = _developer()
    official = factories.make_user_with_role(Role.OFFICIAL)
    methodology = make_draft(developer, org_id)
    assert methodology.status == S.DRAFT and methodology.developer_org_id == org_id
    mid = methodology.id

    services.submit(actor=developer, methodology_id=mid, comment="请审查")
    _move(official, mid, "start_review")
    _move(official, mid, "request_changes")
    assert queries.get_methodology(mid).status == S.CHANGES_REQUESTED
    services.add_comment(actor=developer, methodology_id=mid, comment="已按意见修改")
    services.submit(actor=developer, methodology_id=mid)
    _move(official, mid, "start_review")
    filed = _move(official, mid, "file")
    assert filed.status == S.FILED and filed.filed_by_id == official.id
    version = filed.versions[-1]
    assert version.is_filed and version.effective_from == EFFECTIVE
    _move(official, mid, "suspend")
    _move(official, mid, "reinstate")
    retired = _move(official, mid, "retire")
    assert retired.status == S.RETIRED
    assert retired.versions[-1].effective_to is not None

    history = [(e.action, e.from_status, e.to_status) for e in queries.list_history(mid)]
    assert history == [
        ("draft", None, "draft"),
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("request_changes", "under_review", "changes_requested"),
        ("comment", "changes_requested", "changes_requested"),
        ("submit", "changes_requested", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("file", "under_review", "filed"),
        ("suspend", "filed", "suspended"),
        ("reinstate", "suspended", "filed"),
        ("retire", "filed", "retired"),
    ]
    assert _audits(db, mid) == [f"methodology.{action}" for action, _, _ in history]
    comments = [e.comment for e in queries.list_history(mid) if e.action == "request_changes"]
    assert comments == ["理由：见审查意见"]


def _at_status(db: Any, status: S) -> tuple[Methodology, User]:
    developer, org_id = _developer()
    methodology = make_draft(developer, org_id, code=f"JLCH-TR-{900 + list(S).index(status)}")
    methodology.status = status.value
    if status not in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.CHANGES_REQUESTED):
        methodology.versions[-1].is_filed = True
    db.session.commit()
    return methodology, developer


@pytest.mark.parametrize(
    ("status", "action"),
    [(status, action) for status in S for action in ACTIONS if status not in LEGAL[action]],
    ids=str,
)
def test_illegal_review_moves_are_refused_and_write_nothing(
    db: Any, status: S, action: str
) -> None:
    methodology, _ = _at_status(db, status)
    official = factories.make_user_with_role(Role.OFFICIAL)
    before = _events(db, methodology.id), len(_audits(db, methodology.id))
    with pytest.raises(Conflict):
        _move(official, methodology.id, action)
    db.session.refresh(methodology)
    assert methodology.status == status
    assert (_events(db, methodology.id), len(_audits(db, methodology.id))) == before


@pytest.mark.parametrize(
    "status", [s for s in S if s not in (S.DRAFT, S.CHANGES_REQUESTED)], ids=str
)
def test_only_a_draft_can_be_submitted(db: Any, status: S) -> None:
    methodology, developer = _at_status(db, status)
    before = _events(db, methodology.id)
    with pytest.raises(Conflict):
        services.submit(actor=developer, methodology_id=methodology.id)
    db.session.refresh(methodology)
    assert methodology.status == status and _events(db, methodology.id) == before


def _under_review(db: Any) -> tuple[Methodology, User]:
    developer, org_id = _developer()
    methodology = make_draft(developer, org_id)
    services.submit(actor=developer, methodology_id=methodology.id)
    _move(factories.make_user_with_role(Role.OFFICIAL), methodology.id, "start_review")
    return methodology, developer


def test_an_official_in_the_developer_organisation_cannot_file(db: Any) -> None:
    methodology, _ = _under_review(db)
    official = factories.make_user_with_role(Role.OFFICIAL)
    developer_org = db.session.get(Methodology, methodology.id).developer_org_id
    factories.make_membership(official, db.session.get(Organisation, developer_org))
    before = _events(db, methodology.id)
    with pytest.raises(NotAllowed):
        _move(official, methodology.id, "file")
    db.session.refresh(methodology)
    assert methodology.status == S.UNDER_REVIEW and _events(db, methodology.id) == before
    assert not methodology.versions[-1].is_filed


def test_the_submitter_cannot_file_even_holding_the_official_role(db: Any) -> None:
    methodology, developer = _under_review(db)
    factories.make_membership(
        developer, factories.make_org(kind=OrgKind.REGULATOR), MemberRole.STAFF
    )
    assert developer.has_role(Role.OFFICIAL)
    with pytest.raises(NotAllowed):
        _move(developer, methodology.id, "file")
    db.session.refresh(methodology)
    assert methodology.status == S.UNDER_REVIEW


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.DEVELOPER, Role.BUYER, Role.ADMIN], ids=str)
def test_only_officials_review_and_publish(db: Any, role: Role) -> None:
    methodology, _ = _under_review(db)
    outsider = factories.make_user_with_role(role)
    for action in ("file", "request_changes"):
        with pytest.raises(NotAllowed):
            _move(outsider, methodology.id, action)
    services.seed_filed_methodologies()
    cycling = queries.get_methodology_by_code("JLCH-TR-003")
    with pytest.raises(NotAllowed):
        services.publish_version(
            actor=outsider,
            methodology_id=cycling.id,
            definition=cycling.versions[-1].definition,
            effective_from=utcnow() + timedelta(days=1),
            change_note="x",
            is_saleable=True,
        )


def test_drafting_needs_a_membership_of_that_developer_organisation(db: Any) -> None:
    _, org_id = _developer()
    other, _ = _developer()
    with pytest.raises(NotAllowed):
        make_draft(other, org_id)
    citizen = factories.make_user_with_role(Role.CITIZEN)
    with pytest.raises(NotAllowed):
        make_draft(citizen, org_id)
    assert db.session.scalar(select(func.count()).select_from(Methodology)) == 0


def test_draft_refuses_a_taken_code_and_a_bad_definition(db: Any) -> None:
    developer, org_id = _developer()
    make_draft(developer, org_id)
    with pytest.raises(Conflict) as taken:
        make_draft(developer, org_id, code="jlch-tr-901")
    assert taken.value.field == "code"
    broken = definition_from_spec(get_spec("JLCH-TR-003")) | {"formula": "Q * unknown_factor"}
    with pytest.raises(InvalidInput):
        make_draft(developer, org_id, code="JLCH-TR-902", definition=broken)
    assert db.session.scalar(select(func.count()).select_from(Methodology)) == 1


def test_estimate_factors_are_never_saleable(db: Any) -> None:
    developer, org_id = _developer()
    windows = definition_from_spec(get_spec("JLCH-HS-001"))
    methodology = make_draft(
        developer, org_id, code="JLCH-HS-901", category="housing", definition=windows
    )
    assert methodology.versions[0].is_saleable is False
    assert methodology.versions[0].confidence == "estimate"


def test_reasons_are_required_for_changes_suspension_and_retirement(db: Any) -> None:
    methodology, _ = _under_review(db)
    official = factories.make_user_with_role(Role.OFFICIAL)
    with pytest.raises(InvalidInput) as info:
        services.review(
            actor=official, methodology_id=methodology.id, action="request_changes", comment=" "
        )
    assert info.value.field == "comment"
    with pytest.raises(InvalidInput) as no_date:
        services.review(actor=official, methodology_id=methodology.id, action="file")
    assert no_date.value.field == "effective_from"
    db.session.refresh(methodology)
    assert methodology.status == S.UNDER_REVIEW


def test_publish_version_closes_the_previous_one_and_picks_by_date(db: Any) -> None:
    services.seed_filed_methodologies()
    official = factories.make_user_with_role(Role.OFFICIAL)
    cycling = queries.get_methodology_by_code("JLCH-TR-003")
    first = cycling.versions[-1]  # the seed's version 2, in force since the seed ran
    definition = dict(first.definition)
    definition["factors"] = [dict(f) for f in definition["factors"]]
    definition["factors"][0]["value"] = "0.05"
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    second = services.publish_version(
        actor=official,
        methodology_id=cycling.id,
        definition=definition,
        effective_from=start,
        change_note="更新骑行因子",
        is_saleable=True,
    )
    assert second.version_no == 3 and second.is_filed and second.is_saleable
    db.session.refresh(first)
    assert first.effective_to == start
    assert queries.get_version_in_force(cycling.id, utcnow()).id == first.id
    assert queries.get_version_in_force(cycling.id, start - timedelta(seconds=1)).id == first.id
    assert queries.get_version_in_force(cycling.id, start).id == second.id
    assert queries.get_version_in_force(cycling.id, start + timedelta(days=400)).id == second.id
    assert (
        queries.get_version_in_force(cycling.id, first.effective_from - timedelta(seconds=1)).id
        == cycling.versions[0].id
    )
    assert "methodology.publish_version" in _audits(db, cycling.id)


def test_publish_version_refuses_the_past_and_unfiled_methodologies(db: Any) -> None:
    services.seed_filed_methodologies()
    official = factories.make_user_with_role(Role.OFFICIAL)
    cycling = queries.get_methodology_by_code("JLCH-TR-003")
    kwargs: dict[str, Any] = {
        "actor": official,
        "definition": cycling.versions[-1].definition,
        "change_note": "x",
        "is_saleable": True,
    }
    with pytest.raises(InvalidInput) as past:
        services.publish_version(
            methodology_id=cycling.id, effective_from=utcnow() - timedelta(days=1), **kwargs
        )
    assert past.value.field == "effective_from"
    methodology, _ = _under_review(db)
    with pytest.raises(Conflict):
        services.publish_version(
            methodology_id=methodology.id, effective_from=utcnow() + timedelta(days=1), **kwargs
        )
    count = select(func.count()).select_from(MethodologyVersion)
    assert db.session.scalar(count) == 45  # 22 seeded twice (versions 1 and 2) + the draft's


def test_seed_is_idempotent_and_marks_estimates_unsaleable(db: Any) -> None:
    assert services.seed_filed_methodologies() == 44  # versions 1 and 2 of each
    assert services.seed_filed_methodologies() == 0
    public = queries.list_public_methodologies()
    assert len(public) == 22 and {m.status for m in public} == {S.FILED}
    saleable = {m.code: m.versions[-1].is_saleable for m in public}
    assert saleable["JLCH-HS-001"] is False  # energy-efficient windows: an estimate
    assert saleable["JLCH-TR-002"] is False
    assert saleable["JLCH-TR-003"] is True
    assert saleable["JLCH-TV-001"] is False  # 华住's Ant Forest energy grams: an estimate
    assert all(len(m.versions) == 2 and all(v.is_filed for v in m.versions) for m in public)
    events = db.session.scalar(
        select(func.count())
        .select_from(MethodologyEvent)
        .where(MethodologyEvent.action == "seed_filed")
    )
    assert events == 22


def _edit(actor: User, methodology_id: int, **changes: Any) -> Methodology:
    definition = definition_from_spec(get_spec("JLCH-TR-003"))
    definition["factors"][0]["value"] = "0.05"
    values: dict[str, Any] = {
        "title_zh": "骑行（修订）",
        "title_en": "Cycling (revised)",
        "scenario_code": "cycling_v3",
        "category": "transport",
        "definition": definition,
        "is_saleable": True,
    }
    values.update(changes)
    return services.update_draft(actor=actor, methodology_id=methodology_id, **values)


def _version_state(db: Any, methodology: Methodology) -> tuple[Any, ...]:
    db.session.expire_all()
    fresh = db.session.get(Methodology, methodology.id)
    version = fresh.versions[-1]
    return (
        fresh.status,
        fresh.title_en,
        fresh.scenario_code,
        len(fresh.versions),
        version.definition,
        version.is_saleable,
        _events(db, fresh.id),
        len(_audits(db, fresh.id)),
    )


def test_a_draft_is_edited_in_place_and_the_edit_is_recorded(db: Any) -> None:
    developer, org_id = _developer()
    methodology = make_draft(developer, org_id)
    version_id = methodology.versions[0].id
    edited = _edit(developer, methodology.id)
    db.session.expire_all()
    edited = db.session.get(Methodology, methodology.id)
    assert edited.status == S.DRAFT and edited.code == "JLCH-TR-901"
    assert edited.developer_org_id == org_id
    assert (edited.title_zh, edited.title_en) == ("骑行（修订）", "Cycling (revised)")
    assert edited.scenario_code == "cycling_v3"
    [version] = edited.versions  # replaced in place, no second version
    assert version.id == version_id and not version.is_filed
    assert version.definition["factors"][0]["value"] == "0.05"
    history = [(e.action, e.from_status, e.to_status) for e in queries.list_history(edited.id)]
    assert history == [("draft", None, "draft"), ("edit", "draft", "draft")]
    assert queries.list_history(edited.id)[-1].version_id == version_id
    assert _audits(db, edited.id) == ["methodology.draft", "methodology.edit"]


def test_a_submission_sent_back_for_changes_can_be_edited_and_resubmitted(db: Any) -> None:
    methodology, developer = _under_review(db)
    official = factories.make_user_with_role(Role.OFFICIAL)
    _move(official, methodology.id, "request_changes")
    windows = definition_from_spec(get_spec("JLCH-HS-001"))
    _edit(developer, methodology.id, category="housing", definition=windows)
    db.session.expire_all()
    edited = db.session.get(Methodology, methodology.id)
    assert edited.status == S.CHANGES_REQUESTED and edited.category == "housing"
    version = edited.versions[-1]
    assert version.definition == windows and version.activity_unit == windows["activity_unit"]
    # An estimate is never saleable, whatever the developer ticks.
    assert version.confidence == "estimate" and version.is_saleable is False
    last = queries.list_history(edited.id)[-1]
    assert (last.action, last.from_status, last.to_status) == (
        "edit",
        "changes_requested",
        "changes_requested",
    )
    assert last.actor_id == developer.id
    services.submit(actor=developer, methodology_id=edited.id)
    assert queries.get_methodology(edited.id).status == S.SUBMITTED


@pytest.mark.parametrize(
    "status", [s for s in S if s not in (S.DRAFT, S.CHANGES_REQUESTED)], ids=str
)
def test_editing_is_refused_once_submitted(db: Any, status: S) -> None:
    methodology, developer = _at_status(db, status)
    before = _version_state(db, methodology)
    with pytest.raises(Conflict):
        _edit(developer, methodology.id)
    assert _version_state(db, methodology) == before


def test_editing_is_refused_after_a_real_submission(db: Any) -> None:
    developer, org_id = _developer()
    methodology = make_draft(developer, org_id)
    services.submit(actor=developer, methodology_id=methodology.id)
    before = _version_state(db, methodology)
    with pytest.raises(Conflict):
        _edit(developer, methodology.id)
    assert _version_state(db, methodology) == before


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.OFFICIAL, Role.CITIZEN, Role.ADMIN], ids=str)
def test_only_the_developer_organisation_may_edit(db: Any, role: Role) -> None:
    developer, org_id = _developer()
    methodology = make_draft(developer, org_id)
    before = _version_state(db, methodology)
    with pytest.raises(NotAllowed):
        _edit(factories.make_user_with_role(role), methodology.id)
    assert _version_state(db, methodology) == before


def test_an_invalid_edit_changes_nothing(db: Any) -> None:
    developer, org_id = _developer()
    methodology = make_draft(developer, org_id)
    before = _version_state(db, methodology)
    broken = definition_from_spec(get_spec("JLCH-TR-003")) | {"formula": "Q * unknown_factor"}
    with pytest.raises(InvalidInput):
        _edit(developer, methodology.id, definition=broken)
    missing = definition_from_spec(get_spec("JLCH-TR-003"))
    del missing["activity_unit"]
    with pytest.raises(InvalidInput):
        _edit(developer, methodology.id, definition=missing)
    with pytest.raises(InvalidInput) as category:
        _edit(developer, methodology.id, category="weather")
    assert category.value.field == "category"
    assert _version_state(db, methodology) == before


def test_count_by_status_counts_every_status_that_has_methodologies(db: Any) -> None:
    before = queries.count_by_status()
    developer, org_id = _developer()
    make_draft(developer, org_id, code="JLCH-TR-951")
    make_draft(developer, org_id, code="JLCH-TR-952")
    after = queries.count_by_status()
    assert after[S.DRAFT.value] == before.get(S.DRAFT.value, 0) + 2
    assert {k: v for k, v in after.items() if k != S.DRAFT.value} == {
        k: v for k, v in before.items() if k != S.DRAFT.value
    }
    assert sum(after.values()) == db.session.scalar(select(func.count()).select_from(Methodology))
