"""Behaviour records, evidence, partner intake, anti-fraud rules and the quantify job."""

# The modules the web layer may import (tests/unit/test_import_direction.py holds every blueprint
# to this list): commands, reads, tables and the fixed values their forms show. The rest is this
# package's own.
PUBLIC_MODULES = (
    "models",
    "queries",
    "reasons",
    "review",
    "evidence",
    "intake",
    "intake.records",
    "intake.parsing",
    "intake.checks",
    "intake.self_reports",
    "intake.partner_records",
    "intake.csv_upload",
    "partners.links",
    "partners.queries",
    "partners.signatures",
)
