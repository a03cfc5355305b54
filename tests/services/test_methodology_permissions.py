"""The methodology permission queries, and that the services refuse exactly what they refuse.

The pages decide what to offer from ``portal.methodology.permissions``; the services act on the
same functions. These tests pin each rule and check, status by status, that a query saying "may"
means the service lets the actor through and a query saying "may not" means it refuses.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal.accounts.models import MemberRole, Organisation, OrgKind, Role
from portal.errors import Conflict, NotAllowed
from portal.methodology import permissions, services
from portal.methodology.models import Methodology, MethodologyStatus
from tests import factories
from tests.services.test_methodology_services import EFFECTIVE, _at_status, _developer, _edit

S = MethodologyStatus


def test_the_public_library_shows_only_what_the_authority_filed(db: Any) -> None:
    for status in S:
        methodology, _ = _at_status(db, status)
        assert permissions.is_public(methodology) is (status in (S.FILED, S.SUSPENDED, S.RETIRED))


def test_officials_see_a_methodology_once_it_is_submitted(db: Any) -> None:
    official = factories.make_user_with_role(Role.OFFICIAL)
    for status in S:
        methodology, developer = _at_status(db, status)
        assert permissions.may_official_see(official, methodology) is (status is not S.DRAFT)
        assert not permissions.may_official_see(developer, methodology)


def test_the_developer_organisation_is_its_members_and_a_seed_has_none(db: Any) -> None:
    methodology, developer = _at_status(db, S.DRAFT)
    colleague = factories.make_user()
    org = db.session.get(Organisation, methodology.developer_org_id)
    factories.make_membership(colleague, org)
    other, _ = _developer()
    assert permissions.is_developer_of(developer, methodology)
    assert permissions.is_developer_of(colleague, methodology)
    assert not permissions.is_developer_of(other, methodology)
    services.seed_filed_methodologies()
    seeded = db.session.query(Methodology).filter_by(code="JLCH-TR-003").one()
    assert seeded.developer_org_id is None
    assert not permissions.is_developer_of(developer, seeded)


def test_drafting_needs_the_developer_role_and_that_organisation(db: Any) -> None:
    developer, org_id = _developer()
    other, other_org = _developer()
    assert permissions.may_draft(developer, org_id)
    assert not permissions.may_draft(other, org_id)
    assert permissions.may_draft(other, other_org)
    member = factories.make_user()
    factories.make_membership(member, factories.make_org(kind=OrgKind.REGULATOR))
    assert not permissions.may_draft(member, org_id)


@pytest.mark.parametrize("status", list(S), ids=str)
def test_the_developer_edits_and_submits_a_draft_or_one_sent_back(db: Any, status: S) -> None:
    methodology, developer = _at_status(db, status)
    outsider, _ = _developer()
    editable = status in (S.DRAFT, S.CHANGES_REQUESTED)
    assert permissions.may_edit_draft(developer, methodology) is editable
    assert permissions.may_submit(developer, methodology) is editable
    assert not permissions.may_edit_draft(outsider, methodology)
    assert not permissions.may_submit(outsider, methodology)
    if editable:
        _edit(developer, methodology.id)
        services.submit(actor=developer, methodology_id=methodology.id)
    else:
        with pytest.raises(Conflict):
            _edit(developer, methodology.id)
        with pytest.raises(Conflict):
            services.submit(actor=developer, methodology_id=methodology.id)
    with pytest.raises(NotAllowed):
        services.submit(actor=outsider, methodology_id=methodology.id)


@pytest.mark.parametrize("status", list(S), ids=str)
def test_comments_come_from_officials_once_submitted_and_from_the_developer(
    db: Any, status: S
) -> None:
    methodology, developer = _at_status(db, status)
    official = factories.make_user_with_role(Role.OFFICIAL)
    citizen = factories.make_user_with_role(Role.CITIZEN)
    for actor, expected in ((developer, True), (official, status is not S.DRAFT), (citizen, False)):
        assert permissions.may_comment(actor, methodology) is expected
        if expected:
            services.add_comment(actor=actor, methodology_id=methodology.id, comment="意见")
        else:
            with pytest.raises(NotAllowed):
                services.add_comment(actor=actor, methodology_id=methodology.id, comment="意见")


def test_separation_of_duties_decides_who_may_file(db: Any) -> None:
    methodology, developer = _at_status(db, S.UNDER_REVIEW)
    official = factories.make_user_with_role(Role.OFFICIAL)
    assert permissions.may_file(official, methodology)
    assert not permissions.may_file(developer, methodology)  # not an official
    # An official in the developer organisation.
    insider = factories.make_user_with_role(Role.OFFICIAL)
    factories.make_membership(insider, db.session.get(Organisation, methodology.developer_org_id))
    assert not permissions.may_file(insider, methodology)
    # The submitter, even once holding the official role.
    factories.make_membership(
        developer, factories.make_org(kind=OrgKind.REGULATOR), MemberRole.STAFF
    )
    methodology.submitted_by_id = developer.id
    assert developer.has_role(Role.OFFICIAL)
    assert not permissions.may_file(developer, methodology)
    for refused in (insider, developer):
        assert not permissions.may_review(refused, methodology, "file")
        with pytest.raises(NotAllowed):
            services.review(
                actor=refused,
                methodology_id=methodology.id,
                action="file",
                effective_from=EFFECTIVE,
            )
    assert permissions.may_review(official, methodology, "file")
    services.review(
        actor=official, methodology_id=methodology.id, action="file", effective_from=EFFECTIVE
    )


@pytest.mark.parametrize("action", list(permissions.REVIEW_MOVES), ids=str)
@pytest.mark.parametrize("status", list(S), ids=str)
def test_a_review_move_is_offered_exactly_when_the_service_makes_it(
    db: Any, status: S, action: str
) -> None:
    methodology, developer = _at_status(db, status)
    official = factories.make_user_with_role(Role.OFFICIAL)
    sources, target = permissions.REVIEW_MOVES[action]
    assert (action in permissions.review_actions(methodology)) is (status in sources)
    assert permissions.may_review(official, methodology, action) is (status in sources)
    assert not permissions.may_review(developer, methodology, action)
    comment = "理由" if action in ("request_changes", "suspend", "retire") else ""
    move = {"methodology_id": methodology.id, "action": action, "comment": comment}
    if action == "file":
        move["effective_from"] = EFFECTIVE
    with pytest.raises(NotAllowed):
        services.review(actor=developer, **move)
    if status in sources:
        assert services.review(actor=official, **move).status == target
    else:
        with pytest.raises(Conflict):
            services.review(actor=official, **move)


@pytest.mark.parametrize("status", list(S), ids=str)
def test_new_versions_are_published_by_officials_of_a_filed_methodology(db: Any, status: S) -> None:
    methodology, developer = _at_status(db, status)
    official = factories.make_user_with_role(Role.OFFICIAL)
    assert permissions.may_publish_version(official, methodology) is (status is S.FILED)
    assert not permissions.may_publish_version(developer, methodology)
    publish = {
        "methodology_id": methodology.id,
        "definition": methodology.versions[-1].definition,
        "effective_from": EFFECTIVE,
        "change_note": "新版本",
        "is_saleable": True,
    }
    with pytest.raises(NotAllowed):
        services.publish_version(actor=developer, **publish)
    if status is S.FILED:
        assert services.publish_version(actor=official, **publish).is_filed
    else:
        with pytest.raises(Conflict):
            services.publish_version(actor=official, **publish)
