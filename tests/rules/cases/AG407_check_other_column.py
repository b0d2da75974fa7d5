from alembic import op

revision = "ag407_check_"
down_revision = None


def upgrade():
    # the PG12 exemption needs a validated CHECK (col IS NOT NULL) on the same column
    op.execute("ALTER TABLE orders ADD CONSTRAINT orders_email_nn CHECK (email IS NOT NULL) NOT VALID")
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_email_nn")
    op.execute("ALTER TABLE orders ALTER COLUMN note SET NOT NULL")  # expect: AG407
    op.execute("ALTER TABLE orders ALTER COLUMN email SET NOT NULL")  # proven by orders_email_nn
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_phone_not_null")  # added by an earlier revision
    op.execute("ALTER TABLE users ALTER COLUMN phone SET NOT NULL")  # its name says the column


def downgrade():
    pass
