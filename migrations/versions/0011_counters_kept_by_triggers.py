"""public counters and personal totals kept by triggers; list indexes that end in the id

The home page counted every behaviour record, summed every reduction and counted every account
on each view, and a citizen's pages summed their whole history: costs that grow with the
tables. Now two tables hold those figures and triggers keep them whoever writes the rows
(intake, the quantify job, reversals, reviews, sign-up, disabling, bulk loads), in the
writer's own transaction, so they are exact:

- ``platform_counters`` (name, shard, value): ``records`` (behaviour records not superseded),
  ``grams_reduced`` (net grams of live reductions) and ``participants`` (accounts not
  disabled). A writer adds to the row of its own shard (on PostgreSQL the backend's pid modulo
  ``SHARDS``, so concurrent writers rarely share a row and none waits on a single hot row; on
  SQLite, whose writers take turns anyway, shard 0); a reader sums the shards.
- ``reduction_totals`` (user, methodology): net grams, points and number of live reductions,
  which a citizen's totals and per-category figures sum (at most one row per methodology).

On PostgreSQL the reductions and records triggers on INSERT are statement triggers reading the
transition table, so the quantify job's COPY of a batch costs one grouped upsert, not a
trigger call per row; changes of a record's status run a row trigger only when it enters or
leaves ``superseded`` (its WHEN clause is checked without calling the function). SQLite has
row triggers only.

Lock order: the quantify job adds to its ``grams_reduced`` shard when it writes its reductions,
after the ledger chain head it already holds, and so does a reversal of a reduction with points;
intake adds to ``records`` shards, rows no one takes after the chain head. Two transactions can
only wait on each other through a shard when their backend pids fall in the same shard (one in
16) and one of them reversed a point-less reduction before a reversal with points in the same
call; PostgreSQL then fails one of them, which the partner intake retries and the quantify job
runs again on its next turn.

Creating the triggers takes a lock that holds off writers until this migration commits, so the
backfill that follows counts exactly the rows present; it goes into shard 0.

The citizen's records and reductions lists now page by key (occurred_at, id), newest first:
their per-person indexes end in the id so each page is one index range scan.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SHARDS = 16
PG_SHARD = f"pg_backend_pid() % {SHARDS}"

ADD_TOTALS = (
    "INSERT INTO reduction_totals (user_id, methodology_id, net_grams, points, reductions)"
    " {source} ON CONFLICT (user_id, methodology_id) DO UPDATE SET"
    " net_grams = reduction_totals.net_grams + excluded.net_grams,"
    " points = reduction_totals.points + excluded.points,"
    " reductions = reduction_totals.reductions + excluded.reductions"
)
ADD_COUNTER = (
    "INSERT INTO platform_counters (name, shard, value) {source}"
    " ON CONFLICT (name, shard) DO UPDATE SET value = platform_counters.value + excluded.value"
)


def _sqlite_row(sign: str, row: str) -> str:
    """SQLite trigger statements adding (``+``) or taking away (``-``) one reduction ``row``."""
    totals = ADD_TOTALS.format(
        source=f"VALUES ({row}.user_id, {row}.methodology_id, {sign}{row}.net_grams,"
        f" {sign}{row}.points, {sign}1)"
    )
    counter = ADD_COUNTER.format(source=f"VALUES ('grams_reduced', 0, {sign}{row}.net_grams)")
    return f"{totals}; {counter};"


def _pg_delta(select: str) -> str:
    """PostgreSQL statements applying ``select``'s (user, methodology, grams, points, n) rows."""
    totals = ADD_TOTALS.format(
        source="SELECT user_id, methodology_id, sum(g), sum(p), sum(n)"
        f" FROM ({select}) d GROUP BY user_id, methodology_id"
        " HAVING sum(n) <> 0 OR sum(g) <> 0 OR sum(p) <> 0 ORDER BY user_id, methodology_id"
    )
    counter = ADD_COUNTER.format(
        source=f"SELECT 'grams_reduced', {PG_SHARD}, sum(g) FROM ({select}) d"
        " HAVING sum(g) <> 0"
    )
    return f"{totals}; {counter};"


def _live(table: str, sign: str) -> str:
    return (
        f"SELECT user_id, methodology_id, {sign}net_grams AS g, {sign}points AS p, {sign}1 AS n"
        f" FROM {table} WHERE reversed_at IS NULL"
    )


# PostgreSQL statement triggers on reductions: (name, event, referencing, delta select)
PG_REDUCTION_TRIGGERS = (
    ("reductions_added", "INSERT", "NEW TABLE AS added", _live("added", "")),
    (
        "reductions_changed",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"{_live('old_rows', '-')} UNION ALL {_live('new_rows', '')}",
    ),
    ("reductions_removed", "DELETE", "OLD TABLE AS gone", _live("gone", "-")),
)
# SQLite row triggers on reductions: (name, event, condition, statements)
SQLITE_REDUCTION_TRIGGERS = (
    ("reductions_added", "INSERT", "NEW.reversed_at IS NULL", _sqlite_row("", "NEW")),
    ("reductions_changed_old", "UPDATE", "OLD.reversed_at IS NULL", _sqlite_row("-", "OLD")),
    ("reductions_changed_new", "UPDATE", "NEW.reversed_at IS NULL", _sqlite_row("", "NEW")),
    ("reductions_removed", "DELETE", "OLD.reversed_at IS NULL", _sqlite_row("-", "OLD")),
)


def _row_counter(name: str, delta: str, shard: str) -> str:
    return ADD_COUNTER.format(source=f"VALUES ('{name}', {shard}, {delta})")


SUPERSEDED = "'superseded'"
# Row triggers on both databases: (name, table, event, condition, counter, delta)
ROW_TRIGGERS = (
    (
        "records_restatused",
        "behavior_records",
        "UPDATE OF status",
        f"(OLD.status = {SUPERSEDED}) <> (NEW.status = {SUPERSEDED})",
        "records",
        f"CASE WHEN NEW.status = {SUPERSEDED} THEN -1 ELSE 1 END",
    ),
    (
        "records_removed",
        "behavior_records",
        "DELETE",
        f"OLD.status <> {SUPERSEDED}",
        "records",
        "-1",
    ),
    ("users_added", "users", "INSERT", "NOT NEW.is_disabled", "participants", "1"),
    (
        "users_disabled",
        "users",
        "UPDATE OF is_disabled",
        "OLD.is_disabled <> NEW.is_disabled",
        "participants",
        "CASE WHEN NEW.is_disabled THEN -1 ELSE 1 END",
    ),
    ("users_removed", "users", "DELETE", "NOT OLD.is_disabled", "participants", "-1"),
)
SQLITE_RECORDS_ADDED = (
    "records_added",
    "behavior_records",
    "INSERT",
    f"NEW.status <> {SUPERSEDED}",
    "records",
    "1",
)
PG_RECORDS_ADDED = ADD_COUNTER.format(
    source=f"SELECT 'records', {PG_SHARD}, count(*) FROM added"
    f" WHERE status <> {SUPERSEDED} HAVING count(*) > 0"
)


def _pg_function(name: str, body: str) -> None:
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {body} RETURN NULL; END $$"
    )


def _create_pg_triggers() -> None:
    for name, event, referencing, delta in PG_REDUCTION_TRIGGERS:
        _pg_function(name, _pg_delta(delta))
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON reductions REFERENCING {referencing}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    _pg_function("records_added", f"{PG_RECORDS_ADDED};")
    op.execute(
        "CREATE TRIGGER records_added AFTER INSERT ON behavior_records"
        " REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION records_added()"
    )
    for name, table, event, condition, counter, delta in ROW_TRIGGERS:
        _pg_function(name, f"{_row_counter(counter, delta, PG_SHARD)};")
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW"
            f" WHEN ({condition}) EXECUTE FUNCTION {name}()"
        )


def _create_sqlite_triggers() -> None:
    for name, event, condition, statements in SQLITE_REDUCTION_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON reductions FOR EACH ROW"
            f" WHEN {condition} BEGIN {statements} END"
        )
    for name, table, event, condition, counter, delta in (SQLITE_RECORDS_ADDED, *ROW_TRIGGERS):
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW"
            f" WHEN {condition} BEGIN {_row_counter(counter, delta, '0')}; END"
        )


def _backfill() -> None:
    op.execute(
        "INSERT INTO reduction_totals (user_id, methodology_id, net_grams, points, reductions)"
        " SELECT user_id, methodology_id, sum(net_grams), sum(points), count(*) FROM reductions"
        " WHERE reversed_at IS NULL GROUP BY user_id, methodology_id"
    )
    op.execute(
        "INSERT INTO platform_counters (name, shard, value)"
        " SELECT 'grams_reduced', 0, coalesce(sum(net_grams), 0) FROM reductions"
        " WHERE reversed_at IS NULL"
        f" UNION ALL SELECT 'records', 0, count(*) FROM behavior_records"
        f" WHERE status <> {SUPERSEDED}"
        " UNION ALL SELECT 'participants', 0, count(*) FROM users WHERE NOT is_disabled"
    )


INDEXES = (
    ("behavior_records", "ix_behavior_records_user_occurred"),
    ("reductions", "ix_reductions_user_occurred"),
)


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "platform_counters",
        sa.Column("name", sa.String(length=24), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", "shard", name=op.f("pk_platform_counters")),
    )
    op.create_table(
        "reduction_totals",
        sa.Column("user_id", key, nullable=False),
        sa.Column("methodology_id", key, nullable=False),
        sa.Column("net_grams", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("reductions", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "methodology_id", name=op.f("pk_reduction_totals")),
    )
    if postgresql:
        _create_pg_triggers()
    else:
        _create_sqlite_triggers()
    _backfill()
    for table, name in INDEXES:
        op.create_index(f"{name}_id", table, ["user_id", "occurred_at", "id"])
        op.drop_index(name, table_name=table)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, name in INDEXES:
        op.create_index(name, table, ["user_id", "occurred_at"])
        op.drop_index(f"{name}_id", table_name=table)
    if postgresql:
        names = [(n, "reductions") for n, *_rest in PG_REDUCTION_TRIGGERS]
    else:
        names = [(n, "reductions") for n, *_rest in SQLITE_REDUCTION_TRIGGERS]
    names += [(n, t) for n, t, *_rest in (SQLITE_RECORDS_ADDED, *ROW_TRIGGERS)]
    for name, table in names:
        op.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("reduction_totals")
    op.drop_table("platform_counters")
