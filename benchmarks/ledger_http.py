"""The ``http`` part of benchmarks/ledger.py: points-mall redemptions per second through the
real pages, against /healthz measured in the same run with the same clients and workers.

A fresh PostgreSQL database is migrated and given the demo accounts and merchants, ``OFFERS``
published offers of ``COST`` points with ample stock and the highest per-person limit, one
``SCARCE`` offer that sells out during the run, and one citizen per client with
``OPENING_POINTS`` points, all settled (VACUUM ANALYZE, CHECKPOINT). gunicorn serves the app
with ``--gunicorn-workers`` gthread workers of ``--gunicorn-threads`` threads each (2 × 8), and
``DATABASE_POOL_SIZE`` as many connections as threads: on two cores, two processes keep both
cores busy (four processes measured slower: more CPU per redemption), and threads let a worker
go on while a request waits for PostgreSQL (a commit's fsync); gthread also keeps connections
alive (10 s, so a client's connection is not closed under it between turns), as a proxy's
are. Each client (httpx, its own connection, its own address in X-Forwarded-For behind one
trusted proxy hop, so the login limit counts per client) logs in once as its own citizen, then
loops: GET an offer's confirmation step, POST it back with the CSRF token and the one-time
request key, as the browser form does (the redirect to the voucher is not followed; the next
GET shows and clears its flash). The offers are taken in turn. Redemptions and /healthz are
measured in alternating turns (``--rounds`` of each, ``--http-seconds`` in all for each), so
the machine's other load weighs on both alike; the load generator runs on the same two cores.

Besides the rates, the CPU time gunicorn's workers and the database's backends spent per
redemption attempt and per /healthz is read from /proc around each turn: a figure the load of
other processes on the machine moves far less than a rate.

Afterwards the anomaly check: vouchers per offer ≤ its stock, stock never negative and equal
to the initial stock less the vouchers, the scarce offer sold out exactly when anyone was
refused, no floored balance negative, every citizen debited exactly the cost of their
vouchers, the merchants credited the same, as many vouchers as clients saw redirects, and the
ledger verified in full after sealing.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select, text, update
from werkzeug.security import generate_password_hash

from benchmarks.harness import fresh_database, gunicorn, migrated_app, settle
from benchmarks.quantify import add_users
from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import transaction
from portal.demo.accounts import find_user, seed_accounts
from portal.demo.merchants import DEMO_MERCHANTS, offer_picture, seed_merchants
from portal.extensions import db
from portal.ledger import sealing, services, verification
from portal.ledger.models import FLOORED_KINDS, AccountKind, LedgerAccount
from portal.mall.models import Voucher
from portal.merchants.models import Merchant, Offer, OfferKind
from portal.merchants.offers import OfferTerms, create_offer, move_offer
from portal.merchants.rules import MAX_PER_PERSON

PORT = 8766
SECRET = "bench-ledger-http"
PASSWORD = "Bench-redeem-2026"
FIRST_CITIZEN = 8_000_000_000  # phones 18000000000…: apart from other benchmarks' users
OFFERS = 12
COST = 10
STOCK = 100_000
SCARCE = 20  # units of the offer that sells out while the clients redeem
OPENING_POINTS = 1_000_000
_HIDDEN = re.compile(r'name="(csrf_token|request_key)" type="hidden" value="([^"]+)"')


def _seed(clients: int) -> tuple[dict[int, int], list[str]]:
    """The offers' stock by offer id, and the citizens' logins."""
    seed_accounts()
    seed_merchants(upload_dir=Path(tempfile.mkdtemp(prefix="bench-ledger-http-")))
    staff = find_user(DEMO_MERCHANTS[0].staff[0])
    assert staff is not None
    merchant_id = db.session.scalar(select(Merchant.id).order_by(Merchant.id).limit(1))
    now = utcnow()
    stock: dict[int, int] = {}
    for n in range(OFFERS + 1):
        units = SCARCE if n == OFFERS else STOCK
        offer = create_offer(
            actor=staff,
            merchant_id=merchant_id,
            kind=OfferKind.COUPON.value,
            terms=OfferTerms(
                title_zh=f"压测券 {n}",
                title_en=f"Benchmark voucher {n}",
                terms_zh="压测用。",
                terms_en="For the benchmark.",
                points_cost=COST,
                inventory=units,
                per_person_limit=MAX_PER_PERSON,
                valid_from=now - timedelta(days=1),
                valid_until=now + timedelta(days=30),
            ),
            image=offer_picture(f"bench {n}"),
            upload_dir=Path(tempfile.mkdtemp(prefix="bench-ledger-http-")),
        )
        move_offer(actor=staff, offer_id=offer.id, move="publish")
        stock[offer.id] = units
    user_ids = add_users(clients, first=FIRST_CITIZEN)
    db.session.execute(
        update(User)
        .where(User.id.in_(user_ids))
        .values(password_hash=generate_password_hash(PASSWORD))
    )
    with transaction():
        accounts = services.ensure_user_accounts(user_ids)
        issuance = services.issuance_account_id()
        services.append(
            [
                services.Posting(
                    f"bench:open:{u}",
                    "opening",
                    ((issuance, -OPENING_POINTS), (accounts[u], OPENING_POINTS)),
                )
                for u in user_ids
            ]
        )
    logins = list(db.session.scalars(select(User.phone).where(User.id.in_(user_ids))))
    settle("postgresql")
    return stock, [str(login) for login in logins]


class _Client:
    """One citizen's browser: its own keep-alive connection, cookies and address."""

    def __init__(self, number: int) -> None:
        self.http = httpx.Client(
            base_url=f"http://127.0.0.1:{PORT}",
            headers={"X-Forwarded-For": f"127.0.1.{number + 1}"},
            timeout=60,
        )
        self.number = number
        self.redeemed = 0
        self.refused = 0
        self.latencies: list[float] = []

    def login(self, login: str) -> None:
        form = self._hidden(self.http.get("/auth/login"))
        answer = self.http.post("/auth/login", data={**form, "login": login, "password": PASSWORD})
        if answer.status_code != 302:
            raise RuntimeError(f"login {login} answered {answer.status_code}")

    @staticmethod
    def _hidden(answer: httpx.Response) -> dict[str, str]:
        if answer.status_code != 200:
            raise RuntimeError(f"{answer.request.url} answered {answer.status_code}")
        return dict(_HIDDEN.findall(answer.text))

    def redeem(self, offer_id: int) -> None:
        started = time.perf_counter()
        path = f"/mall/vouchers/redeem/{offer_id}"
        form = self._hidden(self.http.get(path))
        answer = self.http.post(path, data=form)
        if answer.status_code == 302 and "/mall/vouchers/" in answer.headers["location"]:
            self.redeemed += 1
        elif answer.status_code == 200 and "flash-error" in answer.text:
            self.refused += 1  # sold out: the scarce offer
        else:
            raise RuntimeError(f"POST {path} answered {answer.status_code}")
        self.latencies.append(time.perf_counter() - started)

    def healthz(self) -> None:
        started = time.perf_counter()
        if self.http.get("/healthz").status_code != 200:
            raise RuntimeError("/healthz failed")
        self.latencies.append(time.perf_counter() - started)


def _turn(clients: list[_Client], seconds: float, work: Any) -> float:
    """Every client calls ``work(client, i)`` back to back for ``seconds``; the time taken."""
    until = time.perf_counter() + seconds
    errors: list[BaseException] = []

    def loop(client: _Client) -> None:
        i = 0
        try:
            while time.perf_counter() < until:
                work(client, i)
                i += 1
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def _quantiles(latencies: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(sorted(latencies), n=100, method="inclusive")
    return round(q[49] * 1000, 1), round(q[94] * 1000, 1)


def _anomalies(stock: dict[int, int], redirects: int, refused: int) -> list[str]:
    """What is wrong after the run (nothing, with no anomaly)."""
    problems = []
    sold = dict(
        db.session.execute(select(Voucher.offer_id, func.count()).group_by(Voucher.offer_id)).all()
    )
    left = dict(db.session.execute(select(Offer.id, Offer.inventory)).all())
    for offer_id, units in stock.items():
        count = sold.get(offer_id, 0)
        if count > units or left[offer_id] < 0 or left[offer_id] != units - count:
            problems.append(f"offer {offer_id}: {units} units, {count} sold, {left[offer_id]} left")
    scarce = max(stock)  # made last
    if refused and sold.get(scarce, 0) != SCARCE:
        problems.append(f"{refused} refused, the scarce offer sold {sold.get(scarce, 0)}/{SCARCE}")
    if sum(sold.values()) != redirects:
        problems.append(f"{sum(sold.values())} vouchers but {redirects} redirects to one")
    negative = db.session.scalar(
        select(func.count())
        .select_from(LedgerAccount)
        .where(LedgerAccount.kind.in_(FLOORED_KINDS), LedgerAccount.balance < 0)
    )
    if negative:
        problems.append(f"{negative} floored balances below zero")
    debits = db.session.execute(
        text(
            "SELECT a.user_id, :opening - a.balance, coalesce(v.cost, 0) "
            "FROM ledger_accounts a LEFT JOIN (SELECT user_id, sum(points_cost) AS cost "
            "FROM vouchers GROUP BY user_id) v ON v.user_id = a.user_id "
            "WHERE a.kind = 'user_points' AND a.user_id IN (SELECT id FROM users "
            "WHERE phone >= :first)"
        ),
        {"opening": OPENING_POINTS, "first": f"1{FIRST_CITIZEN:010d}"},
    ).all()
    problems += [f"user {u}: debited {d}, vouchers cost {c}" for u, d, c in debits if d != c]
    sealing.seal()
    credited = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance), 0)).where(
            LedgerAccount.kind == AccountKind.MERCHANT.value
        )
    )
    spent = db.session.scalar(select(func.coalesce(func.sum(Voucher.points_cost), 0)))
    if credited != spent:
        problems.append(f"merchants credited {credited}, vouchers cost {spent}")
    report = verification.verify(full=True)
    if not report.ok:
        problems.append(f"ledger verify: {report.problems[:3]}")
    db.session.commit()
    return problems


def _cpu_times(server_pid: int, dsn: str) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) used so far by each gunicorn worker and each PostgreSQL
    backend serving the benchmark's database, read from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    with psycopg.connect(dsn, autocommit=True) as conn:
        backends = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
    times: dict[str, dict[int, float]] = {}
    for kind, pids in (("gunicorn", [int(c) for c in children]), ("postgres", backends)):
        times[kind] = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except FileNotFoundError:  # a backend gone meanwhile
                continue
            times[kind][pid] = (int(fields[11]) + int(fields[12])) / tick
    return times


class _Turns:
    """Turns of one kind of work: their time, latencies and the server's CPU time."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.latencies: list[float] = []
        self.cpu = {"gunicorn": 0.0, "postgres": 0.0}

    def run(self, people: list[_Client], seconds: float, work: Any, server: Any) -> None:
        before = _cpu_times(*server)
        self.elapsed += _turn(people, seconds, work)
        after = _cpu_times(*server)
        for kind, now in after.items():
            self.cpu[kind] += sum(t - before[kind].get(pid, 0.0) for pid, t in now.items())
        for person in people:
            self.latencies += person.latencies
            person.latencies = []

    def figures(self, name: str, count: int) -> dict[str, Any]:
        p50, p95 = _quantiles(self.latencies)
        return {
            f"{name}_per_s": round(count / self.elapsed, 1),
            f"{name}_p50_ms": p50,
            f"{name}_p95_ms": p95,
            f"{name}_gunicorn_cpu_ms": round(self.cpu["gunicorn"] / count * 1000, 2),
            f"{name}_postgres_cpu_ms": round(self.cpu["postgres"] / count * 1000, 2),
        }


def alternate_turns(
    people: list[Any], seconds: float, rounds: int, work: Any, server: Any
) -> tuple[_Turns, _Turns]:
    """After a warm-up (workers, pools, plans), ``rounds`` turns of /healthz and of ``work``
    in alternation, ``seconds`` each, so the machine's other load weighs on both alike; the
    clients' connections closed afterwards. Returns the /healthz turns and the work's."""
    _turn(people, 0.5, lambda c, i: c.healthz())
    for person in people:
        person.latencies.clear()
    healthz, measured = _Turns(), _Turns()
    for _ in range(rounds):
        healthz.run(people, seconds, lambda c, i: c.healthz(), server)
        measured.run(people, seconds, work, server)
    for person in people:
        person.http.close()
    return healthz, measured


def run_http(
    pg_url: str, clients: int, seconds: float, rounds: int, workers: int, threads: int
) -> dict[str, Any]:
    options = ["-w", str(workers), "-k", "gthread", "--threads", str(threads), "--keep-alive", "10"]
    with fresh_database(pg_url, "ledger_http") as url, migrated_app(url) as app:
        with app.app_context():
            stock, logins = _seed(clients)
        offers = list(stock)
        env = {"SECRET_KEY": SECRET, "TRUSTED_PROXY_HOPS": "1", "DATABASE_POOL_SIZE": str(threads)}
        with gunicorn(url, PORT, options, env=env) as process:
            server = (process.pid, url)
            people = [_Client(n) for n in range(clients)]
            for person, login in zip(people, logins, strict=True):
                person.login(login)
            healthz, redeem = alternate_turns(
                people,
                seconds / rounds,
                rounds,
                lambda c, i: c.redeem(offers[(c.number + i) % len(offers)]),
                server,
            )
        redeemed = sum(p.redeemed for p in people)
        refused = sum(p.refused for p in people)
        with app.app_context():
            problems = _anomalies(stock, redeemed, refused)
    row = {
        "clients": clients,
        "gunicorn": " ".join(options),
        "seconds_each": seconds,
        "redemptions": redeemed,
        "refused": refused,
        **redeem.figures("redeem", redeemed + refused),
        **healthz.figures("healthz", len(healthz.latencies)),
    }
    row["redemptions_per_s"] = round(redeemed / redeem.elapsed, 1)
    row["ratio_to_healthz"] = round(row["redemptions_per_s"] / row["healthz_per_s"], 3)
    row["anomalies"] = problems
    return row
