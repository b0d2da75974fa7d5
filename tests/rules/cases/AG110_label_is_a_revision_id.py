# versions/a_base.py
revision = "a"  # expect: AG110
down_revision = None
branch_labels = ("b",)
# versions/b_next.py
revision = "b"  # expect: AG110
down_revision = "a"
branch_labels = ("x", "x")
# versions/c_own.py
revision = "c"  # expect: AG110
down_revision = "b"
branch_labels = "c"
# versions/d_fine.py
revision = "d"
down_revision = "c"
branch_labels = ("reports",)
