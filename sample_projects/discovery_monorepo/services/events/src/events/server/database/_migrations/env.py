from alembic import context

from events.server.database.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online():
    context.configure(connection=config.attributes['connection'], target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()

# the dialect's own history is chosen at run time
context.script.version_locations = ['versions/' + config.get_main_option('dialect')]
