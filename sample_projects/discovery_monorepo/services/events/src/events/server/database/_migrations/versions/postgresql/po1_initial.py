"""initial"""
from alembic import op
import sqlalchemy as sa

revision = "po1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
