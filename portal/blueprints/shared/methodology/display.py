"""What a methodology page shows in every area: the version shown, its parsed definition, the
history with each actor reduced to a kind of organisation, and the template helpers that go with
them. Blueprints register :func:`presentation` with ``bp.context_processor(presentation)`` and
render with the macros of ``templates/macros/methodology.html``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.accounts import queries as account_queries
from portal.accounts.models import OrgKind
from portal.blueprints.shared.methodology.labels import (
    ACTION_LABELS,
    ACTOR_LABELS,
    CONFIDENCE_LABELS,
    EVIDENCE_LABELS,
    PERIOD_LABELS,
    PLATFORM_DEVELOPER,
    SEED_CHANGE_NOTES,
    STATUS_CLASSES,
    STATUS_LABELS,
)
from portal.clock import utcnow
from portal.methodology import queries
from portal.methodology.categories import CATEGORIES
from portal.methodology.models import Methodology, MethodologyVersion
from portal.methodology.texts import (
    MethodologyTexts,
    NamedText,
    get_texts,
    stored_factor,
    stored_text,
)
from portal.methodology.versions import VersionSpec, spec_from_definition
from portal.web.i18n import language, localized


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    comment: str
    actor_kind: str
    actor_name: str | None  # for the developer and official areas only, never the public page


def history_rows(methodology: Methodology) -> list[HistoryRow]:
    """The methodology's events with each actor reduced to the kind of organisation acting."""
    events = queries.list_history(methodology.id)
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    kinds = account_queries.list_organisation_kinds(actor_ids) if actor_ids else {}
    names = account_queries.get_display_names(actor_ids) if actor_ids else {}
    rows = []
    for event in events:
        if event.actor_id is None:
            kind = "platform"
        else:
            orgs = kinds.get(event.actor_id, set())
            if any(org_id == methodology.developer_org_id for org_id, _ in orgs):
                kind = "developer"
            elif any(org_kind == OrgKind.REGULATOR for _, org_kind in orgs):
                kind = "official"
            else:
                kind = "operator"
        rows.append(
            HistoryRow(
                at=event.created_at,
                action=event.action,
                from_status=event.from_status,
                to_status=event.to_status,
                comment=event.comment,
                actor_kind=kind,
                actor_name=names.get(event.actor_id) if event.actor_id else None,
            )
        )
    return rows


def shown_version(
    methodology: Methodology, *, include_unfiled: bool = False
) -> MethodologyVersion | None:
    """The version in force now, else the latest filed one; with ``include_unfiled`` the
    version under work (a draft's or a submission's) wins, for the developer and the reviewer."""
    versions = methodology.versions
    if include_unfiled and versions and not versions[-1].is_filed:
        return versions[-1]
    in_force = queries.get_version_in_force(methodology.id, utcnow())
    if in_force is not None:
        return in_force
    filed = [v for v in versions if v.is_filed]
    return filed[-1] if filed else None


def version_spec(version: MethodologyVersion) -> VersionSpec:
    return spec_from_definition(version.definition)


def developer_name(methodology: Methodology) -> str:
    if methodology.developer_org_id is None:
        return str(PLATFORM_DEVELOPER)
    org = account_queries.get_organisation(methodology.developer_org_id)
    return "" if org is None else (org.name_en if language() == "en" else org.name_zh)


def category_name(code: str) -> str:
    for category in CATEGORIES:
        if category.code == code:
            return category.name_en if language() == "en" else category.name_zh
    return code


def texts_for(
    methodology: Methodology,
    version: MethodologyVersion | None = None,
    snapshot: Mapping[str, Mapping[str, Any]] | None = None,
) -> MethodologyTexts:
    """What a reader sees of ``methodology`` in words, in the reader's language.

    Seed methodologies are described in ``data/texts.yaml``. One filed by officials through the
    forms has what they wrote: its title for the behaviour, the citizen texts of the ``version``
    in the reader's language, else its prose as written; each factor in words, else its code
    with its basis (from the version, or the reduction's factor ``snapshot``) as the note; each
    record parameter's label in the reader's language as its name.
    """
    lang = language()
    found = get_texts(methodology.code, lang)
    if found is not None:
        return found
    spec = version_spec(version) if version else None
    definition = version.definition if version else {}
    basis = {f.name: f.basis for f in spec.factors} if spec else {}
    basis.update({name: str(f.get("basis", "")) for name, f in (snapshot or {}).items()})
    prose = (spec.formula_text, spec.interpretation, spec.notes) if spec else ()
    return MethodologyTexts(
        scenario=localized(methodology, "title"),
        description=stored_text(definition, "description", lang) or " ".join(p for p in prose if p),
        activity=stored_text(definition, "activity", lang) or (spec.unit_text if spec else ""),
        caps=stored_text(definition, "caps", lang) or (spec.caps_text if spec else ""),
        factors={
            name: stored_factor(definition, name, lang) or NamedText(name, note)
            for name, note in basis.items()
        },
        parameters={
            p.name: NamedText(localized(p, "label"), "") for p in (spec.parameters if spec else ())
        },
    )


def presentation() -> dict[str, Any]:
    """Template helpers for methodology pages in every area."""
    return {
        "status_labels": STATUS_LABELS,
        "status_classes": STATUS_CLASSES,
        "action_labels": ACTION_LABELS,
        "actor_labels": ACTOR_LABELS,
        "confidence_labels": CONFIDENCE_LABELS,
        "evidence_labels": EVIDENCE_LABELS,
        "period_labels": PERIOD_LABELS,
        "seed_change_notes": SEED_CHANGE_NOTES,
        "category_name": category_name,
        "developer_name": developer_name,
        "texts_for": texts_for,
    }
