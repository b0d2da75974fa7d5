"""create product table (MySQL-specific types and table options)

Revision ID: aaaaaaaaaaaa
Revises:
Create Date: 2026-01-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = "aaaaaaaaaaaa"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("id", mysql.INTEGER(unsigned=True), primary_key=True, autoincrement=True),
        sa.Column("title", mysql.VARCHAR(120, charset="utf8mb4"), nullable=False),
        sa.Column("flags", mysql.TINYINT(display_width=1), nullable=False, server_default="0"),
        sa.Column("size", mysql.ENUM("s", "m", "l"), nullable=True),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("product")
