# Trimmed from keystone/common/sql/migrations/env.py: it imports the application.
import sys
sys.exit("keystone env.py must not be executed by static checks")

from alembic import context
from keystone.common.sql import core
from keystone.common.sql.migrations import autogen

config = context.config
target_metadata = core.ModelBase.metadata


def run_migrations_online():
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
