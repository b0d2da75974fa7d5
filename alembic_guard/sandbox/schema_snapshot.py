"""Reflect a database schema into a comparable, hashable value, and diff two of them.

A `Snapshot` is a sorted tuple of `(kind, name, definition)` items: schemas, tables, columns
(type, nullability, default), indexes, unique / check / primary-key / foreign-key constraints,
sequences and PostgreSQL enum types. Alembic's own version table is left out, so "before upgrade"
and "after downgrade" compare equal when a downgrade leaves no trace.

PostgreSQL and MySQL/MariaDB are read with one catalog query each (a round trip reflects hundreds
of times, so this matters); other dialects (SQLite...) go through SQLAlchemy's inspector.

This module is the entry point the round trip uses: `take` picks the reader by dialect (the
PostgreSQL tracker when `track` made one for this connection), and `Snapshot`, `diff`, `track` and
`forget` are importable from here (their homes: `snapshot_value`, `snapshot_tracking`). It owns
the MySQL/MariaDB and generic readers; PostgreSQL's are in `snapshot_postgres` and
`snapshot_tracking`. Readers only read: nothing here may change the database.

>>> a = Snapshot.of([("table", "t", ""), ("column", "t.id", "integer NOT NULL")])
>>> b = Snapshot.of([("table", "t", ""), ("column", "t.id", "bigint NOT NULL"), ("index", "ix_t", "(id)")])
>>> print(diff(a, b))
+ index ix_t: (id)
~ column t.id: integer NOT NULL -> bigint NOT NULL
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic_guard.sandbox.snapshot_postgres import read_postgresql
from alembic_guard.sandbox.snapshot_tracking import forget, track
from alembic_guard.sandbox.snapshot_value import Item, Snapshot, diff


def take(connection: sa.engine.Connection, version_table: str = "alembic_version") -> Snapshot:
    """Snapshot of the schema `connection` sees (its own uncommitted DDL included)."""
    name = connection.dialect.name
    if name == "postgresql":
        tracker = connection.info.get("ag_tracker")
        if tracker is not None:
            return tracker.take(connection, version_table)
        items = read_postgresql(connection, version_table)
    elif name in ("mysql", "mariadb"):
        items = _mysql(connection, version_table)
    else:
        items = _generic(connection, version_table)
    return Snapshot.of(items)


# --------------------------------------------------------------------------- MySQL / MariaDB
_MY_QUERY = """
SELECT CASE WHEN table_type = 'VIEW' THEN 'view' ELSE 'table' END, table_name, ''
  FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> :vt
UNION ALL
SELECT 'column', CONCAT(table_name, '.', column_name),
       CONCAT(column_type, IF(is_nullable = 'NO', ' NOT NULL', ''),
              IF(column_default IS NULL, '', CONCAT(' DEFAULT ', column_default)),
              IF(extra = '', '', CONCAT(' ', extra)))
  FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name <> :vt
UNION ALL
SELECT 'index', CONCAT(table_name, '.', index_name),
       CONCAT(IF(MAX(non_unique) = 0, 'UNIQUE ', ''), MAX(index_type), ' (',
              GROUP_CONCAT(COALESCE(column_name, '?') ORDER BY seq_in_index SEPARATOR ', '), ')')
  FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name <> :vt
  GROUP BY table_name, index_name
UNION ALL
SELECT CASE tc.constraint_type WHEN 'PRIMARY KEY' THEN 'primary key' WHEN 'UNIQUE' THEN 'unique'
                               WHEN 'CHECK' THEN 'check' WHEN 'FOREIGN KEY' THEN 'foreign key' ELSE 'constraint' END,
       CONCAT(tc.table_name, '.', tc.constraint_name),
       COALESCE((SELECT CONCAT('(', GROUP_CONCAT(k.column_name ORDER BY k.ordinal_position SEPARATOR ', '), ')',
                               IF(MAX(k.referenced_table_name) IS NULL, '',
                                  CONCAT(' REFERENCES ', MAX(k.referenced_table_name), '(',
                                         GROUP_CONCAT(k.referenced_column_name ORDER BY k.ordinal_position SEPARATOR ', '), ')')))
                 FROM information_schema.key_column_usage k
                 WHERE k.table_schema = tc.table_schema AND k.table_name = tc.table_name
                   AND k.constraint_name = tc.constraint_name), '')
  FROM information_schema.table_constraints tc
  WHERE tc.table_schema = DATABASE() AND tc.table_name <> :vt
"""


def _mysql(connection, version_table: str) -> list[Item]:
    rows = connection.execute(sa.text(_MY_QUERY), {"vt": version_table}).fetchall()
    items = [(str(k), str(n), str(d or "")) for k, n, d in rows]
    try:  # CHECK clauses (MySQL 8.0.16+, MariaDB 10.2+)
        checks = connection.execute(sa.text(
            "SELECT constraint_name, check_clause FROM information_schema.check_constraints"
            " WHERE constraint_schema = DATABASE()"
        )).fetchall()
    except sa.exc.DBAPIError:
        checks = []
    clause = {str(n): str(c) for n, c in checks}
    out = []
    for k, n, d in items:
        if k == "check":
            d = clause.get(n.split(".", 1)[1], d)
        out.append((k, n, d))
    return out


# --------------------------------------------------------------------------- SQLite and the rest
def _generic(connection, version_table: str) -> list[Item]:
    insp = sa.inspect(connection)
    items: list[Item] = []
    for table in insp.get_table_names():
        if table == version_table:
            continue
        items.append(("table", table, ""))
        for col in insp.get_columns(table):
            text = str(col["type"]) + ("" if col.get("nullable", True) else " NOT NULL")
            if col.get("default") is not None:
                text += f" DEFAULT {col['default']}"
            items.append(("column", f"{table}.{col['name']}", text))
        pk = insp.get_pk_constraint(table)
        if pk and pk.get("constrained_columns"):
            items.append(("primary key", f"{table}.{pk.get('name') or ''}", "(" + ", ".join(pk["constrained_columns"]) + ")"))
        for ix in insp.get_indexes(table):
            cols = ", ".join(str(c) for c in ix.get("column_names") or () if c is not None)
            items.append(("index", f"{table}.{ix['name']}", ("UNIQUE " if ix.get("unique") else "") + f"({cols})"))
        for uq in insp.get_unique_constraints(table):
            items.append(("unique", f"{table}.{uq.get('name') or ''}", "(" + ", ".join(uq["column_names"]) + ")"))
        try:
            checks = insp.get_check_constraints(table)
        except NotImplementedError:
            checks = []
        for ck in checks:
            items.append(("check", f"{table}.{ck.get('name') or ''}", " ".join(str(ck.get("sqltext", "")).split())))
        for fk in insp.get_foreign_keys(table):
            items.append((
                "foreign key",
                f"{table}.{fk.get('name') or ''}({', '.join(fk['constrained_columns'])})",
                f"({', '.join(fk['constrained_columns'])}) REFERENCES {fk['referred_table']}({', '.join(fk['referred_columns'])})",
            ))
    for view in insp.get_view_names():
        items.append(("view", view, ""))
    return items


__all__ = ["Snapshot", "diff", "forget", "take", "track"]  # the round trip uses these names from here
