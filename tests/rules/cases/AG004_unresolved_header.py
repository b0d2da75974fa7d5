# versions/a_literal.py
revision = "a"
down_revision = None
# versions/b_constant.py
PARENT = "a"
revision = "b"
down_revision = PARENT
# versions/c_tuple.py
revision: str = "c"
down_revision: tuple = ("b",)
# versions/d_from_environment.py
import os

revision = os.environ["REV"]  # expect: AG004
down_revision = "c"
# versions/e_imported_parent.py
from elsewhere import PARENT

revision = "e"
down_revision = PARENT  # expect: AG004
