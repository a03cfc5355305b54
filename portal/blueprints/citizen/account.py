"""The citizen's carbon account at ``/me/``: balance, points earned and expiring, what the
grams mean, reductions by category, recent transactions ("load more") and the CSV statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, request, stream_with_context
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.activities import queries as activity_queries
from portal.blueprints.citizen import bp
from portal.blueprints.citizen.statement import MAX_DAYS, RangeError, parse_range, statement_rows
from portal.blueprints.shared.ledger_kinds import kind_label
from portal.clock import local_date, local_midnight, local_today, utcnow
from portal.ledger.expiry import expiring
from portal.ledger.queries import (
    get_balance,
    get_earned,
    get_points_account_id,
    list_lines_before,
)
from portal.methodology.categories import CATEGORIES, Category
from portal.stats.equivalences import load_equivalences
from portal.web.htmx import render
from portal.web.pagination import before_arg

TRANSACTIONS_PER_PAGE = 10


def by_category() -> list[tuple[Category, int]]:
    grams = activity_queries.grams_by_category(current_user.id)
    return [(c, grams[c.code]) for c in CATEGORIES if c.code in grams]


def _transactions(account_id: int | None, before: int | None) -> dict[str, Any]:
    """One "load more" page of the citizen's entries, newest first, and the id to go on from."""
    if account_id is None:
        return {"lines": [], "next_before": None}
    lines = list_lines_before(account_id, before, TRANSACTIONS_PER_PAGE + 1)
    more = len(lines) > TRANSACTIONS_PER_PAGE
    lines = lines[:TRANSACTIONS_PER_PAGE]
    return {"lines": lines, "next_before": lines[-1].entry_id if more else None}


def _account_page(status: int = 200, **statement: Any) -> Response:
    """The account page: reads by index and the per-methodology totals, never the whole history
    (earned this month and ever is one pass over the citizen's own entries)."""
    account_id = get_points_account_id(current_user.id)
    month_start = local_midnight(local_today().replace(day=1))
    earned = get_earned(account_id, month_start) if account_id else (0, 0)
    years = int(current_app.config["POINTS_EXPIRY_YEARS"])
    totals = activity_queries.get_totals(current_user.id)
    due = expiring(account_id, utcnow(), years) if account_id else None
    return render(
        "citizen/account.html",
        status=status,
        user=current_user,
        totals=totals,
        balance=get_balance(current_user.id),
        earned_this_month=earned[0],
        earned_ever=earned[1],
        expiring=due,
        expiring_on=local_date(due.at) - timedelta(days=1) if due else None,
        equivalences=[(e, e.tenths(totals.grams)) for e in load_equivalences()],
        by_category=by_category(),
        kind_label=kind_label,
        statement_max_days=MAX_DAYS,
        statement={"from": "", "to": "", "error": None, **statement},
        **_transactions(account_id, None),
    )


@bp.get("/")
def account() -> Response:
    return _account_page()


@bp.get("/transactions")
def transactions() -> Response:
    """The next page of entries (``before`` an entry id): rows alone for htmx's "load more",
    a page of its own for a browser without script."""
    account_id = get_points_account_id(current_user.id)
    return render(
        "citizen/transactions.html",
        "citizen/partials/_transactions.html",
        kind_label=kind_label,
        **_transactions(account_id, before_arg()),
    )


@bp.get("/statement.csv")
def statement() -> Response:
    first, last = request.args.get("from"), request.args.get("to")
    try:
        period = parse_range(first, last)
    except RangeError as error:
        return _account_page(422, **{"from": first or "", "to": last or "", "error": error})
    rows = statement_rows(get_points_account_id(current_user.id), period)
    response = current_app.response_class(
        stream_with_context(rows), mimetype="text/csv", content_type="text/csv; charset=utf-8"
    )
    name = f"tanhui-jilin-statement-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
