# versions/a_empty_parent.py
revision = "a"  # expect: AG112
down_revision = ""
# versions/b_empty_in_tuple.py
revision = "b"  # expect: AG112
down_revision = ("a", "")
# versions/c_numeric_label.py
revision = "c"  # expect: AG112
down_revision = "b"
branch_labels = 5
# versions/d_empty_dependency.py
revision = "d"  # expect: AG112
down_revision = "c"
depends_on = ""
# versions/e_fine.py
revision = "e"
down_revision = "d"
branch_labels = ("billing",)
depends_on = ("a", "billing")
# versions/f_none_is_fine.py
revision = "f"
down_revision = None
branch_labels = None
depends_on = ()
