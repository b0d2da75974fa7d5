import pathlib, os, sys
pathlib.Path(os.environ.get("AG_TRAP_DIR", "/tmp")).joinpath("EXECUTED-" + __name__.replace(".", "_")).write_text(__file__)

os._exit(3)

from alembic import context

from app.models import Base

target_metadata = Base.metadata


def run_migrations_online():
    context.configure(target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
