"""Methodology: drafts filed by a developer, and the ids of the seeded methodologies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.db import session
from portal.methodology import services
from portal.methodology.models import Methodology
from portal.methodology.seed_specs import get_spec
from portal.methodology.versions import definition_from_spec


def make_draft(
    developer: User, org_id: int | None = None, code: str = "JLCH-TR-901", **changes: Any
) -> Methodology:
    """A draft of a new cycling methodology (the filed cycling definition), through the service,
    by ``developer`` for ``org_id`` (by default their first organisation)."""
    values: dict[str, Any] = {
        "code": code,
        "scenario_code": "cycling_v2",
        "title_zh": "骑行（新版）",
        "title_en": "Cycling (new)",
        "category": "transport",
        "definition": definition_from_spec(get_spec("JLCH-TR-003")),
        "is_saleable": True,
    }
    values.update(changes)
    if org_id is None:
        org_id = developer.memberships[0].organisation_id
    return services.create_draft(actor=developer, organisation_id=org_id, **values)


def methodology_id(code: str) -> int:
    """The id of a seeded methodology (``seed_filed_methodologies`` must have run)."""
    found = session().scalar(select(Methodology.id).where(Methodology.code == code))
    assert found is not None, code
    return found
