"""Ecology officials: the registry's draft batches — the sample review, verification (核证) and
issue (登记), each step by a different official."""

from flask import Blueprint

bp = Blueprint("registry_official", __name__)

from portal.blueprints.registry_official import views  # noqa: E402,F401
