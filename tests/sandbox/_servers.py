"""A tiny private URL sandbox for these tests (the real backends live in alembic_guard.sandbox.database)."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa


class UrlSandbox:
    kind = "server"
    warnings: tuple = ()

    def __init__(self, admin_url: str):
        self.admin = sa.engine.make_url(admin_url)
        self.dialect = "mysql" if self.admin.get_backend_name() in ("mysql", "mariadb") else self.admin.get_backend_name()
        self.engine = sa.create_engine(self.admin, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create_database(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.engine.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name}" + (" TEMPLATE template0" if self.dialect == "postgresql" else ""))
        self.created.append(name)
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = sa.engine.make_url(url).database
        with self.engine.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}" + (" WITH (FORCE)" if self.dialect == "postgresql" else ""))
        self.created.remove(name)


class SqliteSandbox:
    kind = "sqlite"
    dialect = "sqlite"
    warnings: tuple = ()

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="ag-test-"))

    def create_database(self, prefix: str) -> str:
        return f"sqlite:///{self.dir / (prefix + '_' + uuid.uuid4().hex[:8] + '.db')}"

    def drop_database(self, url: str) -> None:
        path = sa.engine.make_url(url).database
        if path and os.path.exists(path):
            os.unlink(path)
