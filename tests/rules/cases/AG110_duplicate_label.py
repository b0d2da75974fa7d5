# versions/a_base.py
revision = "a"
down_revision = None
branch_labels = ("core",)
# versions/b_other.py
revision = "b"
down_revision = "a"
branch_labels = ("billing",)
# versions/c_same_label.py
revision = "c"  # expect: AG110
down_revision = "b"
branch_labels = ("core",)
