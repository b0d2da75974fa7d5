# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_ok.py
revision = "b"
down_revision = "a"
# versions/x_second_base.py
revision = "x"  # expect: AG105
down_revision = None
