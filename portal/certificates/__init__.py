"""Certificates: printable pages and Open Badges 3.0 credentials (VC-JWT), verification by
code, revocation with a reason, and the carbon milestone certificates."""

# The modules the web layer may import (tests/unit/test_import_direction.py holds every blueprint
# to this list): commands, reads, tables, the signing keys and the credential builder. The rest
# is this package's own.
PUBLIC_MODULES = (
    "models",
    "services",
    "queries",
    "keys",
    "credentials",
    "reasons",
)
