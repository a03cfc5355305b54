"""Behaviour intake: every way a record arrives — a citizen's own report (``self_reports``), a
partner's signed API call or CSV upload (``partner_records``, ``csv_upload``) — and what they
share: the raw-record mapping (``parsing``), the checks (``checks``), same-act detection
(``same_act``) and the superseding of a citizen's report by partner data (``superseding``).

A refused record writes nothing; an accepted one is ``pending`` (the quantify job picks it up
within a minute) or ``flagged`` (it waits for an official: ``portal.activities.review``).
"""
