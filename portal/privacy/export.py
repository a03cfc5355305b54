"""The citizen's data export (PIPL, DESIGN.md §8): one JSON document with everything the
platform holds about them, streamed section by section.

``SECTIONS`` lists (name, builder) pairs in document order; a builder takes the user id and
returns a JSON value, or an iterator of values that is written as a list as it is read (the
records, reductions and ledger entries of a busy citizen never sit in memory whole). Each
builder reads its table in one statement, joined to what it names (no query per row). To add
a section, write a builder and append it to ``SECTIONS`` (the engagement sections are plain
statements, kept in ``engagement.py``). Amounts stay integers; datetimes are
ISO 8601 in UTC; evidence photos appear as metadata, never as bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from portal.accounts.models import (
    AuditEvent,
    GuardianConsent,
    GuardianInvitation,
    Membership,
    Organisation,
    User,
)
from portal.accounts.queries import personal_data_reads
from portal.activities.models import AccountLink, BehaviorRecord, Evidence, Partner, Reduction
from portal.certificates.models import Certificate
from portal.db import session
from portal.ledger.queries import get_balance, get_points_account_id, iter_entries
from portal.mall.models import Voucher
from portal.merchants.models import OfferRevision
from portal.methodology.models import Methodology
from portal.notifications.models import Notification
from portal.privacy.engagement import ENGAGEMENT
from portal.welfare.models import Donation, Project

SCHEMA = "tanhui-jilin/my-data/1"
YIELD_PER = 1000  # rows read per batch
CHUNK = 65_536  # characters sent per piece of the response

Builder = Callable[[int], Any]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain)


def _rows(stmt: Select[*tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """Each row of ``stmt`` as a dict by its column labels, read in batches."""
    for row in session().execute(stmt, execution_options={"yield_per": YIELD_PER}):
        yield dict(row._mapping)


def _rows_of(statement: Callable[[int], Select[*tuple[Any, ...]]]) -> Builder:
    return lambda user_id: _rows(statement(user_id))


def profile(user_id: int) -> dict[str, Any]:
    user = session().get(User, user_id)
    assert user is not None
    return {
        "user_id": user.id,
        "phone": user.phone,
        "email": user.email,
        "display_name": user.display_name,
        "city_code": user.city_code,
        "district": user.district,
        "locale": user.locale,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


def consents(user_id: int) -> dict[str, Any]:
    user = session().get(User, user_id)
    assert user is not None
    return {
        "privacy_notice": {
            "version": user.privacy_notice_version,
            "consented_at": user.consented_at,
        }
    }


def privacy_settings(user_id: int) -> dict[str, Any]:
    user = session().get(User, user_id)
    assert user is not None
    return {
        "public_alias": user.display_name,
        "is_publicly_listed": user.is_publicly_listed,
        "birth_year": user.birth_year,
    }


def guardian_consents(user_id: int) -> Iterator[dict[str, Any]]:
    """Consents given for me (``role`` minor) and by me (``role`` guardian); the other person
    appears by account id only."""
    c = GuardianConsent
    for row in _rows(
        select(
            c.id,
            c.minor_id,
            c.guardian_id,
            c.notice_version,
            c.consented_at,
            c.ended_at,
            c.end_code,
        )
        .where(or_(c.minor_id == user_id, c.guardian_id == user_id))
        .order_by(c.id)
    ):
        yield {"role": "minor" if row["minor_id"] == user_id else "guardian", **row}


def guardian_invitations(user_id: int) -> Iterator[dict[str, Any]]:
    """The invitations I sent a guardian (the token itself is never stored, so never given)."""
    i = GuardianInvitation
    return _rows(
        select(i.id, i.contact, i.created_at, i.expires_at, i.accepted_at, i.cancelled_at)
        .where(i.minor_id == user_id)
        .order_by(i.id)
    )


def records(user_id: int) -> Iterator[dict[str, Any]]:
    r, e = BehaviorRecord, Evidence
    return _rows(
        select(
            r.id,
            Methodology.code.label("methodology_code"),
            Methodology.scenario_code,
            r.channel,
            Partner.name.label("partner"),
            r.external_id,
            r.quantity_milli,
            r.unit,
            r.parameters,
            r.occurred_at,
            r.ended_at,
            r.note,
            r.status,
            r.flags,
            r.review_code,
            r.review_params,
            r.reviewed_at,
            r.appeal_comment,
            r.appealed_at,
            r.superseded_by_id,
            r.created_at,
            e.content_type.label("evidence_content_type"),
            e.size_bytes.label("evidence_size_bytes"),
            e.sha256.label("evidence_sha256"),
            e.created_at.label("evidence_uploaded_at"),
        )
        .join(Methodology, Methodology.id == r.methodology_id)
        .outerjoin(Partner, Partner.id == r.partner_id)
        .outerjoin(e, e.id == r.evidence_id)
        .where(r.user_id == user_id)
        .order_by(r.id)
    )


def reductions(user_id: int) -> Iterator[dict[str, Any]]:
    d = Reduction
    return _rows(
        select(
            d.id,
            d.record_id,
            Methodology.code.label("methodology_code"),
            d.version_id,
            d.occurred_at,
            d.gross_grams,
            d.capped_grams,
            d.net_grams,
            d.points,
            d.capped_by,
            d.credited_quantity_milli,
            d.ledger_transaction_id,
            d.created_at,
            d.reversed_at,
        )
        .join(Methodology, Methodology.id == d.methodology_id)
        .where(d.user_id == user_id)
        .order_by(d.id)
    )


def points(user_id: int) -> dict[str, Any]:
    return {"account_id": get_points_account_id(user_id), "balance": get_balance(user_id)}


def ledger_entries(user_id: int) -> Iterator[dict[str, Any]]:
    account_id = get_points_account_id(user_id)
    if account_id is None:
        return iter(())
    return (
        {"id": e, "transaction_id": t, "posted_at": at, "kind": k, "points": p, "memo": m}
        for e, t, at, k, p, m in iter_entries(account_id)
    )


def vouchers(user_id: int) -> Iterator[dict[str, Any]]:
    v = Voucher
    return _rows(
        select(
            v.id,
            v.code,
            OfferRevision.title_zh.label("offer_title_zh"),
            OfferRevision.title_en.label("offer_title_en"),
            v.points_cost,
            v.status,
            v.issued_at,
            v.expires_at,
            v.used_at,
            v.expired_at,
            v.cancelled_at,
        )
        .join(OfferRevision, OfferRevision.id == v.revision_id)
        .where(v.user_id == user_id)
        .order_by(v.id)
    )


def donations(user_id: int) -> Iterator[dict[str, Any]]:
    d = Donation
    return _rows(
        select(
            d.id,
            d.project_id,
            Project.title_zh.label("project_title_zh"),
            Project.title_en.label("project_title_en"),
            d.points,
            d.ledger_transaction_id,
            d.certificate_code,
            d.created_at,
        )
        .join(Project, Project.id == d.project_id)
        .where(d.user_id == user_id)
        .order_by(d.id)
    )


def certificates(user_id: int) -> Iterator[dict[str, Any]]:
    c = Certificate
    return _rows(
        select(
            c.code,
            c.kind,
            c.achievement_key,
            c.subject_alias,
            c.title_zh,
            c.title_en,
            c.details,
            c.issued_at,
            c.revoked_at,
            c.revoked_reason,
        )
        .where(c.subject_id == user_id)
        .order_by(c.id)
    )


def notifications(user_id: int) -> Iterator[dict[str, Any]]:
    n = Notification
    return _rows(
        select(n.id, n.kind, n.params, n.link, n.created_at, n.read_at)
        .where(n.user_id == user_id)
        .order_by(n.id)
    )


def partner_links(user_id: int) -> Iterator[dict[str, Any]]:
    a = AccountLink
    return _rows(
        select(Partner.name.label("partner"), a.partner_user_ref, a.linked_at, a.unlinked_at)
        .join(Partner, Partner.id == a.partner_id)
        .where(a.user_id == user_id)
        .order_by(a.id)
    )


def memberships(user_id: int) -> Iterator[dict[str, Any]]:
    m, o = Membership, Organisation
    return _rows(
        select(
            o.name_zh.label("organisation_zh"),
            o.name_en.label("organisation_en"),
            o.kind.label("organisation_kind"),
            m.role,
            m.created_at,
        )
        .join(o, o.id == m.organisation_id)
        .where(m.user_id == user_id)
        .order_by(m.id)
    )


def data_reads(user_id: int) -> Iterator[dict[str, Any]]:
    """Who read my data: each read with the organisations its reader acted for (one query)."""
    reads = personal_data_reads(user_id).subquery()
    org = aliased(Organisation)
    rows = session().execute(
        select(reads.c.id, reads.c.occurred_at, reads.c.details, org.name_zh, org.name_en)
        .outerjoin(Membership, Membership.user_id == reads.c.actor_id)
        .outerjoin(org, org.id == Membership.organisation_id)
        .order_by(reads.c.id.desc(), org.id)
    )
    current: dict[str, Any] | None = None
    for event_id, at, details, name_zh, name_en in rows:
        if current is None or current["id"] != event_id:
            if current is not None:
                yield current
            current = {"id": event_id, "occurred_at": at, "details": details, "readers": []}
        if name_zh is not None:
            current["readers"].append({"zh": name_zh, "en": name_en})
    if current is not None:
        yield current


def audit_events(user_id: int) -> Iterator[dict[str, Any]]:
    """The audit events where the citizen acted or was the subject; the address recorded is
    given only for their own actions."""
    a = AuditEvent
    mine = a.actor_id == user_id
    about_me = (a.subject_type == "user") & (a.subject_id == str(user_id))
    for row in _rows(
        select(
            a.id, a.occurred_at, a.action, a.subject_type, a.subject_id, a.details, a.actor_id, a.ip
        )
        .where(or_(mine, about_me))
        .order_by(a.id)
    ):
        by_me = row.pop("actor_id") == user_id
        ip = row.pop("ip")
        yield {**row, "by_me": by_me, "ip": ip if by_me else None}


SECTIONS: list[tuple[str, Builder]] = [
    ("profile", profile),
    ("consents", consents),
    ("privacy_settings", privacy_settings),
    ("guardian_consents", guardian_consents),
    ("guardian_invitations", guardian_invitations),
    ("points", points),
    ("records", records),
    ("reductions", reductions),
    ("ledger_entries", ledger_entries),
    ("vouchers", vouchers),
    ("donations", donations),
    ("certificates", certificates),
    *((name, _rows_of(statement)) for name, statement in ENGAGEMENT),
    ("notifications", notifications),
    ("partner_links", partner_links),
    ("memberships", memberships),
    ("personal_data_reads", data_reads),
    ("audit_events", audit_events),
]


def iter_export(user_id: int, generated_at: datetime) -> Iterator[str]:
    """The export of ``user_id`` as JSON text in chunks of about 64 kB: ``schema``,
    ``generated_at`` and one member per section of ``SECTIONS``. For the holder only (the
    caller checks and audits)."""
    buffer: list[str] = []
    size = 0
    for piece in _pieces(user_id, generated_at):
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    yield "".join(buffer)


def _pieces(user_id: int, generated_at: datetime) -> Iterator[str]:
    yield "{" + f'"schema": {_dumps(SCHEMA)}, "generated_at": {_dumps(generated_at)}'
    for name, build in SECTIONS:
        value = build(user_id)
        yield f",\n{_dumps(name)}: "
        if isinstance(value, Iterator):
            yield "["
            for index, item in enumerate(value):
                yield ("," if index else "") + "\n  " + _dumps(item)
            yield "\n]"
        else:
            yield _dumps(value)
    yield "\n}\n"
