"""The flush-only steps every filing shares: checking a definition, refusing one that cannot be
filed, a version's confidence, filing the next version and writing the history and audit entry.

``services`` (an official's commands and the seed) call them inside their own transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.accounts.audit import record_audit
from portal.db import session
from portal.errors import InvalidInput
from portal.methodology.models import Methodology, MethodologyEvent, MethodologyVersion
from portal.methodology.versions import (
    NO_GRAMS_CAP,
    NO_RANGE,
    VersionSpec,
    filing_problems,
    spec_from_definition,
)


def record_event(
    methodology: Methodology,
    action: str,
    *,
    actor_id: int | None,
    from_status: str | None = None,
    comment: str = "",
    version_id: int | None = None,
) -> None:
    session().add(
        MethodologyEvent(
            methodology_id=methodology.id,
            version_id=version_id,
            actor_id=actor_id,
            action=action,
            from_status=from_status,
            to_status=methodology.status,
            comment=comment,
        )
    )
    record_audit(
        f"methodology.{action}",
        actor_id=actor_id,
        subject_type="methodology",
        subject_id=methodology.id,
        details={"code": methodology.code, "to": methodology.status, "comment": comment[:500]},
    )


def check_definition(definition: dict[str, Any]) -> None:
    try:
        spec_from_definition(definition)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise InvalidInput(
            _l("The methodology definition is invalid: %(why)s", why=str(exc))
        ) from exc


def check_fileable(definition: dict[str, Any]) -> None:
    """Refuse to file a definition without a grams cap or a plausible range per parameter."""
    problems = filing_problems(spec_from_definition(definition))
    if not problems:
        return
    code, name = problems[0]
    if code == NO_GRAMS_CAP:
        raise InvalidInput(
            _l(
                "A filed version needs a cap in grams CO₂e per person for at least one period "
                "(day, month or year), so that no value can credit without bound."
            )
        )
    if code == NO_RANGE:
        raise InvalidInput(
            _l("Give the record value %(name)s a largest plausible value.", name=name)
        )
    raise InvalidInput(_l("The plausible range of %(name)s ends below where it starts.", name=name))


def version_confidence(spec: VersionSpec) -> str:
    """A version is as trustworthy as its weakest factor (estimate < derived < published)."""
    confidences = {f.confidence for f in spec.factors}
    for level in ("estimate", "derived"):
        if level in confidences:
            return level
    return "published"


def file_next_version(
    methodology: Methodology,
    *,
    definition: dict[str, Any],
    effective_from: datetime,
    change_note: str,
    is_saleable: bool,
    actor_id: int | None,
) -> MethodologyVersion:
    """File ``definition`` as the methodology's next version from ``effective_from``, ending the
    current one then; flush-only, for :func:`publish_version` and the seed."""
    check_fileable(definition)
    spec = spec_from_definition(definition)
    current = [v for v in methodology.versions if v.is_filed and v.effective_to is None]
    for version in current:
        if effective_from <= version.effective_from:
            raise InvalidInput(
                _l("The new version must take effect after the current one."),
                field="effective_from",
            )
        version.effective_to = effective_from
    version = MethodologyVersion(
        methodology_id=methodology.id,
        version_no=max(v.version_no for v in methodology.versions) + 1,
        effective_from=effective_from,
        activity_unit=spec.activity_unit,
        is_saleable=is_saleable,
        confidence=version_confidence(spec),
        definition=definition,
        change_note=change_note,
        is_filed=True,
        created_by_id=actor_id,
    )
    methodology.versions.append(version)
    session().flush()
    record_event(
        methodology,
        "publish_version",
        actor_id=actor_id,
        from_status=methodology.status,
        comment=change_note,
        version_id=version.id,
    )
    return version
