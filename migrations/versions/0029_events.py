"""events: large events, their versioned footprints and the mall offers they link

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade():
    op.create_table(
        "events",
        sa.Column("id", KEY, nullable=False),
        sa.Column("organisation_id", KEY, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title_zh", sa.String(length=80), nullable=False),
        sa.Column("title_en", sa.String(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("venue_zh", sa.String(length=80), nullable=False),
        sa.Column("venue_en", sa.String(length=120), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("created_by_id", KEY, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("neutral_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("certificate_id", KEY, nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_events_dates_in_order")),
        sa.CheckConstraint(
            "attendees > 0 AND attendees <= 1000000", name=op.f("ck_events_attendees_range")
        ),
        _fk("events", "organisation_id", "organisations"),
        _fk("events", "created_by_id", "users"),
        _fk("events", "certificate_id", "certificates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_organisation", "events", ["organisation_id", "id"])
    op.create_table(
        "event_footprints",
        sa.Column("id", KEY, nullable=False),
        sa.Column("event_id", KEY, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total_grams", sa.BigInteger(), nullable=False),
        sa.Column("tonnes", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", KEY, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("total_grams >= 0", name=op.f("ck_event_footprints_grams_not_negative")),
        sa.CheckConstraint("tonnes >= 0", name=op.f("ck_event_footprints_tonnes_not_negative")),
        _fk("event_footprints", "event_id", "events"),
        _fk("event_footprints", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_footprints")),
        sa.UniqueConstraint(
            "event_id", "version", name=op.f("uq_event_footprints_event_id_version")
        ),
    )
    op.create_index(
        op.f("ix_event_footprints_event_id"), "event_footprints", ["event_id"]
    )
    op.create_table(
        "event_offers",
        sa.Column("id", KEY, nullable=False),
        sa.Column("event_id", KEY, nullable=False),
        sa.Column("offer_id", KEY, nullable=False),
        sa.Column("created_by_id", KEY, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("event_offers", "event_id", "events"),
        _fk("event_offers", "offer_id", "offers"),
        _fk("event_offers", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_offers")),
        sa.UniqueConstraint("event_id", "offer_id", name=op.f("uq_event_offers_event_id_offer_id")),
    )
    op.create_index(op.f("ix_event_offers_event_id"), "event_offers", ["event_id"])


def downgrade():
    op.drop_index(op.f("ix_event_offers_event_id"), table_name="event_offers")
    op.drop_table("event_offers")
    op.drop_index(op.f("ix_event_footprints_event_id"), table_name="event_footprints")
    op.drop_table("event_footprints")
    op.drop_index("ix_events_organisation", table_name="events")
    op.drop_table("events")
