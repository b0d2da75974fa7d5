"""start"""
from alembic import op
import sqlalchemy as sa

revision = "e1"
down_revision = None
branch_labels = ('expand',)
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
