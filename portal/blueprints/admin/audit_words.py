"""The audit log in words: each event's action, subject and details in the reader's language,
with the stored codes kept beside them (what the search form takes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts import queries as account_queries
from portal.accounts.models import AuditEvent
from portal.activities import queries as activity_queries
from portal.activities.intake.checks import FLAG_LABELS
from portal.blueprints.admin.forms import MEMBER_ROLE_LABELS, ORG_KIND_LABELS
from portal.blueprints.shared.methodology.labels import ACTION_LABELS as METHODOLOGY_ACTIONS
from portal.blueprints.shared.methodology.labels import STATUS_LABELS
from portal.certificates.reasons import REVOCATION_REASONS
from portal.web.i18n import language, localized

ACTION_LABELS = {
    "auth.register": _l("Account opened"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.revoke": _l("Certificate revoked"),
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("Login failed"),
    "auth.logout": _l("Logged out"),
    "auth.password_changed": _l("Password changed"),
    "link.code_created": _l("Link code created"),
    "link.created": _l("Partner account linked"),
    "link.removed": _l("Partner account unlinked"),
    "org.create": _l("Organisation created"),
    "org.grant": _l("Role granted"),
    "org.revoke": _l("Role withdrawn"),
    "partner.create": _l("Partner platform registered"),
    "partner.csv_upload": _l("Partner CSV uploaded"),
    "personal_data.read": _l("Personal data read"),
    "record.appealed": _l("Record appealed"),
    "record.approved": _l("Record approved"),
    "record.rejected": _l("Record rejected"),
    "user.admin_granted": _l("Administrator rights granted"),
    "user.admin_withdrawn": _l("Administrator rights withdrawn"),
    "welfare.project_created": _l("Public-welfare project created"),
    "welfare.project_edited": _l("Public-welfare project edited"),
    "welfare.project_opened": _l("Public-welfare project opened"),
    "welfare.project_closed": _l("Public-welfare project closed"),
    "welfare.update_posted": _l("Project update posted"),
    "campaign.created": _l("Campaign created"),
    "campaign.edited": _l("Campaign edited"),
    "campaign.funded": _l("Campaign budget funded"),
    "case.recorded": _l("Carbon compensation case recorded"),
    "case.edited": _l("Carbon compensation case edited"),
    "registry.batch_propose": _l("Registry batch proposed"),
    "registry.sample_review": _l("Sampled record reviewed"),
    "registry.sample_complete": _l("Sample review completed"),
    "registry.verify": _l("Registry batch verified"),
    "registry.issue": _l("Registry batch issued"),
    "registry.reject": _l("Registry batch rejected"),
}
# A subject as "<kind> <name>"; %(name)s is the name, or "#<id>" when there is none.
SUBJECT_LABELS = {
    "user": _l("Account %(name)s"),
    "organisation": _l("Organisation %(name)s"),
    "partner": _l("Partner %(name)s"),
    "methodology": _l("Methodology %(name)s"),
    "behavior_record": _l("Behaviour record %(name)s"),
    "certificate": _l("Certificate %(name)s"),
    "welfare_project": _l("Public-welfare project %(name)s"),
    "campaign": _l("Campaign %(name)s"),
    "registry_case": _l("Carbon compensation case %(name)s"),
    "registry_batch": _l("Registry batch %(name)s"),
}
DETAIL_LABELS = {
    "reason": _l("Reason"),
    "goal_points": _l("Goal (points)"),
    "update_id": _l("Update"),
    "flags": _l("Flags"),
    "record_id": _l("Record"),
    "evidence_id": _l("Photo"),
    "read": _l("What was read"),
    "purpose": _l("Purpose"),
    "privacy_notice_version": _l("Privacy notice version"),
    "login": _l("Login"),
    "name": _l("Name"),
    "name_zh": _l("Name (Chinese)"),
    "kind": _l("Kind"),
    "user_id": _l("Account"),
    "organisation_id": _l("Organisation"),
    "role": _l("Role"),
    "via": _l("Through"),
    "code": _l("Code"),
    "to": _l("New status"),
    "comment": _l("Comment"),
    "public_id": _l("Public id"),
    "methodology_codes": _l("Methodologies"),
    "partner_user_ref": _l("Partner's user reference"),
    "filename": _l("File"),
    "rows": _l("Rows"),
    "accepted": _l("Accepted"),
    "duplicates": _l("Duplicates"),
    "rejected": _l("Rejected"),
    "achievement": _l("Achievement"),
    "theme": _l("Theme"),
    "cap_points": _l("Cap per person (points)"),
    "percents": _l("Multipliers (%)"),
    "grace_hours": _l("Grace window (hours)"),
    "points": _l("Points"),
    "ledger_transaction_id": _l("Ledger transaction"),
    "case_number": _l("Case number"),
    "fields": _l("Fields"),
}
# Detail values stored as codes, by detail key.
VALUE_LABELS: dict[str, Mapping[str, Any]] = {
    "flags": FLAG_LABELS,
    "kind": ORG_KIND_LABELS,
    "role": MEMBER_ROLE_LABELS,
    "to": STATUS_LABELS,
    "purpose": {"flag review": _l("flag review")},
    "read": {"record": _l("the record"), "evidence_photo": _l("the evidence photo")},
    "via": {"cli": _l("the command line")},
    "reason": REVOCATION_REASONS,
}


@dataclass(frozen=True)
class Detail:
    label: str
    key: str
    text: str
    code: str | None  # the stored value, when the words differ from it


@dataclass(frozen=True)
class AuditLine:
    event: AuditEvent
    action: str
    subject: str
    subject_code: str
    details: list[Detail]


@dataclass
class _Names:
    """Names of the users, organisations and partners a page of events mentions."""

    users: dict[int, str]
    organisations: dict[int, str]
    partners: dict[int, str]

    @classmethod
    def of(cls, events: Iterable[AuditEvent]) -> _Names:
        wanted: dict[str, set[int]] = {"user": set(), "organisation": set(), "partner": set()}
        for event in events:
            if event.subject_type in wanted and str(event.subject_id).isdigit():
                wanted[event.subject_type].add(int(str(event.subject_id)))
            for key, kind in (("user_id", "user"), ("organisation_id", "organisation")):
                if isinstance(event.details.get(key), int):
                    wanted[kind].add(event.details[key])
        organisations = account_queries.get_organisations(wanted["organisation"])
        return cls(
            users=account_queries.get_display_names(wanted["user"]),
            organisations={i: localized(org, "name") for i, org in organisations.items()},
            partners=activity_queries.get_partner_names(wanted["partner"]),
        )

    def name(self, kind: str | None, raw: object) -> str | None:
        table = {"user": self.users, "organisation": self.organisations, "partner": self.partners}
        names = table.get(kind or "")
        if names is None or not str(raw).isdigit():
            return None
        return names.get(int(str(raw)))


def _action(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    kind, _sep, move = action.partition(".")
    if kind == "methodology" and move in METHODOLOGY_ACTIONS:
        return _("Methodology: %(action)s", action=METHODOLOGY_ACTIONS[move])
    return action


def _subject(event: AuditEvent, names: _Names) -> str:
    if not event.subject_type:
        return ""
    name = names.name(event.subject_type, event.subject_id)
    if name is None and event.subject_type == "methodology":
        name = event.details.get("code")
    label = SUBJECT_LABELS.get(event.subject_type)
    shown = name or f"#{event.subject_id}"
    return str(label % {"name": shown}) if label else f"{event.subject_type} {shown}"


def _value(key: str, value: Any, names: _Names) -> str:
    if isinstance(value, list):
        separator = "；" if language() == "zh" else "; "
        return separator.join(_value(key, item, names) for item in value) if value else "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    labels = VALUE_LABELS.get(key)
    if labels is not None and str(value) in labels:
        return str(labels[str(value)])
    if key in ("user_id", "organisation_id"):
        return names.name(key.removesuffix("_id"), value) or f"#{value}"
    if key == "record_id":
        return f"#{value}"
    return "—" if value in ("", None) else str(value)


def _details(details: Mapping[str, Any], names: _Names) -> list[Detail]:
    lines = []
    for key, value in details.items():
        text = _value(key, value, names)
        raw = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        code = raw if raw and raw != text and key in VALUE_LABELS else None
        lines.append(Detail(str(DETAIL_LABELS.get(key, key)), key, text, code))
    return lines


def describe_events(events: list[AuditEvent]) -> list[AuditLine]:
    """A page of audit events in the reader's language, names looked up in three queries."""
    names = _Names.of(events)
    return [
        AuditLine(
            event=event,
            action=_action(event.action),
            subject=_subject(event, names),
            subject_code=f"{event.subject_type} #{event.subject_id}" if event.subject_type else "",
            details=_details(event.details, names),
        )
        for event in events
    ]
