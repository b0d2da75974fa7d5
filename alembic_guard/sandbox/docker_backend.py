"""Docker sandbox: a PostgreSQL or MySQL container via testcontainers (extra ``[docker]``).

The daemon is pinged first (``docker.from_env().ping()``, milliseconds), so a machine without one
gets a clear `DatabaseUnavailable` instead of testcontainers' stack trace. The container runs for
the life of the sandbox; throwaway databases are created in it like on any server, and
`close()` stops and removes it.
"""

from __future__ import annotations

import secrets
import warnings

from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.masking import mask_secrets
from alembic_guard.sandbox import cleanup
from alembic_guard.sandbox.base import Progress, Sandbox
from alembic_guard.sandbox.server import ServerSandbox

DEFAULT_IMAGES = {"postgresql": "postgres:16-alpine", "mysql": "mysql:8"}
NO_DAEMON_HINT = "use --db embedded (PostgreSQL) or --db-url URL of a server you can create databases on"


def ping_daemon(timeout: float = 3.0) -> None:
    """Raise `DatabaseUnavailable` unless the docker SDK is installed and a daemon answers."""
    try:
        import docker
    except ImportError:
        raise DatabaseUnavailable(
            "the Docker sandbox needs the optional extra: pip install 'alembic-guard[docker]'",
            hint=NO_DAEMON_HINT,
        ) from None
    try:
        client = docker.from_env(timeout=int(timeout))
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - DockerException, requests errors, socket errors
        raise DatabaseUnavailable(
            f"no Docker daemon reachable: {_first_line(exc)}", hint=NO_DAEMON_HINT
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return mask_secrets(text[0] if text else type(exc).__name__)


class DockerSandbox(ServerSandbox):
    """A database server in a container started for this sandbox, removed on close."""

    kind = "docker"
    sweeps_leftovers = False  # a fresh container holds no dead run's databases

    def __init__(self, *, dialect: str = "postgresql", image: str | None = None, progress: Progress = None):
        if dialect not in DEFAULT_IMAGES:
            raise DatabaseUnavailable(f"the Docker sandbox supports postgresql and mysql, not {dialect}")
        ping_daemon()
        say = progress or (lambda _m: None)
        self.image = image or DEFAULT_IMAGES[dialect]
        self._container = None
        Sandbox.__init__(self)  # signal-safe from here: an interrupted start still removes the container
        try:
            say(f"starting {self.image} in Docker")
            self._container = _start_container(dialect, self.image)
            url = self._container.get_connection_url()
            ServerSandbox.__init__(self, url, owner=f"docker ({self.image})")
        except BaseException as exc:
            self._closed = True
            cleanup.unregister(self)
            self._stop_container()
            if isinstance(exc, DatabaseUnavailable) or not isinstance(exc, Exception):
                raise
            raise DatabaseUnavailable(
                f"could not start {self.image} in Docker: {_first_line(exc)}", hint=NO_DAEMON_HINT
            ) from None

    def _shutdown(self) -> None:
        try:
            super()._shutdown()
        finally:
            self._stop_container()

    def _stop_container(self) -> None:
        if self._container is not None:
            container, self._container = self._container, None
            container.stop()


def _start_container(dialect: str, image: str):
    password = secrets.token_hex(12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if dialect == "postgresql":
            try:
                from testcontainers.community.postgres import PostgresContainer
            except ImportError:
                from testcontainers.postgres import PostgresContainer
            container = PostgresContainer(image, username="postgres", password=password, dbname="postgres", driver="psycopg2")
        else:
            try:
                from testcontainers.community.mysql import MySqlContainer
            except ImportError:
                from testcontainers.mysql import MySqlContainer
            container = MySqlContainer(image, dialect="pymysql", username="root", root_password=password, password=password)
    return container.start()
