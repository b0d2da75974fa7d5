"""The SQLite backend: throwaway database files in a private temp folder, removed on close.

Owns `SqliteSandbox`: where the files go (a `tempdirs` folder of our own), the URL of each file,
and removing a database file with its journal, WAL and shared-memory companions. It must not
write anywhere but its own folder, and knows nothing of servers or of choosing a backend (that is
`database.open_sandbox`, which also owns the fallback warning).
"""

from __future__ import annotations

from pathlib import Path

from alembic_guard.sandbox import tempdirs
from alembic_guard.sandbox.base import Sandbox


class SqliteSandbox(Sandbox):
    """Database files in a private temp folder, removed on close."""

    kind = "sqlite"
    dialect = "sqlite"

    def __init__(self, *, warning: str | None = None):
        self.path = tempdirs.make("sqlite")
        super().__init__()
        if warning:
            self.warnings.append(warning)

    def describe(self) -> str:
        return f"sqlite sandbox in {self.path}"

    def _create(self, name: str) -> str:
        return f"sqlite:///{self.path / (name + '.sqlite')}"

    def _drop(self, name: str) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            (self.path / f"{name}.sqlite{suffix}").unlink(missing_ok=True)

    def _shutdown(self) -> None:
        tempdirs.remove(self.path)

    def database_name(self, url: str) -> str:
        return Path(super().database_name(url)).name.removesuffix(".sqlite")
