"""Child process for the cleanup tests: open a sandbox, create a database, report, then misbehave.

Usage: python sandbox_child.py SPEC MODE   (MODE: raise | wait | stuck-query | signal-while-starting:N)
Prints one JSON line {"url", "name", "pid", "workdir", "postmaster"} once the database exists.
"""

import json
import os
import sys
import time

from alembic_guard.sandbox.database import open_sandbox

spec, mode = sys.argv[1], sys.argv[2]

if mode.startswith("signal-while-starting:"):  # e.g. signal-while-starting:15
    import glob
    import signal

    from alembic_guard.sandbox import tempdirs

    def progress(message: str) -> None:
        if message.startswith("starting PostgreSQL"):  # data dir ready, server not yet running
            mine = [d for d in glob.glob(str(tempdirs.base_dir() / "alembic-guard-pg-*"))
                    if (tempdirs.owner_of(__import__("pathlib").Path(d)) or (0,))[0] == os.getpid()]
            print(json.dumps({"workdirs": mine}), flush=True)
            os.kill(os.getpid(), int(mode.split(":")[1]))
            time.sleep(5)  # the signal is handled before this returns

    open_sandbox(spec, progress=progress)
    print("STARTED ANYWAY", flush=True)
    sys.exit(3)

sandbox = open_sandbox(spec)  # deliberately no `with`: signal handlers and atexit must do the work
url = sandbox.create_database()
cluster = getattr(sandbox, "cluster", None)
info = {
    "url": url,
    "name": sandbox.database_name(url),
    "describe": sandbox.describe(),
    "pid": os.getpid(),
    "workdir": str(cluster.workdir) if cluster else str(getattr(sandbox, "path", "")),
    "postmaster": cluster.process.pid if cluster else None,
}
print(json.dumps(info), flush=True)
if mode == "raise":
    raise RuntimeError("a migration failed")
if mode == "stuck-query":  # a migration stuck in the driver's C code (no Python handler can run)
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        sleep = "SELECT pg_sleep(120)" if url.startswith("postgresql") else "SELECT SLEEP(120)"
        conn.execute(sa.text(sleep))
    print("QUERY FINISHED", flush=True)
while True:
    time.sleep(0.05)
