"""Public-welfare commands, one transaction each: the operator saves, opens and closes projects
and posts updates (all audited); a citizen donates points. Only a platform administrator (the
operator) may run the project commands (NotAllowed otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.guardians import require_may_spend
from portal.accounts.models import Organisation, User
from portal.certificates.models import CertificateKind
from portal.certificates.services import CertificateText, issue_certificate
from portal.clock import local_today
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.ledger.models import AccountKind
from portal.ledger.services import Posting, append, ensure_user_accounts, owned_account_id
from portal.merchants.rules import TERMS_MAX, plain_text, whole_number
from portal.welfare import rules
from portal.welfare.models import Donation, Project, ProjectStatus, ProjectUpdate

# Which statuses each move starts from, and where it leads.
MOVES = {
    "open": ({ProjectStatus.DRAFT, ProjectStatus.CLOSED}, ProjectStatus.OPEN),
    "close": ({ProjectStatus.OPEN}, ProjectStatus.CLOSED),
}


@dataclass(frozen=True)
class ProjectFields:
    """What the operator writes about a project. ``beneficiary_org_id`` names an organisation
    on the platform (its names are then used); otherwise the beneficiary names are required."""

    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    goal_points: int
    starts_on: date
    ends_on: date
    beneficiary_zh: str = ""
    beneficiary_en: str = ""
    beneficiary_org_id: int | None = None


def _require_operator(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(_l("Only the operator may manage public-welfare projects."))


def _apply(project: Project, fields: ProjectFields) -> None:
    """Check every value (InvalidInput names the field) and write it onto ``project``."""
    if fields.ends_on < fields.starts_on:
        raise InvalidInput(_l("The project must end on or after its first day."), field="ends_on")
    beneficiary = (fields.beneficiary_zh, fields.beneficiary_en)
    if fields.beneficiary_org_id is not None:
        org = session().get(Organisation, fields.beneficiary_org_id)
        if org is None:
            raise InvalidInput(_l("Choose an organisation."), field="beneficiary_org_id")
        beneficiary = (org.name_zh, org.name_en)
    project.title_zh = plain_text(fields.title_zh, "title_zh", 80)
    project.title_en = plain_text(fields.title_en, "title_en", 120)
    project.summary_zh = plain_text(fields.summary_zh, "summary_zh", TERMS_MAX, multiline=True)
    project.summary_en = plain_text(fields.summary_en, "summary_en", TERMS_MAX, multiline=True)
    project.beneficiary_zh = plain_text(beneficiary[0], "beneficiary_zh", 120)
    project.beneficiary_en = plain_text(beneficiary[1], "beneficiary_en", 160)
    project.beneficiary_org_id = fields.beneficiary_org_id
    project.goal_points = whole_number(fields.goal_points, "goal_points", 1, rules.MAX_GOAL_POINTS)
    project.starts_on, project.ends_on = fields.starts_on, fields.ends_on


def save_project(
    *, actor: User, fields: ProjectFields, project_id: int | None = None, ip: str | None = None
) -> Project:
    """Create a draft project (``project_id`` None) or edit one. Operator only; audited."""
    _require_operator(actor)
    with transaction() as db:
        project = Project(created_by_id=actor.id, status=ProjectStatus.DRAFT.value)
        if project_id is not None:
            project = _project(project_id)
        _apply(project, fields)
        db.add(project)
        db.flush()
        record_audit(
            "welfare.project_created" if project_id is None else "welfare.project_edited",
            actor_id=actor.id,
            subject_type="welfare_project",
            subject_id=project.id,
            ip=ip,
            details={"goal_points": project.goal_points},
        )
    return project


def move_project(*, actor: User, project_id: int, move: str, ip: str | None = None) -> Project:
    """Open (from draft or closed) or close (from open) a project. Operator only; audited."""
    _require_operator(actor)
    if move not in MOVES:
        raise InvalidInput(_l("Unknown action."))
    sources, target = MOVES[move]
    with transaction():
        project = _project(project_id)
        if project.status not in sources:
            raise Conflict(_l("The project cannot do that in its present status."))
        project.status = target.value
        record_audit(
            "welfare.project_opened" if move == "open" else "welfare.project_closed",
            actor_id=actor.id,
            subject_type="welfare_project",
            subject_id=project.id,
            ip=ip,
        )
    return project


def post_update(
    *, actor: User, project_id: int, text_zh: str, text_en: str, ip: str | None = None
) -> ProjectUpdate:
    """Post a bilingual progress update dated today on a project. Operator only; audited."""
    _require_operator(actor)
    with transaction() as db:
        project = _project(project_id)
        update = ProjectUpdate(
            project_id=project.id,
            text_zh=plain_text(text_zh, "text_zh", TERMS_MAX, multiline=True),
            text_en=plain_text(text_en, "text_en", TERMS_MAX, multiline=True),
            posted_on=local_today(),
            created_by_id=actor.id,
        )
        db.add(update)
        db.flush()
        record_audit(
            "welfare.update_posted",
            actor_id=actor.id,
            subject_type="welfare_project",
            subject_id=project.id,
            ip=ip,
            details={"update_id": update.id},
        )
    return update


def _project(project_id: int) -> Project:
    project = session().get(Project, project_id)
    if project is None:
        raise NotFound(_l("No such project."))
    return project


def donate(*, donor: User, project_id: int, points: object, form_token: str) -> Donation:
    """Give ``points`` (whole, ≥ 1, at most the donor's balance) of ``donor``'s points to an open
    project within its dates, in one transaction: the ledger posting (key
    ``donate:<form_token>``), the donation row and its certificate. A replay of the same token
    returns the first donation and moves nothing again. Any citizen may call it for themself;
    one under 14 only while a guardian's consent is in force (NotAllowed otherwise)."""
    amount = rules.donation_points(points)
    if not isinstance(form_token, str) or not rules.FORM_TOKEN.fullmatch(form_token):
        raise InvalidInput(_l("The form expired. Reload the page and try again."))
    key = f"donate:{form_token}"
    with transaction() as db:
        if (done := _replayed(key, donor)) is not None:
            return done
        project = _project(project_id)
        refused = rules.refusal(project.status, project.starts_on, project.ends_on, local_today())
        if refused is not None:
            raise refused
        require_may_spend(donor.id)  # before the ledger: the user row is locked first
        citizen_account = ensure_user_accounts([donor.id])[donor.id]
        project_account = owned_account_id(AccountKind.PROJECT, project.id)
        (tx_id,) = append(
            [
                Posting(
                    idempotency_key=key,
                    kind="donation",
                    entries=((citizen_account, -amount), (project_account, amount)),
                    memo={"project_id": project.id},
                )
            ]
        )
        if tx_id is None:  # a racing replay committed first
            if (done := _replayed(key, donor)) is not None:
                return done
            raise Conflict(_l("This donation was already made."))
        certificate = issue_certificate(
            CertificateKind.DONATION,
            donor,
            _certificate_text(project, amount),
            achievement_key=f"donation:project:{project.id}",
            idempotency_key=key,
            details={"points": amount, "project_id": project.id},
        )
        donation = Donation(
            user_id=donor.id,
            project_id=project.id,
            points=amount,
            ledger_transaction_id=tx_id,
            certificate_code=certificate.code,
            idempotency_key=key,
        )
        with unless_taken(Conflict(_l("This donation was already made."))), db.begin_nested():
            db.add(donation)
        return donation


def _replayed(key: str, donor: User) -> Donation | None:
    donation = session().scalars(select(Donation).where(Donation.idempotency_key == key)).first()
    if donation is not None and donation.user_id != donor.id:
        raise Conflict(_l("This donation was already made."))
    return donation


def _certificate_text(project: Project, points: int) -> CertificateText:
    return CertificateText(
        title_zh=f"公益捐赠证书：{project.title_zh}",
        title_en=f"Donation certificate: {project.title_en}",
        description_zh=f"持有人向公益项目“{project.title_zh}”捐赠了 {points} 碳积分。",
        description_en=f"The holder donated {points} carbon points to {project.title_en}.",
    )
