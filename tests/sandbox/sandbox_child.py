"""Child process for the cleanup tests: open a sandbox, create a database, report, then misbehave.

Usage: python sandbox_child.py SPEC MODE   (MODE: raise | wait)
Prints one JSON line {"url", "name", "pid", "workdir", "postmaster"} once the database exists.
"""

import json
import os
import sys
import time

from alembic_guard.sandbox.database import open_sandbox

spec, mode = sys.argv[1], sys.argv[2]
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
while True:
    time.sleep(0.05)
