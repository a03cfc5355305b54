"""registry cases: 以碳代偿 court cases that retirements with purpose "compensation" fulfil

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 18:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "registry_cases",
        sa.Column("id", KEY, nullable=False),
        sa.Column("case_number", sa.String(length=60), nullable=False),
        sa.Column("org_id", KEY, nullable=False),
        sa.Column("court_zh", sa.String(length=120), nullable=False),
        sa.Column("court_en", sa.String(length=160), nullable=False),
        sa.Column("procuratorate_zh", sa.String(length=120), nullable=False),
        sa.Column("procuratorate_en", sa.String(length=160), nullable=False),
        sa.Column("case_type", sa.String(length=24), nullable=False),
        sa.Column("defendant_name", sa.String(length=120), nullable=False),
        sa.Column("is_defendant_org", sa.Boolean(), nullable=False),
        sa.Column("defendant_org_id", KEY, nullable=True),
        sa.Column("public_defendant_zh", sa.String(length=120), nullable=False),
        sa.Column("public_defendant_en", sa.String(length=160), nullable=False),
        sa.Column("damage_facts_zh", sa.Text(), nullable=False),
        sa.Column("damage_facts_en", sa.Text(), nullable=False),
        sa.Column("appraiser_zh", sa.String(length=120), nullable=False),
        sa.Column("appraiser_en", sa.String(length=160), nullable=False),
        sa.Column("appraisal_report_no", sa.String(length=80), nullable=False),
        sa.Column("damage_fen", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("price_fen_per_tonne", sa.BigInteger(), nullable=True),
        sa.Column("required_tonnes", sa.BigInteger(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("judgment_url", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("is_late", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", KEY, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.Column("overdue_at", NOW, nullable=True),
        sa.Column("fulfilled_at", NOW, nullable=True),
        sa.CheckConstraint("damage_fen >= 0", name=op.f("ck_registry_cases_damage_not_negative")),
        sa.CheckConstraint("required_tonnes > 0", name=op.f("ck_registry_cases_tonnes_positive")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_registry_cases_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["defendant_org_id"],
            ["organisations.id"],
            name=op.f("fk_registry_cases_defendant_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_registry_cases_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_cases")),
        sa.UniqueConstraint("case_number", name=op.f("uq_registry_cases_case_number")),
    )
    op.create_index("ix_registry_cases_org", "registry_cases", ["org_id", "id"])
    op.create_index(
        "ix_registry_cases_state_deadline", "registry_cases", ["state", "deadline_on"]
    )


def downgrade():
    op.drop_index("ix_registry_cases_state_deadline", table_name="registry_cases")
    op.drop_index("ix_registry_cases_org", table_name="registry_cases")
    op.drop_table("registry_cases")
