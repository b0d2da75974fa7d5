"""index"""
from alembic import op
import sqlalchemy as sa

revision = "t2"
down_revision = 't1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_invoice_id', 'invoice', ['id'])


def downgrade():
    pass
