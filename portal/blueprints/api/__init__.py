"""The partner API under /api/v1: signed (Standard Webhooks), JSON in and out, spec generated."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from portal.blueprints.api import views  # noqa: E402,F401
