"""expand"""
from images.db import migration
from alembic import op
import sqlalchemy as sa

revision = "r1_expand01"
down_revision = 'base'
branch_labels = (migration.EXPAND_BRANCH,)
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
