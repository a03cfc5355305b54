"""Demo methodologies: the 22 seed methodologies, filed, so every demo record has a version in
force to be quantified by. Idempotent (``seed_filed_methodologies`` adds only what is missing)."""

from __future__ import annotations

from portal.methodology.services import seed_filed_methodologies


def seed_methodologies() -> None:
    seed_filed_methodologies()
