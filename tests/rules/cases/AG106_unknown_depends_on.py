# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_depends_ok.py
revision = "b"
down_revision = "a"
depends_on = None
# versions/c_depends_known.py
revision = "c"
down_revision = "b"
depends_on = "a"
# versions/d_depends_missing.py
revision = "d"  # expect: AG106
down_revision = "c"
depends_on = "nope"
