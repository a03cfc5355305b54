"""the pending and flagged queues as a table of their own, kept by triggers

Migration 0006 kept the two queues as partial indexes on ``behavior_records``
(``WHERE status = 'pending'`` / ``'flagged'``). A column named in any index, predicates included,
makes PostgreSQL write every update of it as a new row version with new entries in every index
of the table: the quantify job's claim (``pending`` → ``quantified``) inserted each record into
the primary key and the other indexes again, on pages scattered over the table. It was the
largest single cost of the job (about 19 µs of 35 per record of database time at 10⁶).

Now the queues are rows of ``record_queues`` (queue = the status waited in, user, record,
methodology), no index of ``behavior_records`` names ``status``, and the table keeps room on
its pages (fillfactor 90) for a record's new version beside the old one: the claim is an update
in place (HOT) and the removal of a narrow queue row.

Triggers keep the queues equal to the records' statuses whoever writes them (intake, review,
appeals, partner data superseding a report, bulk loads): a record entering ``pending`` or
``flagged`` is queued, one leaving it is taken out — except ``pending`` → ``quantified``, the
quantify job's own move, which removes the queue rows it takes itself (a trigger call per record
would cost as much as the index entries did) and any row whose record it finds no longer
pending. Records waiting now are queued by this migration. On SQLite the queue is a table
without rowid: its rows are stored in key order, the order the job reads and deletes them.

SQLite's batch mode rebuilds a table to alter it and drops its triggers: a later migration that
alters ``behavior_records`` in batch mode must create them again (``TRIGGERS``). The fillfactor
applies to pages written from now on; space freed by dead rows (pruning, vacuum) is used too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

QUEUED = "('pending', 'flagged')"
# The statements the triggers run, the same on both databases.
ENQUEUE = (
    "INSERT INTO record_queues (queue, user_id, record_id, methodology_id)"
    " VALUES (NEW.status, NEW.user_id, NEW.id, NEW.methodology_id) ON CONFLICT DO NOTHING"
)
DEQUEUE = (
    "DELETE FROM record_queues"
    " WHERE queue = OLD.status AND user_id = OLD.user_id AND record_id = OLD.id"
)
# (name, event, condition, statement)
TRIGGERS = (
    ("record_queued", "INSERT", f"NEW.status IN {QUEUED}", ENQUEUE),
    (
        "record_requeued",
        "UPDATE OF status",
        f"OLD.status <> NEW.status AND NEW.status IN {QUEUED}",
        ENQUEUE,
    ),
    (
        "record_dequeued",
        "UPDATE OF status",
        "OLD.status <> NEW.status AND (OLD.status = 'flagged'"
        " OR (OLD.status = 'pending' AND NEW.status <> 'quantified'))",
        DEQUEUE,
    ),
)


def _create_triggers(postgresql: bool) -> None:
    for name, event, condition, statement in TRIGGERS:
        if postgresql:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN {statement}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON behavior_records FOR EACH ROW"
                f" WHEN ({condition}) EXECUTE FUNCTION {name}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON behavior_records FOR EACH ROW"
                f" WHEN {condition} BEGIN {statement}; END"
            )


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "record_queues",
        sa.Column("queue", sa.String(length=16), nullable=False),
        sa.Column("user_id", key, nullable=False),
        sa.Column("record_id", key, nullable=False),
        sa.Column("methodology_id", key, nullable=False),
        sa.PrimaryKeyConstraint("queue", "user_id", "record_id", name=op.f("pk_record_queues")),
        sqlite_with_rowid=False,
    )
    # Triggers first: from here on every write queues its record (on PostgreSQL, creating them
    # waits for the writers at work and holds off new ones until this migration commits), so
    # the records already waiting are all there for the copy.
    _create_triggers(postgresql)
    op.execute(
        "INSERT INTO record_queues (queue, user_id, record_id, methodology_id)"
        " SELECT status, user_id, id, methodology_id FROM behavior_records"
        f" WHERE status IN {QUEUED} ON CONFLICT DO NOTHING"
    )
    op.drop_index("ix_behavior_records_flagged", table_name="behavior_records")
    op.drop_index("ix_behavior_records_pending", table_name="behavior_records")
    if postgresql:
        op.execute("ALTER TABLE behavior_records SET (fillfactor = 90)")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE behavior_records RESET (fillfactor)")
    for status, columns in (("pending", ["user_id", "id"]), ("flagged", ["created_at", "id"])):
        where = sa.text(f"status = '{status}'")
        op.create_index(
            f"ix_behavior_records_{status}",
            "behavior_records",
            columns,
            postgresql_where=where,
            sqlite_where=where,
        )
    for name, _event, _condition, _statement in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}" + (" ON behavior_records" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("record_queues")
