"""The public register of retirements at /registry/retirements: every retirement (who, tonnes,
purpose, beneficiary, date) and a page for each, with its serials, its certificate and what it
credits. Organisations' names are public; no person's phone or name is shown."""

from flask import Blueprint

bp = Blueprint("retirements", __name__)

from portal.blueprints.retirements import views  # noqa: E402,F401
