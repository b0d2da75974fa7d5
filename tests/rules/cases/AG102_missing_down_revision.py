# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_ok.py
revision = "b"
down_revision = "a"
# versions/c_dangling.py
revision = "c"  # expect: AG102
down_revision = "zzz_deleted"
