"""Users, organisations, memberships, roles, privacy settings, guardian consent and the audit
log."""

# The modules the web layer may import (tests/unit/test_import_direction.py holds every blueprint
# to this list): commands, reads, tables and the fixed values their forms show. The rest is this
# package's own.
PUBLIC_MODULES = (
    "models",
    "services",
    "queries",
    "identity",
    "regions",
    "rules",  # age and minority, which pages explain to the reader
    "settings",
    "guardians",
)
