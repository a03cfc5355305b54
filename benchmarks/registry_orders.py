"""The ``orders`` part of benchmarks/registry.py: registry orders over HTTP, ``--clients``
(16) organisation buyers ordering tonnes through the real pages against gunicorn (2 gthread
workers of 8 threads, PostgreSQL), against /healthz measured in the same run with the same
clients and workers (benchmarks/ledger_http.py's turns, latencies and CPU readings).

A fresh PostgreSQL database is migrated and given an operator, ``BATCHES`` issued batches of
``TONNES`` tonnes with a listing each, one ``SCARCE`` listing that sells out during the run,
and one buyer per client (a staff member of an enterprise of their own). Each client logs in
once, then loops: POST the order form (organisation, one to three tonnes) and POST its
confirmation with the CSRF token and the one-time form token, as the browser does; a redirect
to the order is an order, a 422 a refusal (the scarce listing sold out). Listings are taken
in turn.

Afterwards the anomaly check: no batch oversold (Σ ordered tonnes ≤ issued), every batch's
blocks still tile 1..total, the reserved tonnes of each order are exactly its tonnes, the
scarce listing sold out exactly when anyone was refused, and as many orders as redirects.
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from benchmarks.harness import fresh_database, gunicorn, migrated_app, settle
from benchmarks.ledger_http import PASSWORD, PORT, _Client, alternate_turns
from benchmarks.quantify import add_users
from portal.accounts.models import Membership, Organisation, OrgKind, User
from portal.extensions import db
from portal.market import listings, serials
from portal.market.models import Batch, Order, SerialBlock
from portal.methodology.services import seed_filed_methodologies
from tests.factories.market import make_issued_batch

SECRET = "bench-registry-orders"
FIRST_BUYER = 8_100_000_000  # phones 18100000000…: apart from other benchmarks' users
BATCHES = 4
TONNES = 1_000_000
SCARCE = 40
_HIDDEN = re.compile(r'name="(csrf_token|token)" type="hidden" value="([^"]+)"')


def _seed(clients: int) -> tuple[list[int], list[tuple[str, int]]]:
    """The listings' ids (the scarce one last) and each buyer's (login, organisation id)."""
    seed_filed_methodologies()
    (admin_id,) = add_users(1, first=FIRST_BUYER - 1)
    db.session.execute(update(User).where(User.id == admin_id).values(is_admin=True))
    admin = db.session.get(User, admin_id)
    assert admin is not None
    listing_ids = []
    for n in range(BATCHES + 1):
        batch = make_issued_batch(
            issued_tonnes=SCARCE if n == BATCHES else TONNES, buffer_tonnes=5, vintage=202601 + n
        )
        listing_ids.append(listings.list_batch(actor=admin, batch_id=batch.id, price=5000).id)
    user_ids = add_users(clients, first=FIRST_BUYER)
    db.session.execute(
        update(User)
        .where(User.id.in_(user_ids))
        .values(password_hash=generate_password_hash(PASSWORD))
    )
    buyers = []
    for n, user_id in enumerate(user_ids):
        org = Organisation(
            name_zh=f"压测企业{n}",
            name_en=f"Bench enterprise {n}",
            kind=OrgKind.ENTERPRISE.value,
            city_code="220100",
        )
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(user_id=user_id, organisation_id=org.id, role="staff"))
        phone = db.session.scalar(select(User.phone).where(User.id == user_id))
        buyers.append((str(phone), org.id))
    settle("postgresql")
    return listing_ids, buyers


class _Buyer(_Client):
    """One buyer's browser (benchmarks/ledger_http.py's client: its own keep-alive connection,
    cookies and address), ordering for its organisation."""

    def __init__(self, number: int, org_id: int) -> None:
        super().__init__(number)
        self.org_id = org_id
        self.ordered = 0
        self.csrf = ""

    def login_to_order(self, login: str, listing_id: int) -> None:
        """Log in, and read the session's CSRF token off an order form."""
        self.login(login)
        form = self._hidden(self.http.get(f"/buyer/listings/{listing_id}/order"))
        self.csrf = form["csrf_token"]

    def order(self, listing_id: int, tonnes: int) -> None:
        started = time.perf_counter()
        path = f"/buyer/listings/{listing_id}/order"
        form = {"csrf_token": self.csrf, "org_id": str(self.org_id), "tonnes": str(tonnes)}
        page = self.http.post(path, data=form)
        if page.status_code != 200:
            raise RuntimeError(f"POST {path} answered {page.status_code}")
        step = dict(_HIDDEN.findall(page.text))
        answer = self.http.post(f"{path}/confirm", data={**form, **step})
        if answer.status_code == 302 and "/buyer/orders/" in answer.headers["location"]:
            self.ordered += 1
        elif answer.status_code == 422 and "flash-error" not in answer.text:
            self.refused += 1  # the scarce listing sold out: the tonnes field says so
        else:
            raise RuntimeError(f"POST {path}/confirm answered {answer.status_code}")
        self.latencies.append(time.perf_counter() - started)


def _anomalies(scarce_listing: int, redirects: int, refused: int) -> list[str]:
    problems = []
    for batch in db.session.scalars(select(Batch)):
        ordered = db.session.scalar(
            select(func.coalesce(func.sum(Order.tonnes), 0)).where(Order.batch_id == batch.id)
        )
        if ordered > batch.issued_tonnes:
            problems.append(f"batch {batch.id}: {ordered} t ordered of {batch.issued_tonnes}")
        ranges = db.session.execute(
            select(SerialBlock.start_serial, SerialBlock.end_serial).where(
                SerialBlock.batch_id == batch.id
            )
        ).all()
        faults = serials.tiling_faults(batch.total_tonnes, [tuple(r) for r in ranges])
        if faults:
            problems.append(f"batch {batch.id}: {faults[:3]}")
    held = dict(
        db.session.execute(
            select(
                SerialBlock.order_id,
                func.sum(SerialBlock.end_serial - SerialBlock.start_serial + 1),
            )
            .where(SerialBlock.state == "reserved")
            .group_by(SerialBlock.order_id)
        ).all()
    )
    tonnes = dict(db.session.execute(select(Order.id, Order.tonnes)).all())
    if held != tonnes:
        problems.append("reserved blocks differ from the orders' tonnes")
    if len(tonnes) != redirects:
        problems.append(f"{len(tonnes)} orders but {redirects} redirects to one")
    scarce_sold = db.session.scalar(
        select(func.coalesce(func.sum(Order.tonnes), 0)).where(Order.listing_id == scarce_listing)
    )
    if refused and scarce_sold + 3 <= SCARCE:  # a refusal: fewer left than it asked for
        problems.append(f"{refused} refused, the scarce listing sold {scarce_sold}/{SCARCE}")
    return problems


def run_orders(pg_url: str, clients: int, seconds: float, rounds: int) -> dict[str, Any]:
    options = ["-w", "2", "-k", "gthread", "--threads", "8", "--keep-alive", "10"]
    with fresh_database(pg_url, "registry_orders") as url, migrated_app(url) as app:
        with app.app_context():
            listing_ids, buyers = _seed(clients)
        env = {"SECRET_KEY": SECRET, "TRUSTED_PROXY_HOPS": "1", "DATABASE_POOL_SIZE": "8"}
        with gunicorn(url, PORT, options, env=env) as process:
            server = (process.pid, url)
            people = [_Buyer(n, org) for n, (_, org) in enumerate(buyers)]
            for person, (login, _) in zip(people, buyers, strict=True):
                person.login_to_order(login, listing_ids[0])

            def work(c: _Buyer, i: int) -> None:
                c.order(listing_ids[(c.number + i) % len(listing_ids)], 1 + (c.number + i) % 3)

            healthz, order = alternate_turns(people, seconds / rounds, rounds, work, server)
        ordered = sum(p.ordered for p in people)
        refused = sum(p.refused for p in people)
        with app.app_context():
            problems = _anomalies(listing_ids[-1], ordered, refused)
    orders_per_s = round(ordered / order.elapsed, 1)
    healthz_figures = healthz.figures("healthz", len(healthz.latencies))
    return {
        "clients": clients,
        "gunicorn": " ".join(options),
        "seconds_each": seconds,
        "orders": ordered,
        "refused": refused,
        "orders_per_s": orders_per_s,
        **order.figures("attempt", ordered + refused),
        **healthz_figures,
        "ratio_to_healthz": round(orders_per_s / healthz_figures["healthz_per_s"], 3),
        "anomalies": problems,
    }
