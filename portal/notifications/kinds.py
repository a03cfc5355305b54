"""The kinds of notification and their parameters. A feature that posts a new kind adds its
code here and its texts to ``portal.blueprints.shared.notification_texts`` (a test checks that
every kind has them).

A parameter whose text is stored in both languages is given as ``<name>_zh`` and ``<name>_en``
(an offer's or a methodology's title); the reader sees the one in their language. Dates are ISO
``YYYY-MM-DD`` (the Asia/Shanghai day), amounts whole numbers in the unit the name says.

- ``voucher_issued`` — ``offer_title_zh/_en``, ``points`` (spent), ``voucher_code``;
- ``voucher_checked`` — ``offer_title_zh/_en``, ``merchant_zh/_en`` (who checked it);
- ``points_expiring`` — ``points`` that expire on ``expires_on`` (a date);
- ``merchant_application_decided`` — ``merchant_zh/_en``, ``is_approved`` (bool), ``note``
  (the official's words, as written; may be empty);
- ``record_approved`` — ``record_id``, ``methodology_title_zh/_en``, ``occurred_on`` (a date);
- ``record_rejected`` — the same and ``note`` (the official's reason, as written);
- ``badge_awarded`` — ``badge`` (a key of ``portal/gamification/data/badges.yaml``) and
  ``tier`` (``bronze``, ``silver`` or ``gold``: the highest reached at once);
- ``guardian_consented`` — no parameters (the guardian's name is not stored with it: it would
  outlive the guardian's account);
- ``guardian_consent_ended`` — ``reason``: ``withdrawn`` or ``guardian_account_deleted``.
- ``monthly_report`` — ``month`` (``YYYY-MM``, Asia/Shanghai), ``total_grams`` and
  ``previous_grams`` (net grams CO₂e reduced that month and the month before),
  ``change_grams`` (signed), ``change_percent`` (whole per cent; absent when the month before
  had none), ``categories`` (``[category code, grams]`` pairs in display order, none of zero)
  and ``badges`` (``[badge key, tier]`` pairs awarded that month, oldest first).
- ``challenge_proposed`` — ``challenge_id``, ``team`` (the challenger's name), ``rival`` (the
  challenged team's), ``starts_on`` and ``ends_on`` (dates), ``metric`` (a ``teams.pk.rules``
  code);
- ``challenge_answered`` — ``challenge_id``, ``team``, ``rival``, ``is_accepted`` (bool);
- ``challenge_finished`` — ``challenge_id``, ``team`` (the reader's team), ``rank``, ``teams``
  (how many took part), ``is_winner`` (bool);
- ``case_overdue`` / ``case_fulfilled`` — a 以碳代偿 case's ``case_id``, ``case_number`` (案号),
  ``required_tonnes`` and ``deadline_on`` (a date), told to the recording court's officials;
- ``order_paid`` — ``order_id``, ``tonnes``, ``amount_fen`` (the operator recorded the
  payment: the tonnes are held by the buyer organisation);
- ``order_expired`` — ``order_id``, ``tonnes`` (unpaid when it expired: released).
"""

from __future__ import annotations

VOUCHER_ISSUED = "voucher_issued"
VOUCHER_CHECKED = "voucher_checked"
POINTS_EXPIRING = "points_expiring"
MERCHANT_APPLICATION_DECIDED = "merchant_application_decided"
RECORD_APPROVED = "record_approved"
RECORD_REJECTED = "record_rejected"
BADGE_AWARDED = "badge_awarded"
GUARDIAN_CONSENTED = "guardian_consented"
GUARDIAN_CONSENT_ENDED = "guardian_consent_ended"
MONTHLY_REPORT = "monthly_report"
CHALLENGE_PROPOSED = "challenge_proposed"
CHALLENGE_ANSWERED = "challenge_answered"
CHALLENGE_FINISHED = "challenge_finished"
CASE_OVERDUE = "case_overdue"
CASE_FULFILLED = "case_fulfilled"
ORDER_PAID = "order_paid"
ORDER_EXPIRED = "order_expired"

KINDS = frozenset(
    {
        VOUCHER_ISSUED,
        VOUCHER_CHECKED,
        POINTS_EXPIRING,
        MERCHANT_APPLICATION_DECIDED,
        RECORD_APPROVED,
        RECORD_REJECTED,
        BADGE_AWARDED,
        GUARDIAN_CONSENTED,
        GUARDIAN_CONSENT_ENDED,
        MONTHLY_REPORT,
        CHALLENGE_PROPOSED,
        CHALLENGE_ANSWERED,
        CHALLENGE_FINISHED,
        CASE_OVERDUE,
        CASE_FULFILLED,
        ORDER_PAID,
        ORDER_EXPIRED,
    }
)
KIND_MAX_LENGTH = 40  # notifications.kind
