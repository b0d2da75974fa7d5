# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_ok.py
revision = "b"
down_revision = "a"
# versions/c_loop.py
revision = "c"  # expect: AG103
down_revision = "d"
# versions/d_loop.py
revision = "d"
down_revision = "c"
