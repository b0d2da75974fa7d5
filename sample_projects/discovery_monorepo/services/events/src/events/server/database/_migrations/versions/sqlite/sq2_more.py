"""more"""
from alembic import op
import sqlalchemy as sa

revision = "sq2"
down_revision = 'sq1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
