"""more"""
from alembic import op
import sqlalchemy as sa

revision = "po2"
down_revision = 'po1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
