"""Account commands. Each runs in one transaction, takes the actor explicitly and audits itself."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.audit import record_audit
from portal.accounts.identity import parse_identifier, password_problem
from portal.accounts.models import MemberRole, Membership, Organisation, OrgKind, User
from portal.accounts.queries import get_user_by_identifier
from portal.accounts.regions import CITY_BY_CODE
from portal.accounts.rules import birth_year_problem
from portal.clock import local_today, utcnow
from portal.db import transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.text import text_problem

SUPPORTED_LOCALES = ("zh_Hans_CN", "en")
PROFILE_TEXT_MAX = 40  # characters of a display name or a district (the columns' length)
# Checked against when the login is unknown, so a wrong login costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(_l("Only a platform administrator may do this."))


def display_name_value(display_name: str) -> str:
    """The display name (the public alias) as stored, stripped, or InvalidInput on
    ``display_name``: 1 to 40 characters of plain text (``portal.text``)."""
    name = display_name.strip()
    problem = text_problem(name)
    if problem is not None:
        raise InvalidInput(problem, field="display_name")
    if not 1 <= len(name) <= PROFILE_TEXT_MAX:
        raise InvalidInput(_l("The display name must be 1 to 40 characters."), field="display_name")
    return name


def _profile_values(
    display_name: str, city_code: str, district: str | None
) -> tuple[str, str, str | None]:
    """The display name, city and district as stored (stripped; no district is ``None``), or
    InvalidInput naming the field: a name as ``display_name_value`` takes, a city of Jilin, a
    district of at most 40 characters of plain text."""
    name, area = display_name_value(display_name), (district or "").strip()
    problem = text_problem(area)
    if problem is not None:
        raise InvalidInput(problem, field="district")
    if len(area) > PROFILE_TEXT_MAX:
        raise InvalidInput(_l("The district must be at most 40 characters."), field="district")
    if city_code not in CITY_BY_CODE:
        raise InvalidInput(_l("Choose a city or prefecture of Jilin."), field="city_code")
    return name, city_code, area or None


def register_user(
    *,
    login: str,
    password: str,
    display_name: str,
    city_code: str,
    district: str | None,
    privacy_notice_version: str,
    locale: str | None = None,
    birth_year: int | None = None,
    ip: str | None = None,
) -> User:
    """Open a citizen account. ``login`` is a mainland mobile number or an email address;
    ``birth_year`` (the sign-up form requires it) decides whether a guardian must agree before
    points are spent (``accounts.rules``).

    Raises InvalidInput (bad shape, weak password, unknown city, a birth year in the future or
    absurd) or Conflict (login taken); nothing is written in either case. Anyone may call it;
    consent to ``privacy_notice_version`` is recorded with its time.
    """
    identifier = parse_identifier(login)
    if identifier is None:
        raise InvalidInput(
            _l("Enter a mainland mobile number (11 digits) or an email address."), field="login"
        )
    problem = password_problem(password, identifier.value)
    if problem:
        raise InvalidInput(problem, field="password")
    name, city_code, district = _profile_values(display_name, city_code, district)
    if birth_year is not None and (problem := birth_year_problem(birth_year, local_today())):
        raise InvalidInput(problem, field="birth_year")
    with transaction() as db:
        if get_user_by_identifier(identifier) is not None:
            raise Conflict(_l("An account with this login already exists."), field="login")
        user = User(
            phone=identifier.phone,
            email=identifier.email,
            password_hash=generate_password_hash(password),
            display_name=name,
            city_code=city_code,
            district=district,
            locale=locale if locale in SUPPORTED_LOCALES else None,
            privacy_notice_version=privacy_notice_version,
            consented_at=utcnow(),
            birth_year=birth_year,
        )
        db.add(user)
        try:
            db.flush()
        except IntegrityError as exc:  # a concurrent sign-up took the same login
            raise Conflict(_l("An account with this login already exists."), field="login") from exc
        record_audit(
            "auth.register",
            actor_id=user.id,
            subject_type="user",
            subject_id=user.id,
            ip=ip,
            details={"privacy_notice_version": privacy_notice_version},
        )
    return user


def update_profile(
    user_id: int,
    *,
    display_name: str,
    city_code: str,
    district: str | None,
    ip: str | None = None,
) -> User:
    """The account holder changes their display name, city or district (same rules as at
    sign-up). The audit log names the fields that changed, not their values; saving the same
    values writes nothing."""
    name, city_code, district = _profile_values(display_name, city_code, district)
    with transaction() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound(_l("No such account."))
        new = {"display_name": name, "city_code": city_code, "district": district}
        changed = [field for field, value in new.items() if getattr(user, field) != value]
        if changed:
            for field in changed:
                setattr(user, field, new[field])
            record_audit(
                "account.profile_updated",
                actor_id=user.id,
                subject_type="user",
                subject_id=user.id,
                ip=ip,
                details={"changed": changed},
            )
    return user


def authenticate(login: str, password: str, *, ip: str | None = None) -> User:
    """Check a login and password; on success stamp ``last_login_at``.

    Every failure raises the same NotAllowed message (no hint whether the login exists) and is
    written to the audit log as ``auth.login_failed``.
    """
    identifier = parse_identifier(login)
    with transaction():
        user = get_user_by_identifier(identifier) if identifier else None
        password_ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not password_ok or not user.is_active:
            record_audit(
                "auth.login_failed",
                actor_id=None,
                subject_type="user" if user else None,
                subject_id=user.id if user else None,
                ip=ip,
                details={"login": _mask(identifier.value if identifier else login)},
            )
            failed = True
        else:
            user.last_login_at = utcnow()
            record_audit(
                "auth.login", actor_id=user.id, subject_type="user", subject_id=user.id, ip=ip
            )
            failed = False
    if failed or user is None:
        raise NotAllowed(_l("The login or password is wrong."))
    return user


def _mask(login: str) -> str:
    """Keep enough of a login to investigate abuse without storing it whole."""
    login = login.strip()[:254]
    if "@" in login:
        name, _, domain = login.partition("@")
        return f"{name[:2]}***@{domain}"
    return f"{login[:3]}****{login[-4:]}" if len(login) >= 7 else "***"


def change_password(user_id: int, *, current: str, new: str, ip: str | None = None) -> User:
    """Replace the user's password and revoke every other session and remember cookie.

    The caller is the account holder; ``current`` must match.
    """
    with transaction() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound(_l("No such account."))
        if not check_password_hash(user.password_hash, current):
            raise InvalidInput(_l("The current password is wrong."), field="current_password")
        problem = password_problem(new, user.login_name)
        if problem:
            raise InvalidInput(problem, field="new_password")
        user.password_hash = generate_password_hash(new)
        user.session_version += 1
        record_audit(
            "auth.password_changed",
            actor_id=user.id,
            subject_type="user",
            subject_id=user.id,
            ip=ip,
        )
    return user


def set_locale(user_id: int, locale: str) -> None:
    """Remember the user's language choice."""
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput(_l("Unsupported language."), field="locale")
    with transaction() as db:
        user = db.get(User, user_id)
        if user is not None:
            user.locale = locale


def create_organisation(
    *,
    actor: User,
    name_zh: str,
    name_en: str,
    kind: str,
    city_code: str,
    unified_credit_code: str | None = None,
    ip: str | None = None,
) -> Organisation:
    """Create an organisation of one of the ten kinds. Platform administrators only."""
    _require_admin(actor)
    try:
        org_kind = OrgKind(kind)
    except ValueError as exc:
        raise InvalidInput(_l("Unknown organisation kind."), field="kind") from exc
    if city_code not in CITY_BY_CODE:
        raise InvalidInput(_l("Choose a city or prefecture of Jilin."), field="city_code")
    with transaction() as db:
        if db.scalar(select(Organisation.id).where(Organisation.name_zh == name_zh.strip())):
            raise Conflict(_l("An organisation with this name already exists."), field="name_zh")
        code = (unified_credit_code or "").strip().upper() or None
        if code and db.scalar(
            select(Organisation.id).where(Organisation.unified_credit_code == code)
        ):
            raise Conflict(
                _l("An organisation with this unified social credit code already exists."),
                field="unified_credit_code",
            )
        org = Organisation(
            name_zh=name_zh.strip(),
            name_en=name_en.strip(),
            kind=org_kind.value,
            city_code=city_code,
            unified_credit_code=code,
            created_by_id=actor.id,
        )
        db.add(org)
        taken = _l("An organisation with this name or unified social credit code already exists.")
        with unless_taken(Conflict(taken, field="name_zh")):
            db.flush()
        record_audit(
            "org.create",
            actor_id=actor.id,
            subject_type="organisation",
            subject_id=org.id,
            ip=ip,
            details={"name_zh": org.name_zh, "kind": org.kind},
        )
    return org


def grant_membership(
    *, actor: User, organisation_id: int, login: str, role: str, ip: str | None = None
) -> Membership:
    """Make the user with ``login`` a member of the organisation (or change their role).

    Platform administrators only. The membership opens the audience of the organisation's kind.
    """
    _require_admin(actor)
    try:
        member_role = MemberRole(role)
    except ValueError as exc:
        raise InvalidInput(_l("Unknown member role."), field="role") from exc
    identifier = parse_identifier(login)
    with transaction() as db:
        org = db.get(Organisation, organisation_id)
        if org is None:
            raise NotFound(_l("No such organisation."))
        user = get_user_by_identifier(identifier) if identifier else None
        if user is None:
            raise NotFound(_l("No account has this login."), field="login")
        membership = db.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == org.id
            )
        )
        if membership is None:
            membership = Membership(
                user_id=user.id,
                organisation_id=org.id,
                role=member_role.value,
                granted_by_id=actor.id,
            )
            db.add(membership)
        else:
            membership.role = member_role.value
            membership.granted_by_id = actor.id
        granted = _l("Someone else has just given this person a role here. Reload the page.")
        with unless_taken(Conflict(granted, field="login")):
            db.flush()
        record_audit(
            "org.grant",
            actor_id=actor.id,
            subject_type="organisation",
            subject_id=org.id,
            ip=ip,
            details={"user_id": user.id, "role": member_role.value},
        )
    return membership


def revoke_membership(
    *, actor: User, organisation_id: int, membership_id: int, ip: str | None = None
) -> None:
    """Remove a membership of that organisation. Platform administrators only."""
    _require_admin(actor)
    with transaction() as db:
        membership = db.get(Membership, membership_id)
        if membership is None or membership.organisation_id != organisation_id:
            raise NotFound(_l("No such membership."))
        record_audit(
            "org.revoke",
            actor_id=actor.id,
            subject_type="organisation",
            subject_id=membership.organisation_id,
            ip=ip,
            details={"user_id": membership.user_id, "role": membership.role},
        )
        db.delete(membership)


def set_admin(*, actor: User, user_id: int, is_admin: bool, ip: str | None = None) -> User:
    """Grant or withdraw platform administration. Administrators only; never on oneself."""
    _require_admin(actor)
    if actor.id == user_id:
        raise NotAllowed(_l("You cannot change your own administrator rights."))
    with transaction() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound(_l("No such account."))
        user.is_admin = is_admin
        record_audit(
            "user.admin_granted" if is_admin else "user.admin_withdrawn",
            actor_id=actor.id,
            subject_type="user",
            subject_id=user.id,
            ip=ip,
        )
    return user


def record_logout(user_id: int, *, ip: str | None = None) -> None:
    """Write the logout to the audit log (the session cookie itself is cleared by the caller)."""
    with transaction():
        record_audit(
            "auth.logout", actor_id=user_id, subject_type="user", subject_id=user_id, ip=ip
        )


def bootstrap_admin(login: str) -> User:
    """Make an existing account a platform administrator from the command line (no actor).

    Used once when a deployment starts; later grants go through ``set_admin`` by an admin.
    """
    identifier = parse_identifier(login)
    with transaction():
        user = get_user_by_identifier(identifier) if identifier else None
        if user is None:
            raise NotFound(_l("No account has this login."), field="login")
        user.is_admin = True
        record_audit(
            "user.admin_granted",
            actor_id=None,
            subject_type="user",
            subject_id=user.id,
            details={"via": "cli"},
        )
    return user
