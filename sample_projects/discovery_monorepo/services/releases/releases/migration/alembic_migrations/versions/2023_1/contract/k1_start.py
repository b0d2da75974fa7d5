"""start"""
from alembic import op
import sqlalchemy as sa

revision = "k1"
down_revision = None
branch_labels = ('contract',)
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
