"""registry: batches, their contributions and audit sample, serial blocks, listings, orders and
retirements (DESIGN.md §7)

A reduction is pooled at most once (``registry_contributions.reduction_id`` is unique); a
batch's live blocks tile its serial numbers; orders and retirements own blocks by id.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 18:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "registry_retirements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column(
            "holder_org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "retired_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("tonnes", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("purpose_year", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("beneficiary_zh", sa.String(length=160), nullable=False),
        sa.Column("beneficiary_en", sa.String(length=200), nullable=False),
        sa.Column(
            "certificate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tonnes > 0", name=op.f("ck_registry_retirements_tonnes_positive")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_registry_retirements_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_org_id"],
            ["organisations.id"],
            name=op.f("fk_registry_retirements_holder_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["retired_by_id"],
            ["users.id"],
            name=op.f("fk_registry_retirements_retired_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_retirements")),
        sa.UniqueConstraint("code", name=op.f("uq_registry_retirements_code")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_registry_retirements_idempotency_key")
        ),
    )
    with op.batch_alter_table("registry_retirements", schema=None) as batch_op:
        batch_op.create_index("ix_registry_retirements_case", ["case_id"], unique=False)
        batch_op.create_index("ix_registry_retirements_event", ["event_id"], unique=False)
        batch_op.create_index(
            "ix_registry_retirements_holder", ["holder_org_id", "id"], unique=False
        )

    op.create_table(
        "registry_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "methodology_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("methodology_code", sa.String(length=40), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("batch_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("contribution_count", sa.BigInteger(), nullable=False),
        sa.Column("contributor_count", sa.BigInteger(), nullable=False),
        sa.Column("contributed_grams", sa.BigInteger(), nullable=False),
        sa.Column("carry_in_grams", sa.BigInteger(), nullable=False),
        sa.Column("pooled_grams", sa.BigInteger(), nullable=False),
        sa.Column("buffer_bp", sa.Integer(), nullable=False),
        sa.Column("total_tonnes", sa.BigInteger(), nullable=False),
        sa.Column("buffer_tonnes", sa.BigInteger(), nullable=False),
        sa.Column("issued_tonnes", sa.BigInteger(), nullable=False),
        sa.Column("carry_out_grams", sa.BigInteger(), nullable=False),
        sa.Column("sample_seed", sa.String(length=64), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("sample_rule", sa.String(length=40), nullable=False),
        sa.Column("sample_failed", sa.Integer(), nullable=False),
        sa.Column("rejection_reason", sa.String(length=40), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "sampled_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "verified_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "issued_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "rejected_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "buffer_bp >= 0 AND buffer_bp <= 10000",
            name=op.f("ck_registry_batches_buffer_share_in_range"),
        ),
        sa.CheckConstraint(
            "pooled_grams >= 0 AND carry_in_grams >= 0",
            name=op.f("ck_registry_batches_grams_not_negative"),
        ),
        sa.CheckConstraint(
            "total_tonnes = issued_tonnes + buffer_tonnes AND issued_tonnes >= 0 "
            "AND buffer_tonnes >= 0",
            name=op.f("ck_registry_batches_tonnes_add_up"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_registry_batches_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["methodology_id"],
            ["methodologies.id"],
            name=op.f("fk_registry_batches_methodology_id_methodologies"),
        ),
        sa.ForeignKeyConstraint(
            ["rejected_by_id"], ["users.id"], name=op.f("fk_registry_batches_rejected_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["sampled_by_id"], ["users.id"], name=op.f("fk_registry_batches_sampled_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"], ["users.id"], name=op.f("fk_registry_batches_verified_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_batches")),
        sa.UniqueConstraint(
            "methodology_id",
            "vintage",
            "batch_no",
            name=op.f("uq_registry_batches_methodology_id_vintage_batch_no"),
        ),
    )
    with op.batch_alter_table("registry_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_batches_methodology_id"), ["methodology_id"], unique=False
        )
        batch_op.create_index("ix_registry_batches_status", ["status", "id"], unique=False)

    op.create_table(
        "registry_contributions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "reduction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("grams > 0", name=op.f("ck_registry_contributions_grams_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["registry_batches.id"],
            name=op.f("fk_registry_contributions_batch_id_registry_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_contributions")),
        sa.UniqueConstraint("reduction_id", name=op.f("uq_registry_contributions_reduction_id")),
    )
    with op.batch_alter_table("registry_contributions", schema=None) as batch_op:
        batch_op.create_index("ix_registry_contributions_batch", ["batch_id", "id"], unique=False)
        batch_op.create_index(
            "ix_registry_contributions_user", ["user_id", "batch_id"], unique=False
        )

    op.create_table(
        "registry_listings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("price_fen_per_tonne", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column(
            "listed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "price_fen_per_tonne > 0", name=op.f("ck_registry_listings_price_positive")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["registry_batches.id"],
            name=op.f("fk_registry_listings_batch_id_registry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["listed_by_id"], ["users.id"], name=op.f("fk_registry_listings_listed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_listings")),
    )
    with op.batch_alter_table("registry_listings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_listings_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index("ix_registry_listings_status", ["status", "id"], unique=False)

    op.create_table(
        "registry_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "listing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "buyer_org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "ordered_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("tonnes", sa.BigInteger(), nullable=False),
        sa.Column("price_fen_per_tonne", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_reference", sa.String(length=64), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "payment_recorded_by_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "released_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint(
            "amount_fen = tonnes * price_fen_per_tonne",
            name=op.f("ck_registry_orders_amount_adds_up"),
        ),
        sa.CheckConstraint("tonnes > 0", name=op.f("ck_registry_orders_tonnes_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["registry_batches.id"],
            name=op.f("fk_registry_orders_batch_id_registry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_org_id"],
            ["organisations.id"],
            name=op.f("fk_registry_orders_buyer_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["registry_listings.id"],
            name=op.f("fk_registry_orders_listing_id_registry_listings"),
        ),
        sa.ForeignKeyConstraint(
            ["ordered_by_id"], ["users.id"], name=op.f("fk_registry_orders_ordered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["payment_recorded_by_id"],
            ["users.id"],
            name=op.f("fk_registry_orders_payment_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_registry_orders_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_orders")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_registry_orders_idempotency_key")),
        sa.UniqueConstraint("payment_reference", name=op.f("uq_registry_orders_payment_reference")),
    )
    with op.batch_alter_table("registry_orders", schema=None) as batch_op:
        batch_op.create_index("ix_registry_orders_buyer", ["buyer_org_id", "id"], unique=False)
        batch_op.create_index(
            "ix_registry_orders_status_expiry", ["status", "expires_at"], unique=False
        )

    op.create_table(
        "registry_sample_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contribution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column(
            "reviewed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["registry_batches.id"],
            name=op.f("fk_registry_sample_items_batch_id_registry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["registry_contributions.id"],
            name=op.f("fk_registry_sample_items_contribution_id_registry_contributions"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_registry_sample_items_reviewed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_sample_items")),
        sa.UniqueConstraint(
            "batch_id", "position", name=op.f("uq_registry_sample_items_batch_id_position")
        ),
    )
    op.create_table(
        "registry_blocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("start_serial", sa.BigInteger(), nullable=False),
        sa.Column("end_serial", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column(
            "holder_org_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "retirement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "split_from_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "start_serial >= 1 AND end_serial >= start_serial",
            name=op.f("ck_registry_blocks_range_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["registry_batches.id"],
            name=op.f("fk_registry_blocks_batch_id_registry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_org_id"],
            ["organisations.id"],
            name=op.f("fk_registry_blocks_holder_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["registry_orders.id"],
            name=op.f("fk_registry_blocks_order_id_registry_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["retirement_id"],
            ["registry_retirements.id"],
            name=op.f("fk_registry_blocks_retirement_id_registry_retirements"),
        ),
        sa.ForeignKeyConstraint(
            ["split_from_id"],
            ["registry_blocks.id"],
            name=op.f("fk_registry_blocks_split_from_id_registry_blocks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_blocks")),
        sa.UniqueConstraint(
            "batch_id", "start_serial", name=op.f("uq_registry_blocks_batch_id_start_serial")
        ),
    )
    with op.batch_alter_table("registry_blocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registry_blocks_batch_state", ["batch_id", "state", "start_serial"], unique=False
        )
        batch_op.create_index("ix_registry_blocks_holder", ["holder_org_id", "state"], unique=False)
        batch_op.create_index("ix_registry_blocks_order", ["order_id"], unique=False)
        batch_op.create_index("ix_registry_blocks_retirement", ["retirement_id"], unique=False)


def downgrade():
    with op.batch_alter_table("registry_blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_blocks_retirement")
        batch_op.drop_index("ix_registry_blocks_order")
        batch_op.drop_index("ix_registry_blocks_holder")
        batch_op.drop_index("ix_registry_blocks_batch_state")

    op.drop_table("registry_blocks")
    op.drop_table("registry_sample_items")
    with op.batch_alter_table("registry_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_orders_status_expiry")
        batch_op.drop_index("ix_registry_orders_buyer")

    op.drop_table("registry_orders")
    with op.batch_alter_table("registry_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_listings_status")
        batch_op.drop_index(batch_op.f("ix_registry_listings_batch_id"))

    op.drop_table("registry_listings")
    with op.batch_alter_table("registry_contributions", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_contributions_user")
        batch_op.drop_index("ix_registry_contributions_batch")

    op.drop_table("registry_contributions")
    with op.batch_alter_table("registry_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_batches_status")
        batch_op.drop_index(batch_op.f("ix_registry_batches_methodology_id"))

    op.drop_table("registry_batches")
    with op.batch_alter_table("registry_retirements", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_retirements_holder")
        batch_op.drop_index("ix_registry_retirements_event")
        batch_op.drop_index("ix_registry_retirements_case")

    op.drop_table("registry_retirements")
