"""The early database: a round trip's throwaway PostgreSQL database created with psycopg2 alone, in
a thread, while SQLAlchemy, Alembic and the revision files load.

Owns `EarlyDatabase`: parsing a plain PostgreSQL URL into psycopg2 keywords, the CREATE (marked for
the leftover sweep) and the bounded DROP, and the hand-over to the `ServerSandbox` opened later on
the same URL (`take`, `release`). Until a sandbox takes it, it is registered with `cleanup` like a
sandbox, so SIGINT, SIGTERM and exit drop it. It must not import SQLAlchemy (that is what it runs
ahead of), must not touch any database but the one it named, and leaves every URL it does not
understand to the `ServerSandbox`.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from urllib.parse import parse_qsl, unquote, urlsplit

from alembic_guard.masking import mask_secrets, mask_url
from alembic_guard.sandbox import cleanup, leftovers
from alembic_guard.sandbox.base import CREATE_WAIT
from alembic_guard.sandbox.names import NAME_PREFIX, new_database_name

# The logger name from before the split of sandbox/database.py (users' logging configuration).
log = logging.getLogger("alembic_guard.sandbox.database")


class EarlyDatabase:
    """A round trip's throwaway PostgreSQL database, created as soon as the command knows it will
    need one, with psycopg2 alone, while SQLAlchemy, Alembic and the revision files load (half a
    second): CREATE DATABASE takes 0.1-0.5 s, which the walk otherwise waits for. The
    `ServerSandbox` opened later on the same URL takes it over (`create_database`).

    Until then it is one of the open sandboxes (SIGINT, SIGTERM and exit drop it), and `discard`
    drops it if no sandbox took it. Only plain URLs (no driver or psycopg2; no host, port or
    repeated keys in the query): anything else is left to the ServerSandbox."""

    kind = "server"
    _ALL: list["EarlyDatabase"] = []
    _QUERY_KEYS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "application_name", "options",
                   "connect_timeout", "target_session_attrs", "gssencmode", "client_encoding"}

    def __init__(self, url: str, params: dict, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.params = params
        self.name = new_database_name(prefix)
        self.server_version: tuple[int, ...] = ()
        self.created = False
        self.warnings: list[str] = []
        self._owned = True  # False once a sandbox took it
        self._thread = threading.Thread(target=self._create, name="alembic-guard-createdb")

    @classmethod
    def start(cls, url: str, prefix: str = NAME_PREFIX) -> "EarlyDatabase | None":
        params = cls._params(url)
        if params is None or importlib.util.find_spec("psycopg2") is None:
            return None
        early = cls(url, params, prefix)
        with cleanup.registry_lock():
            cls._ALL.append(early)
        cleanup.register(early)
        early._thread.start()
        return early

    @classmethod
    def _params(cls, url: str) -> dict | None:
        """psycopg2.connect() keywords for `url`, as SQLAlchemy would pass them; None: not plain."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return None
        if parts.scheme.lower() not in ("postgresql", "postgres", "postgresql+psycopg2"):
            return None
        query = parse_qsl(parts.query, keep_blank_values=True)
        if len({k for k, _ in query}) != len(query) or not {k for k, _ in query} <= cls._QUERY_KEYS:
            return None
        params: dict = dict(query)
        params.setdefault("connect_timeout", "10")
        if parts.username:
            params["user"] = unquote(parts.username)
        if parts.password is not None:
            params["password"] = unquote(parts.password)
        if parts.hostname:
            params["host"] = parts.hostname
        if port:
            params["port"] = port
        if unquote(parts.path.lstrip("/")):
            params["dbname"] = unquote(parts.path.lstrip("/"))
        return params

    @classmethod
    def take(cls, url: str, prefix: str) -> "EarlyDatabase | None":
        """The database started on `url` with `prefix`, once created (call `release` when it is
        yours); None if there is none or its creation failed (then it is cleaned up)."""
        with cleanup.registry_lock():
            found = next((e for e in cls._ALL if e.url == url and e.prefix == prefix), None)
            if found is not None:
                cls._ALL.remove(found)
        if found is None:
            return None
        found._thread.join()
        if not found.created:
            found.close()
            return None
        return found

    def release(self) -> None:
        """A sandbox holds the database now: stop answering for it."""
        self._owned = False
        self.close()

    def discard(self) -> None:
        """Drop the database unless a sandbox took it."""
        with cleanup.registry_lock():
            if self in self._ALL:
                self._ALL.remove(self)
        self.close()

    def close(self) -> None:
        try:
            self._thread.join(CREATE_WAIT)
            if self.created and self._owned:
                with cleanup.SignalsDeferred():
                    self._drop()
                self.created = False
        finally:
            cleanup.unregister(self)

    def describe(self) -> str:
        return f"server sandbox on {mask_url(self.url)}"

    def _cancel_running(self) -> None:
        """Nothing runs in it before a sandbox takes it."""

    def _connect(self):
        import psycopg2  # optional dependency (start() checked it is installed), and its import cost

        conn = psycopg2.connect(**self.params)
        conn.autocommit = True
        return conn

    def _create(self) -> None:
        try:
            conn = self._connect()
        except Exception as exc:  # noqa: BLE001 - the ServerSandbox then tries, and says why
            log.debug("alembic-guard: early CREATE DATABASE not possible: %s", mask_secrets(str(exc)))
            return
        try:
            version = conn.server_version  # e.g. 150020 -> (15, 20)
            self.server_version = (version // 10000, version % 10000) if version >= 100000 else (version // 10000, version // 100 % 100)
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{self.name}" TEMPLATE template0')
                self.created = True
                cur.execute(f"COMMENT ON DATABASE \"{self.name}\" IS '{leftovers.marker()}'")
        except Exception as exc:  # noqa: BLE001
            log.debug("alembic-guard: early CREATE DATABASE failed: %s", mask_secrets(str(exc)))
        finally:
            conn.close()

    def _drop(self) -> None:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = '{leftovers.LOCK_WAIT}s'")  # bounded; the next run sweeps a leftover
                cur.execute(f"SET statement_timeout = '{int(leftovers.DROP_DEADLINE)}s'")
                if self.server_version >= (13,):
                    cur.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                else:
                    cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (self.name,))
                    cur.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        finally:
            conn.close()
