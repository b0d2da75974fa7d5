"""`python -m alembic_guard`. `-m` puts the current folder first on sys.path: in a checked-out
repository, a committed click.py or sqlalchemy.py would then be imported instead of the real one
(and run). Drop that entry before importing anything else (alembic_guard itself is already
loaded); prefer the `alembic-guard` script, or `python -I -m alembic_guard` (docs/security.md)."""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()) and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]

from alembic_guard.cli import main  # noqa: E402 - after the sys.path fix above

if __name__ == "__main__":
    main()
