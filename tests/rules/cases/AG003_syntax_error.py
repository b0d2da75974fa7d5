revision = "a1"
down_revision = None


def upgrade(:  # expect: AG003
    pass
