"""widen product title with MySQL's MODIFY COLUMN

Revision ID: bbbbbbbbbbbb
Revises: aaaaaaaaaaaa
Create Date: 2026-01-12 10:00:00.000000

"""
from alembic import op

revision = "bbbbbbbbbbbb"
down_revision = "aaaaaaaaaaaa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE product MODIFY COLUMN title VARCHAR(255) CHARACTER SET utf8mb4 NOT NULL")
    op.execute("ALTER TABLE product ADD FULLTEXT INDEX ft_product_title (title)")


def downgrade() -> None:
    op.execute("ALTER TABLE product DROP INDEX ft_product_title")
    op.execute("ALTER TABLE product MODIFY COLUMN title VARCHAR(120) CHARACTER SET utf8mb4 NOT NULL")
