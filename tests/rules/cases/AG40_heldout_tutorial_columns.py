# case: dialect=postgresql server-version=16
# Held-out: columns added the ways the Alembic tutorial, the SQLAlchemy docs and FastAPI/Flask
# tutorials write them, WRONG and CORRECT.
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Column, DateTime, String, func

revision = "h40c"
down_revision = None


def upgrade():
    # WRONG
    op.add_column("account", sa.Column("last_transaction_date", sa.DateTime, nullable=False))  # expect: AG405
    op.add_column("users", Column("nickname", String(50), nullable=False))  # expect: AG405
    op.add_column("t", sa.Column("a", sa.Integer, nullable=False, server_default=None))  # expect: AG405
    col = sa.Column("c", sa.Text(), nullable=False)
    op.add_column("t", col)  # expect: AG405
    op.add_column("t", sa.Column("d", sa.Text(), nullable=False), schema="public")  # expect: AG405
    op.add_column(table_name="t", column=sa.Column("e", sa.Text(), nullable=False))  # expect: AG405
    op.add_column("t", sa.Column("uid", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))  # expect: AG406
    op.add_column("t", sa.Column("j", sa.Float(), server_default=sa.text("random()")))  # expect: AG406
    op.add_column("t", sa.Column("k", sa.Uuid(), server_default=sa.func.gen_random_uuid()))  # expect: AG406
    op.add_column("t", sa.Column("n", sa.BigInteger, sa.Identity(), nullable=False))  # expect: AG406
    op.add_column("t", sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id"), nullable=True))  # expect: AG404
    op.add_column("t", sa.Column("email", sa.String(), unique=True))  # expect: AG408
    op.create_check_constraint("ck_t_price", "t", sa.column("price") > 0)  # expect: AG409
    for name in ("f", "g"):
        op.create_index(f"ix_t_{name}", "t", [name])  # expect: AG401
    op.create_index("ix_t_h", "t", ["h"], postgresql_concurrently=True)  # expect: AG402
    op.execute(sa.text("CREATE INDEX CONCURRENTLY ix_t_i ON t (i)"))  # expect: AG402
    op.create_foreign_key("fk_t_team", "t", "team", ["team_id"], ["id"], ondelete="CASCADE")  # expect: AG404
    op.alter_column("users", "email", existing_type=sa.String(), nullable=False)  # expect: AG407

    # CORRECT
    op.add_column("t", sa.Column("b", sa.Text(), nullable=False, server_default=""))
    op.add_column("users", Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False))
    op.add_column("users", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("users", sa.Column("score", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.add_column("t", sa.Column("l", sa.Uuid(), default=uuid.uuid4))  # Python-side default: no rewrite
    op.alter_column("users", "name", existing_type=sa.VARCHAR(length=50), type_=sa.String(length=100))
    op.alter_column("users", "bio", existing_type=sa.String(length=50), type_=sa.Text())
    op.execute("ALTER TABLE users ADD CONSTRAINT users_phone_not_null CHECK (phone IS NOT NULL) NOT VALID")
    op.execute("COMMIT")  # VALIDATE in the same transaction would hold the ADD's lock (squawk; AG409)
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_phone_not_null")
    op.alter_column("users", "phone", existing_type=sa.String(), nullable=False)  # PG 12+: uses the CHECK
    op.create_check_constraint("ck_price_positive", "products", "price > 0", postgresql_not_valid=True)
    op.create_foreign_key("fk_team", "users", "teams", ["team_id"], ["id"], postgresql_not_valid=True)
    with op.get_context().autocommit_block():
        op.create_index("ix_users_email", "users", ["email"], unique=True, postgresql_concurrently=True)
    op.create_table("badge", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.add_column("badge", sa.Column("label", sa.Text(), nullable=False))
    op.create_index("ix_badge_label", "badge", ["label"], unique=True)
