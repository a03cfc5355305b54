"""Registering a partner platform: its name, the scenarios it may report, its signing secret."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import Organisation, OrgKind
from portal.activities.models import Partner
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput
from portal.methodology.models import Methodology, MethodologyStatus

PUBLIC_ID_PREFIX = "ptn_"
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # 256-bit HMAC key, as Standard Webhooks recommends (24–64 bytes)


def _filed_codes(codes: Iterable[str]) -> list[str]:
    wanted = sorted({c.strip().upper() for c in codes if c and c.strip()})
    if not wanted:
        raise InvalidInput(
            _l("Authorise the partner for at least one scenario."), field="methodology_codes"
        )
    filed = set(
        session().scalars(
            select(Methodology.code).where(
                Methodology.code.in_(wanted), Methodology.status == MethodologyStatus.FILED.value
            )
        )
    )
    unknown = [c for c in wanted if c not in filed]
    if unknown:
        raise InvalidInput(
            _l("No filed methodology has the code: %(codes)s.", codes=", ".join(unknown)),
            field="methodology_codes",
        )
    return wanted


def create_partner(
    *, name: str, methodology_codes: Iterable[str], organisation_id: int | None = None
) -> tuple[Partner, str]:
    """Register a partner platform authorised for the given filed methodology codes.

    Returns the partner and its Standard Webhooks signing secret (``whsec_`` + base64 of 32
    random bytes). The secret is shown to the operator once; the API verifies every request
    with it. For operators (the ``flask partner create`` command); audited with no actor.
    """
    clean_name = name.strip()
    if not 1 <= len(clean_name) <= 120:
        raise InvalidInput(_l("The name must be 1 to 120 characters."), field="name")
    with transaction() as db:
        codes = _filed_codes(methodology_codes)
        if db.scalar(select(Partner.id).where(Partner.name == clean_name)):
            raise Conflict(_l("A partner with this name already exists."), field="name")
        if organisation_id is not None:
            org = db.get(Organisation, organisation_id)
            if org is None or org.kind != OrgKind.PARTNER.value:
                raise InvalidInput(
                    _l("The organisation must exist and be of the kind partner."),
                    field="organisation_id",
                )
        secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
        partner = Partner(
            public_id=PUBLIC_ID_PREFIX + secrets.token_urlsafe(12),  # 16 url-safe characters
            name=clean_name,
            organisation_id=organisation_id,
            signing_secret=secret,
            methodology_codes=codes,
            is_active=True,
        )
        db.add(partner)
        db.flush()
        record_audit(
            "partner.create",
            actor_id=None,
            subject_type="partner",
            subject_id=partner.id,
            details={
                "name": partner.name,
                "public_id": partner.public_id,
                "methodology_codes": codes,
                "organisation_id": organisation_id,
            },
        )
    return partner, secret
