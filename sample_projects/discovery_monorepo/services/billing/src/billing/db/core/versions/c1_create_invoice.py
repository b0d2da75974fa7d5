"""create invoice"""
from alembic import op
import sqlalchemy as sa

revision = "c1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice', sa.Column('id', sa.Integer, primary_key=True))


def downgrade():
    pass
