"""Public welfare: an open project and points for a donor to give."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from portal.accounts.models import User
from portal.clock import local_today
from portal.db import transaction
from portal.ledger import services as ledger
from portal.welfare import services
from portal.welfare.models import Project


def project_fields(**fields: Any) -> services.ProjectFields:
    today = local_today()
    values: dict[str, Any] = {
        "title_zh": "长白山植树",
        "title_en": "Tree planting on Changbai Mountain",
        "summary_zh": "在长白山脚下种植红松。",
        "summary_en": "Planting Korean pines at the foot of Changbai Mountain.",
        "beneficiary_zh": "长白山林业局",
        "beneficiary_en": "Changbai Mountain Forestry Bureau",
        "goal_points": 10_000,
        "starts_on": today - timedelta(days=1),
        "ends_on": today + timedelta(days=30),
    }
    values.update(fields)
    return services.ProjectFields(**values)


def make_project(operator: User, *, status: str = "open", **fields: Any) -> Project:
    """A project saved by ``operator`` (an admin), opened unless ``status`` says otherwise."""
    project = services.save_project(actor=operator, fields=project_fields(**fields))
    if status in ("open", "closed"):
        services.move_project(actor=operator, project_id=project.id, move="open")
    if status == "closed":
        services.move_project(actor=operator, project_id=project.id, move="close")
    return project


def give_points(user_id: int, points: int) -> None:
    """Credit ``points`` to the user from the issuance account, as the quantify job does."""
    with transaction():
        account = ledger.ensure_user_accounts([user_id])[user_id]
        ledger.append(
            [
                ledger.Posting(
                    f"test-grant:{secrets.token_hex(8)}",
                    "quantify.credit",
                    ((ledger.issuance_account_id(), -points), (account, points)),
                )
            ]
        )


def form_token() -> str:
    return secrets.token_urlsafe(24)
