"""contract"""
from images.db import migration
from alembic import op
import sqlalchemy as sa

revision = "r1_contract01"
down_revision = 'base'
branch_labels = (migration.CONTRACT_BRANCH,)
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
