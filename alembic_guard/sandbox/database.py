"""Sandboxes: disposable databases for the round trip, behind one interface; this module picks one.

A `Sandbox` (`base.py`) hands out uniquely named throwaway databases (`create_database` → a
SQLAlchemy URL) and removes everything it made when it is closed: the databases, and a server or
temp folder it started. `open_sandbox` picks the backend:

====================  ===============================================================
spec                  backend
====================  ===============================================================
a URL / ``db_url``    `ServerSandbox` (`server.py`): throwaway ``ag_<random>`` databases on that server
``"embedded"``        a private PostgreSQL cluster from local server binaries (`embedded.py`)
``"docker"``          a container via testcontainers (`docker_backend.py`)
``"sqlite"``          `SqliteSandbox` (`sqlite_backend.py`): database files in a temp folder
``"auto"``            the URL if given; else by dialect (see `open_sandbox`)
====================  ===============================================================

Safety rules every backend follows:

* It never writes to a database it did not create: on a server it only runs
  ``CREATE DATABASE`` / ``DROP DATABASE`` for names it generated in this process (`names.py`).
* Cleanup runs on normal exit, on exceptions, on SIGINT and on SIGTERM (`cleanup.py`): while a
  sandbox is open, SIGINT raises ``KeyboardInterrupt`` in the main thread so every
  ``with``/``finally`` runs; SIGTERM closes every open sandbox at once and then takes its usual
  course; an ``atexit`` hook closes whatever is still open at exit.
* Passwords are masked (`mask_url`) in `describe()`, errors, warnings and log lines. Only the URL
  that `create_database` returns carries the password: the round trip needs it to connect.

This module owns the choice (`open_sandbox`: the ``--db`` values, ``$ALEMBIC_GUARD_DB_URL``, the
order of fallbacks and the SQLite fallback warning) and nothing else: it must not create or drop
databases, start servers or handle signals itself; each backend does that in its own module.

>>> with open_sandbox("sqlite") as sb:
...     url = sb.create_database()
...     url.startswith("sqlite:///") and "/ag_" in url
True
"""

from __future__ import annotations

import os

from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.masking import mask_url
from alembic_guard.sandbox.base import Progress, Sandbox
from alembic_guard.sandbox.server import ServerSandbox
from alembic_guard.sandbox.sqlite_backend import SqliteSandbox

ENV_DB_URL = "ALEMBIC_GUARD_DB_URL"
SPECS = ("auto", "embedded", "docker", "sqlite")

SQLITE_FALLBACK_WARNING = (
    "round trip ran on SQLite: PostgreSQL/MySQL behaviour was not tested "
    "(give --db-url, or install PostgreSQL server binaries or Docker)"
)


# ---------------------------------------------------------------------------------------------
# Choosing a backend
# ---------------------------------------------------------------------------------------------
def open_sandbox(
    spec: str | None = "auto",
    *,
    db_url: str | None = None,
    dialect: str | None = None,
    docker_image: str | None = None,
    progress: Progress = None,
    probe_later: bool = False,
) -> Sandbox:
    """Open the sandbox named by `spec` (``auto`` | ``embedded`` | ``docker`` | ``sqlite`` | a URL).

    ``auto``: `db_url` (or ``$ALEMBIC_GUARD_DB_URL``) if given; otherwise by `dialect`:
    postgresql → embedded, then docker; mysql → docker; sqlite → sqlite; unknown → embedded,
    else SQLite with a warning. Raises `DatabaseUnavailable` with a clear message when nothing fits.
    `probe_later`: a server URL's connection is tried with the first CREATE DATABASE (`ServerSandbox`).
    """
    say = progress or (lambda _msg: None)
    db_url = db_url or None
    if spec in (None, "", "auto") and db_url:
        spec = db_url
    spec = spec or "auto"
    if "://" in spec:
        say(f"using database server {mask_url(spec)}")
        return ServerSandbox(spec, probe_later=probe_later)
    if spec not in SPECS:
        raise DatabaseUnavailable(
            f"unknown --db value {spec!r}", hint="use auto, embedded, docker, sqlite or a database URL"
        )
    if spec == "auto" and os.environ.get(ENV_DB_URL):
        return open_sandbox(os.environ[ENV_DB_URL], progress=progress, probe_later=probe_later)
    dialect = (dialect or "").lower() or None
    if dialect in ("postgres", "mariadb"):
        dialect = {"postgres": "postgresql", "mariadb": "mysql"}[dialect]
    if spec == "sqlite":
        return SqliteSandbox()
    if spec == "embedded":
        if dialect not in (None, "postgresql"):
            raise DatabaseUnavailable(
                f"the embedded sandbox is PostgreSQL; this project's dialect is {dialect}",
                hint="use --db docker (with a MySQL image) or --db-url mysql+pymysql://…",
            )
        from alembic_guard.sandbox.embedded import EmbeddedSandbox  # start-up cost: loaded only when tried

        return EmbeddedSandbox(progress=progress)
    if spec == "docker":
        from alembic_guard.sandbox.docker_backend import DockerSandbox  # start-up cost: loaded only when tried

        return DockerSandbox(dialect=dialect or "postgresql", image=docker_image, progress=progress)
    # auto
    if dialect == "sqlite":
        return SqliteSandbox()
    if dialect == "mysql":
        from alembic_guard.sandbox.docker_backend import DockerSandbox  # start-up cost: loaded only when tried

        try:
            return DockerSandbox(dialect="mysql", image=docker_image, progress=progress)
        except DatabaseUnavailable as exc:
            raise DatabaseUnavailable(
                f"this is a MySQL/MariaDB project and no MySQL sandbox is available: {exc.message}",
                hint="give a server with --db-url mysql+pymysql://user:pass@host/ (or ALEMBIC_GUARD_DB_URL)",
            ) from None
    from alembic_guard.sandbox.embedded import EmbeddedSandbox  # start-up cost: loaded only when tried

    problems = []
    try:
        return EmbeddedSandbox(progress=progress)
    except DatabaseUnavailable as exc:
        problems.append(f"embedded: {exc.message}")
    from alembic_guard.sandbox.docker_backend import DockerSandbox  # start-up cost: loaded only when tried

    try:
        return DockerSandbox(dialect="postgresql", image=docker_image, progress=progress)
    except DatabaseUnavailable as exc:
        problems.append(f"docker: {exc.message}")
    if dialect == "postgresql":
        raise DatabaseUnavailable(
            "no PostgreSQL sandbox available (" + "; ".join(problems) + ")",
            hint="install PostgreSQL server binaries (or pip install 'alembic-guard[embedded]'), "
            "or give --db-url postgresql://…, or use --db sqlite",
        )
    sandbox = SqliteSandbox(warning=SQLITE_FALLBACK_WARNING)
    say(f"no PostgreSQL sandbox ({'; '.join(problems)}); falling back to SQLite")
    return sandbox


__all__ = [
    "ENV_DB_URL",
    "SQLITE_FALLBACK_WARNING",
    "open_sandbox",
]
