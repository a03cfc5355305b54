"""vouchers: what citizens bought in the points mall, with the revision and price copied at issue

A voucher's code is unique and unguessable (80 random bits); its request key (the redeem form's
one-time token) is unique, so a replayed request issues one voucher.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:20:20.747011

"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vouchers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=False),
    sa.Column('offer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('revision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('points_cost', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('points_cost > 0', name=op.f('ck_vouchers_points_cost_positive')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_vouchers_checked_by_id_users')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_vouchers_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_vouchers_offer_id_offers')),
    sa.ForeignKeyConstraint(['revision_id'], ['offer_revisions.id'], name=op.f('fk_vouchers_revision_id_offer_revisions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vouchers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('code', name=op.f('uq_vouchers_code')),
    sa.UniqueConstraint('request_key', name=op.f('uq_vouchers_request_key'))
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index('ix_vouchers_merchant_issued', ['merchant_id', 'issued_at'], unique=False)
        batch_op.create_index('ix_vouchers_offer_user', ['offer_id', 'user_id'], unique=False)
        batch_op.create_index('ix_vouchers_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_vouchers_user', ['user_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index('ix_vouchers_user')
        batch_op.drop_index('ix_vouchers_status_expires')
        batch_op.drop_index('ix_vouchers_offer_user')
        batch_op.drop_index('ix_vouchers_merchant_issued')

    op.drop_table('vouchers')
