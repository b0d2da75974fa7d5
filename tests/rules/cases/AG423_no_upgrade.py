from alembic import op

revision = "a423b"
down_revision = None

upgrade = make_upgrade("user")  # expect: AG423
