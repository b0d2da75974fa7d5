from alembic import context

from billing.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online():
    context.configure(connection=config.attributes['connection'], target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
