# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_first.py
revision = "b"  # expect: AG104
down_revision = "a"
# versions/b_copy.py
revision = "b"
down_revision = "a"
