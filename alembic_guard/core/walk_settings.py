"""Round-trip walk settings as values: the rows (`SeedRows`) and SQL that `[tool.alembic-guard]`
gives for a round trip (setup-sql, before-revision-data, at-revision-data, skip-revisions), and
their checking when the settings are read.

It owns the shape of these values and the exit-2 messages for malformed ones; it belongs to the
settings' layer, so it must not import the sandbox, a database driver or anything that runs code:
`sandbox/walk_plan.py` resolves the values against a project's revisions and applies them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from alembic_guard.errors import SettingsError

DATA_KEYS = ("before_revision_data", "at_revision_data")
ALL_DIALECTS = "*"
_SQL_DIALECTS = ("postgresql", "mysql", "sqlite", "mssql", "oracle")
_SCALARS = (str, int, float, bool, dt.date, dt.time, dt.datetime)


@dataclass(frozen=True)
class SeedRows:
    """Rows for one table (`schema.table` or `table`) at one point of the walk."""

    table: str
    rows: tuple[Mapping[str, Any], ...]

    @property
    def schema_and_name(self) -> tuple[str | None, str]:
        schema, _, name = self.table.rpartition(".")
        return (schema or None), name


# ------------------------------------------------------------------------------ settings values
def coerce_revision_data(key: str, value: Any, source: str) -> Mapping[str, tuple[SeedRows, ...]]:
    """`revision = rows`, where rows is one row or a list of rows each naming its table in
    `__tablename__` (pytest-alembic's format), or a table of `table = row | [rows]`."""
    kebab = key.replace("_", "-")
    if isinstance(value, Mapping) and all(isinstance(v, tuple) and all(isinstance(s, SeedRows) for s in v) for v in value.values()):
        return MappingProxyType(dict(value))  # already coerced (Settings.replace)
    if not isinstance(value, Mapping):
        raise _bad(kebab, source, "a table of revision = rows", value)
    out: dict[str, tuple[SeedRows, ...]] = {}
    for rev, spec in value.items():
        where = f"{kebab}.{rev}"
        if isinstance(spec, Mapping) and "__tablename__" not in spec:
            groups = []
            for table, rows in spec.items():
                rows = [rows] if isinstance(rows, Mapping) else rows
                groups.append(SeedRows(str(table), _rows(rows, f"{where}.{table}", source, named=False)))
            out[str(rev)] = tuple(groups)
            continue
        rows = [spec] if isinstance(spec, Mapping) else spec
        checked = _rows(rows, where, source, named=True)
        groups: list[SeedRows] = []
        for row in checked:  # consecutive rows of one table form one group (one INSERT), order kept
            table = row["__tablename__"]
            values = {k: v for k, v in row.items() if k != "__tablename__"}
            if groups and groups[-1].table == table:
                groups[-1] = SeedRows(table, groups[-1].rows + (values,))
            else:
                groups.append(SeedRows(table, (values,)))
        out[str(rev)] = tuple(groups)
    return MappingProxyType(out)


def _rows(rows: Any, where: str, source: str, *, named: bool) -> tuple[dict, ...]:
    shape = ('a row { __tablename__ = "t", col = value } or a list of them' if named
             else "a row { col = value } or a list of them")
    if not isinstance(rows, (list, tuple)) or not rows:
        raise _bad(where, source, shape, rows)
    out = []
    for row in rows:
        if not isinstance(row, Mapping) or not row:
            raise _bad(where, source, shape, row)
        if named:
            table = row.get("__tablename__")
            if not isinstance(table, str) or not table.strip():
                raise SettingsError(
                    f"setting {where!r} in {source}: the row {dict(row)!r} does not name its table",
                    key=where, source=source,
                    hint='add __tablename__ = "table" to the row, or write the revision as a table: '
                         f'[tool.alembic-guard.{where}] with table = [rows]',
                )
        for col, val in row.items():
            if col.startswith("__") and col != "__tablename__":
                raise SettingsError(f"setting {where!r} in {source}: unknown special key {col!r} in a row",
                                    key=where, source=source, hint="the only special key is __tablename__")
            if not _plain(val):
                raise _bad(f"{where}.{col}", source, "a TOML value (text, number, boolean, date/time, array or table)", val)
        out.append(dict(row))
    return tuple(out)


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, _SCALARS):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def coerce_setup_sql(value: Any, source: str) -> Mapping[str, tuple[str, ...]]:
    """A list of statements for every dialect, or a table of `dialect = [statements]` (`"*"` for all)."""
    if isinstance(value, (list, tuple)) or isinstance(value, str):
        value = {ALL_DIALECTS: value}
    if not isinstance(value, Mapping):
        raise _bad("setup-sql", source, 'a list of SQL statements, or a table of dialect = [statements]', value)
    out: dict[str, tuple[str, ...]] = {}
    for dialect, stmts in value.items():
        name = str(dialect).strip().lower()
        name = {"postgres": "postgresql", "pg": "postgresql", "mariadb": "mysql"}.get(name, name)
        if name != ALL_DIALECTS and name not in _SQL_DIALECTS:
            raise SettingsError(f"setting 'setup-sql' in {source}: unknown dialect {dialect!r}", key="setup-sql",
                                source=source, hint=f"use one of {', '.join(_SQL_DIALECTS)}, or \"*\" for every dialect")
        stmts = [stmts] if isinstance(stmts, str) else stmts
        if not isinstance(stmts, (list, tuple)) or not all(isinstance(s, str) and s.strip() for s in stmts):
            raise _bad(f"setup-sql.{dialect}" if dialect != ALL_DIALECTS else "setup-sql", source,
                       "a list of non-empty SQL strings", stmts)
        out[name] = out.get(name, ()) + tuple(stmts)
    return MappingProxyType(out)


def coerce_revision_list(key: str, value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.replace(" ", ",").split(",") if v]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _bad(key.replace("_", "-"), source, "a list of revision ids", value)
    return tuple(v.strip() for v in value)


def _bad(where: str, source: str, expected: str, value: Any) -> SettingsError:
    return SettingsError(f"setting {where!r} in {source} must be {expected}, got {value!r}", key=where, source=source)
