"""badges: the awards people hold and the queue of people the badges job should look at

``badge_awards``: one row per (user, badge, tier), unique, so the job and any rerun or
concurrent run write each award once; a partial index on the unseen ones (the toast).

``badge_queue``: a person whose figures may have changed. Triggers add them on every insert into
``reductions`` and ``welfare_donations``, in the writer's transaction, so no activity is missed
whatever writes it; the job deletes the rows it takes (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) in the transaction that awards, so a killed run leaves them queued.

A writer updates a row already queued (``DO UPDATE``) rather than skipping it: the update locks
the row, so a job deleting it waits for the writer to commit and then reads the writer's rows;
``DO NOTHING`` takes no lock and the job could delete the row and miss them. On PostgreSQL the
reductions trigger is a statement trigger over the transition table (one grouped upsert per
quantify batch, in user order as the batch is); SQLite, which lets one writer in at a time,
has row triggers.

Everyone with a reduction or a donation is queued once here, so the first run evaluates them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 18:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUEUE = (
    "INSERT INTO badge_queue (user_id, queued_at) {source}"
    " ON CONFLICT (user_id) DO UPDATE SET queued_at = excluded.queued_at"
)
# The text SQLAlchemy's SQLite DateTime reads back (UTC, microseconds).
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'"
SOURCES = (("reductions", "badge_queue_reductions"), ("welfare_donations", "badge_queue_donations"))


def _create_pg_triggers() -> None:
    for table, name in SOURCES:
        source = "SELECT DISTINCT user_id, now() FROM added ORDER BY user_id"
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {QUEUE.format(source=source)}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS added"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def _create_sqlite_triggers() -> None:
    source = f"VALUES (NEW.user_id, {SQLITE_NOW})"
    for table, name in SOURCES:
        op.execute(
            f"CREATE TRIGGER {name} AFTER INSERT ON {table} FOR EACH ROW"
            f" BEGIN {QUEUE.format(source=source)}; END"
        )


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "badge_awards",
        sa.Column("id", KEY, nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("badge_key", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=8), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_badge_awards_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_awards")),
        sa.UniqueConstraint(
            "user_id", "badge_key", "tier", name=op.f("uq_badge_awards_user_id_badge_key_tier")
        ),
    )
    op.create_index(
        "ix_badge_awards_unseen",
        "badge_awards",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("seen_at IS NULL"),
        sqlite_where=sa.text("seen_at IS NULL"),
    )
    op.create_table(
        "badge_queue",
        sa.Column("user_id", KEY, autoincrement=False, nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_badge_queue")),
    )
    if postgresql:
        _create_pg_triggers()
    else:
        _create_sqlite_triggers()
    now = "now()" if postgresql else SQLITE_NOW
    op.execute(
        f"INSERT INTO badge_queue (user_id, queued_at) SELECT user_id, {now} FROM"
        " (SELECT user_id FROM reductions UNION SELECT user_id FROM welfare_donations) people"
    )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, name in SOURCES:
        op.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("badge_queue")
    op.drop_index("ix_badge_awards_unseen", table_name="badge_awards")
    op.drop_table("badge_awards")
