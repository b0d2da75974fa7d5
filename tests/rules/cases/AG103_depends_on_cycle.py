# versions/a_base.py
revision = "a"  # expect: AG103
down_revision = None
depends_on = "c"
# versions/b_next.py
revision = "b"
down_revision = "a"
# versions/c_last.py
revision = "c"
down_revision = "b"
depends_on = "a"
# versions/d_self.py
revision = "d"  # expect: AG103
down_revision = "c"
depends_on = "d"
# versions/e_fine.py
revision = "e"
down_revision = "d"
depends_on = ("a", "b")
