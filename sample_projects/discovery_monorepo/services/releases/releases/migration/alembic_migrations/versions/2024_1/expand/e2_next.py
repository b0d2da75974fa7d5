"""next expand"""
from alembic import op
import sqlalchemy as sa

revision = "e2"
down_revision = 'e1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
