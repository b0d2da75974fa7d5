from alembic import op

revision = "ag421_bind_p"
down_revision = None


def upgrade():
    import sqlalchemy as sa

    op.execute(sa.text("UPDATE users SET plan = :plan WHERE plan IS NULL").bindparams(plan="free"))
    op.get_bind().execute(sa.text("DELETE FROM sessions WHERE created < %(cutoff)s"), {"cutoff": "2020-01-01"})
    op.execute("PRAGMA foreign_keys=OFF")
    op.execute("SELEC broken")  # expect: AG421


def downgrade():
    pass
