from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base
from myapp.models import User  # expect: AG422
import myapp.db.models as m  # expect: AG422
from migrations.helpers import stub  # a helper beside the migrations: fine
from .shared import CONSTANT  # relative: beside the revision

revision = "a422"
down_revision = None


def upgrade():
    op.create_index("ix_user_email", User.__tablename__, ["email"])
