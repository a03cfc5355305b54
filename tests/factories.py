"""Callable factories: each makes a valid row with sensible defaults, overridable by keyword."""

from __future__ import annotations

import itertools
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
from portal.activities.models import AccountLink, Partner
from portal.clock import utcnow
from portal.db import session

PASSWORD = "Green2026pass"
_seq = itertools.count(1)


@cache
def _hash(password: str) -> str:
    # scrypt costs ~0.1 s; hash each distinct test password once.
    return generate_password_hash(password)


def make_user(*, password: str = PASSWORD, **fields: Any) -> User:
    n = next(_seq)
    values: dict[str, Any] = {
        "phone": f"139{n:08d}",
        "display_name": f"测试用户{n}",
        "city_code": "220100",
        "privacy_notice_version": "2026-11",
        "consented_at": utcnow(),
    }
    values.update(fields)
    user = User(password_hash=_hash(password), **values)
    session().add(user)
    session().commit()  # in tests this releases a savepoint; the outer transaction still rolls back
    return user


def make_org(*, kind: OrgKind | str = OrgKind.ENTERPRISE, **fields: Any) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = {
        "name_zh": f"测试机构{n}",
        "name_en": f"Test organisation {n}",
        "city_code": "220100",
    }
    values.update(fields)
    org = Organisation(kind=OrgKind(kind).value, **values)
    session().add(org)
    session().commit()
    return org


def make_membership(
    user: User, org: Organisation, role: MemberRole = MemberRole.STAFF
) -> Membership:
    membership = Membership(user_id=user.id, organisation_id=org.id, role=role.value)
    session().add(membership)
    session().commit()
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


def make_partner(codes: list[str], **fields: Any) -> Partner:
    n = next(_seq)
    values: dict[str, Any] = {
        "public_id": f"ptn_{n:08d}",
        "name": f"测试合作平台{n}",
        "signing_secret": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "methodology_codes": codes,
    }
    values.update(fields)
    partner = Partner(**values)
    session().add(partner)
    session().commit()
    return partner


def link(partner: Partner, user: User, ref: str | None = None) -> AccountLink:
    account_link = AccountLink(
        partner_id=partner.id, user_id=user.id, partner_user_ref=ref or f"u{user.id}"
    )
    session().add(account_link)
    session().commit()
    return account_link
