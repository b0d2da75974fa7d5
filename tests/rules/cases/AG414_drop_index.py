from alembic import op
import sqlalchemy as sa

revision = "a414"
down_revision = None


def upgrade():
    op.drop_index("ix_user_email", table_name="user")  # expect: AG414
    op.drop_index(op.f("ix_user_name"))  # expect: AG414
    op.execute("DROP INDEX ix_account_code")  # expect: AG414
    with op.get_context().autocommit_block():
        op.drop_index("ix_user_login", table_name="user", postgresql_concurrently=True)
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_account_zip")
    with op.get_context().autocommit_block():
        op.create_index("ix_tmp", "user", ["tmp"], postgresql_concurrently=True)
    op.drop_index("ix_tmp", table_name="user")  # created above in this migration


def downgrade():
    op.drop_index("ix_user_phone", table_name="user")
