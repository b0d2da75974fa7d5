# versions/a_base.py
revision = "a"
down_revision = None
# versions/b_expand.py
revision = "b"
down_revision = "a"
branch_labels = ("expand",)
# versions/c_contract.py
revision = "c"
down_revision = "a"
branch_labels = ("contract",)
