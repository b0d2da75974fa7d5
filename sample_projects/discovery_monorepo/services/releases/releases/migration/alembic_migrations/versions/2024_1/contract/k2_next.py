"""next contract"""
from alembic import op
import sqlalchemy as sa

revision = "k2"
down_revision = 'k1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
