"""review reasons stored as a code plus parameters instead of an English sentence

``behavior_records.review_reason`` held English text that citizens then read on the Chinese
page: the quantify job's rejections ("Could not be quantified: …", "No filed methodology version
was in force at that time."), the partner intake's "Already counted …" and an official's typed
reason. Now ``review_code`` names the reason and ``review_params`` (JSON) holds its values, and
the page translates it (``portal.activities.reasons`` lists the codes). The known sentences
become their codes; an official's text becomes ``official_decision`` with the text as ``note``;
anything else becomes ``other`` with the old text as ``text``. The downgrade writes the English
sentences back.

SQLite's batch mode rebuilds the table and drops its triggers, so they are created again
(migration 0007's ``TRIGGERS``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:00:00.000000

"""

import importlib.util
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NO_VERSION = "No filed methodology version was in force at that time."
ALREADY_COUNTED = "Already counted from the citizen's own report, whose points were spent."
NOT_QUANTIFIED = "Could not be quantified: "
TOO_MANY_GRAMS = re.compile(
    r"Could not be quantified: (\d+) g is more than one record may reduce \((\d+) g\)\."
)

records = sa.table(
    "behavior_records",
    sa.column("id", sa.BigInteger()),
    sa.column("reviewed_by_id", sa.BigInteger()),
    sa.column("review_reason", sa.Text()),
    sa.column("review_code", sa.String(32)),
    sa.column("review_params", sa.JSON()),
)


def _migration_0007():
    """Migration 0007's module, for its trigger definitions (its file name is no module name)."""
    path = Path(__file__).with_name("0007_record_queues_table.py")
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _recreate_sqlite_triggers():
    if op.get_bind().dialect.name == "sqlite":
        _migration_0007()._create_triggers(postgresql=False)


def reason_code(text, reviewed_by_id):
    """The (code, parameters) of a stored English reason."""
    if not text:
        return "", {}
    if text == NO_VERSION:
        return "no_version_in_force", {}
    if text == ALREADY_COUNTED:
        return "already_counted", {}
    grams = TOO_MANY_GRAMS.fullmatch(text)
    if grams:
        return "too_many_grams", {"grams": int(grams[1]), "max_grams": int(grams[2])}
    if text.startswith(NOT_QUANTIFIED):
        return "not_quantifiable", {"detail": text[len(NOT_QUANTIFIED) :]}
    if reviewed_by_id is not None:
        return "official_decision", {"note": text}
    return "other", {"text": text}


def reason_text(code, params):
    """The English sentence a (code, parameters) was stored as before this migration."""
    if code == "no_version_in_force":
        return NO_VERSION
    if code == "already_counted":
        return ALREADY_COUNTED
    if code == "too_many_grams":
        return (
            f"{NOT_QUANTIFIED}{params['grams']} g is more than one record may reduce "
            f"({params['max_grams']} g)."
        )
    if code in ("formula_error", "not_quantifiable"):
        return NOT_QUANTIFIED + str(params.get("detail", ""))
    if code == "official_decision":
        return str(params.get("note", ""))
    return str(params.get("text", ""))


def upgrade():
    with op.batch_alter_table("behavior_records") as batch:
        batch.add_column(sa.Column("review_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("review_params", sa.JSON(), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.update(records).values(review_code="", review_params={}))
    given = connection.execute(
        sa.select(records.c.id, records.c.review_reason, records.c.reviewed_by_id).where(
            records.c.review_reason != ""
        )
    ).all()
    for record_id, text, reviewed_by_id in given:
        code, params = reason_code(text, reviewed_by_id)
        connection.execute(
            sa.update(records)
            .where(records.c.id == record_id)
            .values(review_code=code, review_params=params)
        )
    with op.batch_alter_table("behavior_records") as batch:
        batch.alter_column("review_code", existing_type=sa.String(length=32), nullable=False)
        batch.alter_column("review_params", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("review_reason")
    _recreate_sqlite_triggers()


def downgrade():
    with op.batch_alter_table("behavior_records") as batch:
        batch.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.update(records).values(review_reason=""))
    given = connection.execute(
        sa.select(records.c.id, records.c.review_code, records.c.review_params).where(
            records.c.review_code != ""
        )
    ).all()
    for record_id, code, params in given:
        connection.execute(
            sa.update(records)
            .where(records.c.id == record_id)
            .values(review_reason=reason_text(code, params or {}))
        )
    with op.batch_alter_table("behavior_records") as batch:
        batch.alter_column("review_reason", existing_type=sa.Text(), nullable=False)
        batch.drop_column("review_params")
        batch.drop_column("review_code")
    _recreate_sqlite_triggers()
