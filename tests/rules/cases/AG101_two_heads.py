# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_add_email.py
revision = "b"  # expect: AG101
down_revision = "a"
# versions/c_add_phone.py
revision = "c"
down_revision = "a"
