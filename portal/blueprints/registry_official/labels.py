"""Words for the registry's stored codes: batch statuses, steps, sample rules and reasons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from portal.market.duties import Step
from portal.market.models import BatchStatus, SampleVerdict
from portal.market.sampling import SQRT_RULE
from portal.market.services import SAMPLE_FAILED


def registry_labels() -> dict[str, object]:
    return {
        "batch_status_labels": {
            BatchStatus.PROPOSED.value: pgettext("registry batch", "Proposed"),
            BatchStatus.SAMPLED.value: pgettext("registry batch", "Sample passed"),
            BatchStatus.VERIFIED.value: pgettext("registry batch", "Verified"),
            BatchStatus.ISSUED.value: pgettext("registry batch", "Issued"),
            BatchStatus.REJECTED.value: pgettext("registry batch", "Rejected"),
        },
        "step_labels": STEP_LABELS,
        "verdict_labels": {
            SampleVerdict.PENDING.value: pgettext("sampled record", "Not reviewed"),
            SampleVerdict.PASSED.value: pgettext("sampled record", "Passed"),
            SampleVerdict.FAILED.value: pgettext("sampled record", "Failed"),
        },
        "sample_rule_labels": SAMPLE_RULE_LABELS,
        "item_reason_labels": ITEM_REASON_LABELS,
        "rejection_labels": {**REJECTION_LABELS, SAMPLE_FAILED: _l("A sampled record failed")},
    }


STEP_LABELS = {
    Step.REVIEW: _l("Sample review"),
    Step.VERIFY: _l("Verification (核证)"),
    Step.ISSUE: _l("Issue (登记)"),
}
SAMPLE_RULE_LABELS = {
    SQRT_RULE: _l("Square-root rule: of N records, min(N, max(10, ⌈√N⌉)) are reviewed"),
}
ITEM_REASON_LABELS = {
    "evidence_missing": _l("Evidence missing"),
    "evidence_mismatch": _l("Evidence does not match the record"),
    "implausible": _l("Implausible quantity or time"),
    "duplicate": _l("Duplicate of another record"),
    "not_eligible": _l("Not eligible under the methodology"),
}
REJECTION_LABELS = {
    "records_doubtful": _l("Doubts about the records"),
    "arithmetic_wrong": _l("The arithmetic does not add up"),
    "methodology_issue": _l("A problem with the methodology"),
    "other": _l("Another reason"),
}
