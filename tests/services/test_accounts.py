from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts import services
from portal.accounts.models import AuditEvent, MemberRole, Membership, OrgKind, Role, User
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from tests import factories

SIGNUP = {
    "login": "13812345678",
    "password": "Green2026pass",
    "display_name": "林小绿",
    "city_code": "220100",
    "district": "朝阳区",
    "privacy_notice_version": "2026-11",
}


def _count(db: Any, model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_register_records_consent_and_audits(db: Any) -> None:
    user = services.register_user(**SIGNUP)
    assert user.phone == "13812345678" and user.email is None
    assert user.privacy_notice_version == "2026-11" and user.consented_at is not None
    assert user.roles == {Role.CITIZEN}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.register"))
    assert event.subject_id == str(user.id)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"login": "12345"}, "login"),
        ({"password": "weakpass"}, "password"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "长" * 41}, "display_name"),
        ({"city_code": "110000"}, "city_code"),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(db: Any, change: dict, field: str) -> None:
    before = _count(db, User)
    with pytest.raises(InvalidInput) as info:
        services.register_user(**{**SIGNUP, **change})
    assert info.value.field == field
    assert _count(db, User) == before


def test_register_refuses_a_taken_login(db: Any) -> None:
    services.register_user(**SIGNUP)
    with pytest.raises(Conflict):
        services.register_user(**{**SIGNUP, "login": "+86 138-1234-5678"})
    assert _count(db, User) == 1


def test_authenticate_failures_are_generic_and_audited(db: Any) -> None:
    services.register_user(**SIGNUP)
    with pytest.raises(NotAllowed) as wrong_password:
        services.authenticate("13812345678", "Wrong2026pass", ip="10.0.0.1")
    with pytest.raises(NotAllowed) as unknown_login:
        services.authenticate("13999999999", "Wrong2026pass", ip="10.0.0.1")
    assert str(wrong_password.value) == str(unknown_login.value)
    failures = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    ).all()
    assert len(failures) == 2
    assert all("****" in f.details["login"] for f in failures)


def test_authenticate_succeeds_and_stamps_login(db: Any) -> None:
    services.register_user(**SIGNUP)
    user = services.authenticate(" 138 1234 5678 ", "Green2026pass")
    assert user.last_login_at is not None


def test_change_password_bumps_the_session_version(db: Any) -> None:
    user = factories.make_user()
    old_id = user.get_id()
    services.change_password(user.id, current=factories.PASSWORD, new="Newer2026pass")
    assert user.get_id() != old_id
    with pytest.raises(InvalidInput):
        services.change_password(user.id, current="not-it-1", new="Other2026pass")


def test_only_admins_create_organisations_and_grant_roles(db: Any) -> None:
    citizen = factories.make_user()
    admin = factories.make_user(is_admin=True)
    with pytest.raises(NotAllowed):
        services.create_organisation(
            actor=citizen, name_zh="某法院", name_en="A court", kind="court", city_code="220100"
        )
    org = services.create_organisation(
        actor=admin, name_zh="某法院", name_en="A court", kind="court", city_code="220100"
    )
    with pytest.raises(Conflict):
        services.create_organisation(
            actor=admin, name_zh="某法院", name_en="Dup", kind="court", city_code="220100"
        )
    with pytest.raises(NotAllowed):
        services.grant_membership(
            actor=citizen, organisation_id=org.id, login=citizen.phone, role="staff"
        )
    membership = services.grant_membership(
        actor=admin, organisation_id=org.id, login=citizen.phone, role="staff"
    )
    db.session.refresh(citizen)
    assert Role.COURT in citizen.roles
    # Granting again changes the role instead of duplicating the membership.
    services.grant_membership(
        actor=admin, organisation_id=org.id, login=citizen.phone, role="manager"
    )
    assert _count(db, Membership) == 1 and membership.role == MemberRole.MANAGER
    other = services.create_organisation(
        actor=admin, name_zh="另一法院", name_en="Other", kind="court", city_code="220100"
    )
    with pytest.raises(NotFound):  # the membership is not one of that organisation's
        services.revoke_membership(
            actor=admin, organisation_id=other.id, membership_id=membership.id
        )
    services.revoke_membership(actor=admin, organisation_id=org.id, membership_id=membership.id)
    db.session.refresh(citizen)
    assert citizen.roles == {Role.CITIZEN}
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
    ).all()
    assert actions == ["org.create", "org.grant", "org.grant", "org.create", "org.revoke"]


def test_grant_to_unknown_login_or_org(db: Any) -> None:
    admin = factories.make_user(is_admin=True)
    org = factories.make_org(kind=OrgKind.BANK)
    with pytest.raises(NotFound):
        services.grant_membership(
            actor=admin, organisation_id=org.id, login="13700000000", role="staff"
        )
    with pytest.raises(NotFound):
        services.grant_membership(
            actor=admin, organisation_id=999999, login=admin.phone, role="staff"
        )
    with pytest.raises(InvalidInput):
        services.grant_membership(
            actor=admin, organisation_id=org.id, login=admin.phone, role="owner"
        )


def test_admins_cannot_demote_themselves(db: Any) -> None:
    admin = factories.make_user(is_admin=True)
    other = factories.make_user()
    with pytest.raises(NotAllowed):
        services.set_admin(actor=admin, user_id=admin.id, is_admin=False)
    assert services.set_admin(actor=admin, user_id=other.id, is_admin=True).is_admin


def test_organisation_kinds_and_names_of_several_users_in_one_read(db: Any) -> None:
    from portal.accounts import queries

    regulator = factories.make_org(kind=OrgKind.REGULATOR)
    school = factories.make_org(kind=OrgKind.SCHOOL)
    official = factories.make_user(display_name="王审核")
    teacher = factories.make_user(display_name="Li Teacher")
    loner = factories.make_user(display_name="No Org")
    factories.make_membership(official, regulator)
    factories.make_membership(official, school)
    factories.make_membership(teacher, school)

    ids = [official.id, teacher.id, loner.id]
    assert queries.list_organisation_kinds(ids) == {
        official.id: {(regulator.id, OrgKind.REGULATOR.value), (school.id, OrgKind.SCHOOL.value)},
        teacher.id: {(school.id, OrgKind.SCHOOL.value)},
    }
    assert queries.get_display_names(ids) == {
        official.id: "王审核",
        teacher.id: "Li Teacher",
        loner.id: "No Org",
    }
