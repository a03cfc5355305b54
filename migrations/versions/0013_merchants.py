"""merchants: applications, approved merchants, offers with immutable revisions, offer images

An offer's terms are revision rows that are never changed (an edit adds one); the offer row
holds its status, its current revision and the inventory the mall decrements (CHECK >= 0).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:37:09.709795

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('merchant_applications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('applicant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('unified_credit_code', sa.String(length=18), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('contact_name', sa.String(length=40), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('city_codes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_merchant_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_merchant_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_merchant_applications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_applications'))
    )
    with op.batch_alter_table('merchant_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchant_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index('ix_merchant_applications_status', ['status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merchant_applications_unified_credit_code'), ['unified_credit_code'], unique=False)

    op.create_table('merchants',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('city_codes', sa.JSON(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['merchant_applications.id'], name=op.f('fk_merchants_application_id_merchant_applications')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_merchants_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merchants')),
    sa.UniqueConstraint('application_id', name=op.f('uq_merchants_application_id')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_merchants_organisation_id'))
    )
    op.create_table('offer_images',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_offer_images_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_offer_images_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_images'))
    )
    with op.batch_alter_table('offer_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_images_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('offers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('inventory', sa.Integer(), nullable=False),
    sa.Column('current_revision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('inventory >= 0', name=op.f('ck_offers_inventory_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_offers_created_by_id_users')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_offers_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_merchant', ['merchant_id', 'id'], unique=False)
        batch_op.create_index('ix_offers_status', ['status'], unique=False)

    op.create_table('offer_revisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('offer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=80), nullable=False),
    sa.Column('title_en', sa.String(length=120), nullable=False),
    sa.Column('terms_zh', sa.Text(), nullable=False),
    sa.Column('terms_en', sa.Text(), nullable=False),
    sa.Column('points_cost', sa.Integer(), nullable=False),
    sa.Column('inventory', sa.Integer(), nullable=False),
    sa.Column('per_person_limit', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('city_codes', sa.JSON(), nullable=False),
    sa.Column('image_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('inventory >= 0', name=op.f('ck_offer_revisions_inventory_not_negative')),
    sa.CheckConstraint('per_person_limit > 0', name=op.f('ck_offer_revisions_per_person_limit_positive')),
    sa.CheckConstraint('points_cost > 0', name=op.f('ck_offer_revisions_points_cost_positive')),
    sa.CheckConstraint('valid_from < valid_until', name=op.f('ck_offer_revisions_window_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_offer_revisions_created_by_id_users')),
    sa.ForeignKeyConstraint(['image_id'], ['offer_images.id'], name=op.f('fk_offer_revisions_image_id_offer_images')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_revisions_offer_id_offers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_revisions')),
    sa.UniqueConstraint('offer_id', 'number', name=op.f('uq_offer_revisions_offer_id_number'))
    )
    with op.batch_alter_table('offer_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_revisions_offer_id'), ['offer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('offer_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_revisions_offer_id'))

    op.drop_table('offer_revisions')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_status')
        batch_op.drop_index('ix_offers_merchant')

    op.drop_table('offers')
    with op.batch_alter_table('offer_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_images_merchant_id'))

    op.drop_table('offer_images')
    op.drop_table('merchants')
    with op.batch_alter_table('merchant_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchant_applications_unified_credit_code'))
        batch_op.drop_index('ix_merchant_applications_status')
        batch_op.drop_index(batch_op.f('ix_merchant_applications_applicant_id'))

    op.drop_table('merchant_applications')
