"""Issuing (idempotently), revoking with a reason (audited), and the carbon milestone job."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent, Role
from portal.certificates import queries, services
from portal.certificates.jobs import MILESTONES_JOB
from portal.certificates.milestones import MILESTONES, reached
from portal.certificates.models import Certificate, CertificateKind
from portal.certificates.reasons import FRAUD, ISSUED_IN_ERROR
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.scheduler.runs import run_job
from portal.scheduler.table import build_job_table
from tests import factories


def _count(db: Any, model: Any, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def test_issue_keeps_the_alias_and_both_languages(db: Any) -> None:
    user = factories.make_user(display_name="绿色骑手")
    cert = factories.make_certificate(user)
    assert cert.subject_alias == "绿色骑手"
    assert cert.title_zh.startswith("公益捐赠证书") and cert.title_en.startswith("Donation")
    assert queries.get_certificate(cert.code) is cert
    assert len(cert.code) >= 22  # 16 random bytes, 128 bits
    assert _count(db, AuditEvent, AuditEvent.action == "certificate.issue") == 1


def test_codes_differ_and_unknown_codes_are_none(db: Any) -> None:
    user = factories.make_user()
    codes = {factories.make_certificate(user).code for _ in range(5)}
    assert len(codes) == 5
    assert queries.get_certificate("no-such-code") is None


def test_codes_never_start_like_a_command_line_option(monkeypatch: Any) -> None:
    drawn = iter(["-Tabc", "_Uabc", "Vabc"])
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda n: next(drawn))
    assert services.new_code() == "Vabc"


def test_same_idempotency_key_returns_the_first_certificate(db: Any) -> None:
    user = factories.make_user()
    first = factories.make_certificate(user, idempotency_key="donation:7")
    again = factories.make_certificate(user, idempotency_key="donation:7")
    assert again.id == first.id
    assert _count(db, Certificate) == 1


def test_an_idempotency_key_of_another_holder_is_a_conflict(db: Any) -> None:
    factories.make_certificate(factories.make_user(), idempotency_key="donation:8")
    with pytest.raises(Conflict):
        factories.make_certificate(factories.make_user(), idempotency_key="donation:8")


def test_a_certificate_needs_text_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as error:
        services.CertificateText("标题", " ", "说明", "What it says")
    assert error.value.field == "title_en"


def test_admin_revokes_with_a_reason_and_it_is_audited(db: Any) -> None:
    cert = factories.make_certificate(factories.make_user())
    admin = factories.make_user_with_role(Role.ADMIN)
    services.revoke_certificate(cert.code, FRAUD, actor=admin, ip="203.0.113.9")
    assert cert.is_revoked and cert.revoked_reason == FRAUD and cert.revoked_by_id == admin.id
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.revoke")
    ).one()
    assert event.actor_id == admin.id and event.subject_id == str(cert.id)
    assert event.details["reason"] == FRAUD and event.ip == "203.0.113.9"
    with pytest.raises(Conflict):
        services.revoke_certificate(cert.code, FRAUD, actor=admin)


def test_the_platform_may_revoke_without_an_actor(db: Any) -> None:
    cert = factories.make_certificate(factories.make_user())
    services.revoke_certificate(cert.code, ISSUED_IN_ERROR, actor=None)
    assert cert.is_revoked and cert.revoked_by_id is None


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.OFFICIAL, Role.MERCHANT])
def test_only_an_admin_may_revoke(db: Any, role: Role) -> None:
    holder = factories.make_user()
    cert = factories.make_certificate(holder)
    with pytest.raises(NotAllowed):
        services.revoke_certificate(cert.code, FRAUD, actor=factories.make_user_with_role(role))
    with pytest.raises(NotAllowed):  # not even the holder
        services.revoke_certificate(cert.code, FRAUD, actor=holder)
    assert not cert.is_revoked


def test_revoking_needs_a_known_reason_and_code(db: Any) -> None:
    cert = factories.make_certificate(factories.make_user())
    admin = factories.make_user_with_role(Role.ADMIN)
    with pytest.raises(InvalidInput):
        services.revoke_certificate(cert.code, "because", actor=admin)
    with pytest.raises(NotFound):
        services.revoke_certificate("no-such-code", FRAUD, actor=admin)
    assert not cert.is_revoked


def test_milestones_reached_by_grams() -> None:
    assert reached(9_999) == []
    assert [m.key for m in reached(10_000)] == ["milestone-10kg"]
    assert [m.key for m in reached(1_000_000)] == [m.key for m in MILESTONES]


def test_milestone_job_issues_each_milestone_once(db: Any) -> None:
    rider, walker, newcomer = (factories.make_user() for _ in range(3))
    factories.add_reduction(rider, 60_000)
    factories.add_reduction(rider, 45_000)  # 105 kg: 10 kg and 100 kg
    factories.add_reduction(walker, 10_000)
    factories.add_reduction(newcomer, 9_999)
    factories.add_reduction(newcomer, 50_000, reversed_=True)  # reversed grams do not count
    assert services.issue_milestone_certificates() == 3
    assert services.issue_milestone_certificates() == 0  # a rerun issues nothing twice
    held = {c.achievement_key for c in queries.list_certificates(rider.id)}
    assert held == {"milestone-10kg", "milestone-100kg"}
    assert [c.title_zh for c in queries.list_certificates(walker.id)] == [
        "碳减排里程碑：累计减排 10 千克"
    ]
    assert queries.list_certificates(newcomer.id) == []
    factories.add_reduction(walker, 900_000)  # 910 kg: now the 100 kg one, not yet 1 t
    assert services.issue_milestone_certificates() == 1


def test_a_revoked_milestone_is_not_issued_again(db: Any) -> None:
    user = factories.make_user()
    factories.add_reduction(user, 12_000)
    services.issue_milestone_certificates()
    (cert,) = queries.list_certificates(user.id)
    services.revoke_certificate(cert.code, ISSUED_IN_ERROR, actor=None)
    assert services.issue_milestone_certificates() == 0
    assert cert.kind == CertificateKind.MILESTONE.value


def test_milestone_job_runs_from_the_job_table(app: Any, db: Any) -> None:
    assert MILESTONES_JOB in build_job_table()
    factories.add_reduction(factories.make_user(), 10_000)
    assert run_job(app, MILESTONES_JOB).details == {"issued": 1}
    assert run_job(app, MILESTONES_JOB).details == {"issued": 0}
