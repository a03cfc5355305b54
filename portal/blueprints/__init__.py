"""One blueprint per audience (CONVENTIONS rule 6): prefix set here, role guard in before_request.

``AUDIENCES`` is the single table of who may enter which blueprint; the authorisation-matrix
test walks every route against it, so a new blueprint is covered as soon as it is listed.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import Role
from portal.web.auth import NAV, require_role

# blueprint name -> (url prefix, who may enter): a Role, or a set of roles any one of which
# will do; None = any logged-in user; "public" = anyone; "signed" = anyone, but the views
# authenticate each request by its signature.
AUDIENCES: dict[str, tuple[str, Role | frozenset[Role] | str | None]] = {
    "public": ("", "public"),
    "certificates": ("", "public"),
    "share": ("/s", "public"),  # shares the holders made public, by unguessable code
    "auth": ("/auth", "public"),
    "citizen": ("/me", Role.CITIZEN),
    "library": ("/methodologies", "public"),
    "developer": ("/developer", Role.DEVELOPER),
    "official": ("/official", Role.OFFICIAL),
    "partner": ("/partner", Role.PARTNER),
    "mall": ("/mall", "public"),
    "vouchers": ("/mall/vouchers", Role.CITIZEN),
    "merchant": ("/merchant", Role.MERCHANT),
    # Any logged-in user applies on behalf of an organisation that is not a merchant yet.
    "merchant_apply": ("/merchant/apply", None),
    "merchant_review": ("/official/merchants", frozenset({Role.OFFICIAL, Role.ADMIN})),
    "registry_official": ("/official/registry", Role.OFFICIAL),
    "api": ("/api/v1", "signed"),
    "welfare": ("/welfare", "public"),  # donating needs a citizen: the views check
    "events": ("/events", "public"),  # organising needs an event organiser: the views check
    "learn": ("/learn", "public"),  # taking a quiz needs a citizen: the views check
    "teams": ("/teams", Role.CITIZEN),
    "campaigns": ("/campaigns", "public"),  # a citizen's own bonus shows when logged in
    "leaderboards": ("/leaderboards", "public"),  # a citizen's own place shows when logged in
    "court": ("/court", Role.COURT),
    "compensation": ("/compensation", "public"),  # the 以碳代偿 register
    "registry": ("/registry", "public"),  # issued batches, serial blocks, search, open data
    "market": ("/market", "public"),  # ordering needs a buyer: the buyer blueprint
    # Court officials order and hold tonnes to retire for their cases.
    "buyer": ("/buyer", frozenset({Role.BUYER, Role.COURT})),
    "admin": ("/admin", Role.ADMIN),
    "retirements": ("/registry/retirements", "public"),
    "retire": ("/buyer/retire", frozenset({Role.BUYER, Role.COURT})),
}


def _blueprints() -> list[Blueprint]:
    from portal.blueprints.admin.views import bp as admin
    from portal.blueprints.api import bp as api
    from portal.blueprints.auth.views import bp as auth
    from portal.blueprints.buyer import bp as buyer
    from portal.blueprints.campaigns import bp as campaigns
    from portal.blueprints.certificates import bp as certificates
    from portal.blueprints.citizen import bp as citizen
    from portal.blueprints.compensation import bp as compensation
    from portal.blueprints.court import bp as court
    from portal.blueprints.developer import bp as developer
    from portal.blueprints.events import bp as events
    from portal.blueprints.leaderboards import bp as leaderboards
    from portal.blueprints.learn import bp as learn
    from portal.blueprints.library import bp as library
    from portal.blueprints.mall import bp as mall
    from portal.blueprints.mall import vouchers_bp as vouchers
    from portal.blueprints.market import bp as market
    from portal.blueprints.merchant import bp as merchant
    from portal.blueprints.merchant_apply import bp as merchant_apply
    from portal.blueprints.merchant_review import bp as merchant_review
    from portal.blueprints.official import bp as official
    from portal.blueprints.partner import bp as partner
    from portal.blueprints.public.views import bp as public
    from portal.blueprints.registry import bp as registry
    from portal.blueprints.registry_official import bp as registry_official
    from portal.blueprints.retire import bp as retire
    from portal.blueprints.retirements import bp as retirements
    from portal.blueprints.share import bp as share
    from portal.blueprints.teams import bp as teams
    from portal.blueprints.welfare import bp as welfare

    return [
        public,
        certificates,
        share,
        auth,
        citizen,
        library,
        mall,
        vouchers,
        developer,
        official,
        partner,
        merchant,
        merchant_apply,
        merchant_review,
        registry_official,
        api,
        welfare,
        events,
        learn,
        teams,
        campaigns,
        leaderboards,
        court,
        compensation,
        registry,
        market,
        buyer,
        admin,
        retirements,
        retire,
    ]


def _guard() -> BaseResponse | None:
    """The role guard of whichever audience blueprint the request is for."""
    if request.blueprint is None:
        return None
    role = AUDIENCES[request.blueprint.partition(".")[0]][1]
    if role in ("public", "signed"):
        return None
    return require_role(role if isinstance(role, Role | frozenset) else None)


def register_blueprints(app: Flask) -> None:
    for bp in _blueprints():
        app.register_blueprint(bp, url_prefix=AUDIENCES[bp.name][0] or None)
    # Blueprint objects are module-level and shared by every app built in one process, so the
    # guard is attached to the app (once per app) and looks the audience up by blueprint name.
    app.before_request(_guard)


NAV.extend(
    [
        ("library.index", _l("Methodologies"), None),
        ("mall.index", _l("Points mall"), None),
        ("welfare.index", _l("Public welfare"), None),
        ("learn.index", _l("Quizzes"), None),
        ("campaigns.index", _l("Campaigns"), None),
        ("leaderboards.index", _l("Leaderboards"), None),
        # One public entry for the registry: its hub leads to batches, the market,
        # retirements, the 以碳代偿 register, carbon-neutral events and the open data.
        ("registry.about", _l("Registry"), None),
        ("citizen.account", _l("My account"), Role.CITIZEN),
        ("developer.index", _l("My methodologies"), Role.DEVELOPER),
        ("official.index", _l("Review"), Role.OFFICIAL),
        ("partner.index", _l("Partner uploads"), Role.PARTNER),
        ("court.index", _l("Court cases"), Role.COURT),
        ("merchant.dashboard", _l("My merchant"), Role.MERCHANT),
        # An organisation's tonnes: orders, holdings, retirements and events (buyer/_nav.html).
        ("buyer.orders", _l("My tonnes"), Role.BUYER),
        ("admin.dashboard", _l("Administration"), Role.ADMIN),
    ]
)
