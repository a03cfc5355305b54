"""reductions can be reversed when partner data of the same act replaces a self-report

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reductions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reversed_by_record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reductions_reversed_by_record_id_behavior_records'), 'behavior_records', ['reversed_by_record_id'], ['id'])


def downgrade():
    with op.batch_alter_table('reductions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reductions_reversed_by_record_id_behavior_records'), type_='foreignkey')
        batch_op.drop_column('reversed_by_record_id')
        batch_op.drop_column('reversed_at')
