"""Accounts: users, organisations, memberships, a user holding a role, a client logged in."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from portal.accounts.models import (
    ROLES_BY_ORG_KIND,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
)
from portal.clock import utcnow
from portal.db import session
from tests.factories.base import next_number, save

PASSWORD = "Green2026pass"


@cache
def _hash(password: str) -> str:
    # scrypt costs ~0.1 s; hash each distinct test password once.
    return generate_password_hash(password)


def make_user(*, password: str = PASSWORD, **fields: Any) -> User:
    n = next_number()
    values: dict[str, Any] = {
        # 1395…: apart from the demo's phones (13900…), which the browser tests' database holds.
        "phone": f"1395{n:07d}",
        "display_name": f"测试用户{n}",
        "city_code": "220100",
        "privacy_notice_version": "2026-11",
        "consented_at": utcnow(),
    }
    values.update(fields)
    return save(User(password_hash=_hash(password), **values))


def make_org(*, kind: OrgKind | str = OrgKind.ENTERPRISE, **fields: Any) -> Organisation:
    n = next_number()
    values: dict[str, Any] = {
        "name_zh": f"测试机构{n}",
        "name_en": f"Test organisation {n}",
        "city_code": "220100",
    }
    values.update(fields)
    return save(Organisation(kind=OrgKind(kind).value, **values))


def make_membership(
    user: User, org: Organisation, role: MemberRole = MemberRole.STAFF
) -> Membership:
    membership = save(Membership(user_id=user.id, organisation_id=org.id, role=role.value))
    session().refresh(user)
    return membership


# The first organisation kind (in declaration order) that opens each role.
ORG_KIND_FOR_ROLE = {
    role: kind for kind, roles in reversed(list(ROLES_BY_ORG_KIND.items())) for role in roles
}


def make_user_with_role(role: Role, **fields: Any) -> User:
    """A user who holds ``role``: citizens need nothing, admins a flag, others a membership."""
    user = make_user(is_admin=role is Role.ADMIN, **fields)
    if role not in (Role.CITIZEN, Role.ADMIN):
        make_membership(user, make_org(kind=ORG_KIND_FOR_ROLE[role]), MemberRole.MANAGER)
    return user


def log_in(client: FlaskClient, user: User) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
