"""Reflect a database schema into a comparable, hashable value, and diff two of them.

A `Snapshot` is a sorted tuple of `(kind, name, definition)` items: schemas, tables, columns
(type, nullability, default), indexes, unique / check / primary-key / foreign-key constraints,
sequences and PostgreSQL enum types. Alembic's own version table is left out, so "before upgrade"
and "after downgrade" compare equal when a downgrade leaves no trace.

PostgreSQL and MySQL/MariaDB are read with one catalog query each (a round trip reflects hundreds
of times, so this matters); other dialects (SQLite...) go through SQLAlchemy's inspector.

>>> a = Snapshot.of([("table", "t", ""), ("column", "t.id", "integer NOT NULL")])
>>> b = Snapshot.of([("table", "t", ""), ("column", "t.id", "bigint NOT NULL"), ("index", "ix_t", "(id)")])
>>> print(diff(a, b))
+ index ix_t: (id)
~ column t.id: integer NOT NULL -> bigint NOT NULL
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

KINDS = ("schema", "enum", "sequence", "table", "view", "column", "primary key", "unique", "check", "foreign key", "index")

Item = tuple[str, str, str]  # (kind, qualified name, definition)


@dataclass(frozen=True)
class Snapshot:
    items: tuple[Item, ...]

    @classmethod
    def of(cls, items: Iterable[Item]) -> "Snapshot":
        return cls(tuple(sorted(set(items))))

    def as_dict(self) -> dict[tuple[str, str], str]:
        return {(k, n): d for k, n, d in self.items}

    def tables(self) -> list[str]:
        return [n for k, n, _ in self.items if k == "table"]

    def __len__(self) -> int:
        return len(self.items)


def diff(before: Snapshot, after: Snapshot) -> str:
    """Readable difference: `+` only in `after` (left behind), `-` only in `before` (lost), `~` changed."""
    if before == after:
        return ""
    a, b = before.as_dict(), after.as_dict()
    order = {k: i for i, k in enumerate(KINDS)}
    key = lambda kn: (order.get(kn[0], 99), kn[1])  # noqa: E731
    lines = []
    for kn in sorted(b.keys() - a.keys(), key=key):
        lines.append(f"+ {kn[0]} {kn[1]}" + (f": {b[kn]}" if b[kn] else ""))
    for kn in sorted(a.keys() - b.keys(), key=key):
        lines.append(f"- {kn[0]} {kn[1]}" + (f": {a[kn]}" if a[kn] else ""))
    for kn in sorted((k for k in a.keys() & b.keys() if a[k] != b[k]), key=key):
        lines.append(f"~ {kn[0]} {kn[1]}: {a[kn]} -> {b[kn]}")
    return "\n".join(lines)


def take(connection: sa.engine.Connection, version_table: str = "alembic_version") -> Snapshot:
    """Snapshot of the schema `connection` sees (its own uncommitted DDL included)."""
    name = connection.dialect.name
    if name == "postgresql":
        items = _postgresql(connection, version_table)
    elif name in ("mysql", "mariadb"):
        items = _mysql(connection, version_table)
    else:
        items = _generic(connection, version_table)
    return Snapshot.of(items)


# --------------------------------------------------------------------------- PostgreSQL
_PG_SYSTEM = "('pg_catalog', 'information_schema', 'pg_toast')"
_PG_QUERY = f"""
WITH rel AS (
  SELECT c.oid, c.relname, c.relkind, n.nspname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN {_PG_SYSTEM} AND left(n.nspname, 7) <> 'pg_temp' AND left(n.nspname, 8) <> 'pg_toast'
    AND c.relname <> :vt
)
SELECT 'schema', n.nspname, '' FROM pg_namespace n
  WHERE n.nspname NOT IN {_PG_SYSTEM} AND left(n.nspname, 7) <> 'pg_temp' AND left(n.nspname, 8) <> 'pg_toast'
UNION ALL
SELECT CASE WHEN relkind IN ('v', 'm') THEN 'view' ELSE 'table' END, nspname || '.' || relname, ''
  FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT 'column', r.nspname || '.' || r.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attidentity <> '' THEN ' IDENTITY' ELSE '' END
       || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index', r.nspname || '.' || r.relname, pg_get_indexdef(r.oid)
  FROM rel r JOIN pg_index i ON i.indexrelid = r.oid
  JOIN pg_class t ON t.oid = i.indrelid
  WHERE r.relkind IN ('i', 'I') AND t.relname <> :vt
UNION ALL
SELECT CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check'
                        WHEN 'f' THEN 'foreign key' ELSE 'constraint' END,
       r.nspname || '.' || r.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
  FROM rel r JOIN pg_constraint con ON con.conrelid = r.oid
UNION ALL
SELECT 'sequence', r.nspname || '.' || r.relname,
       format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment ' || s.seqincrement
  FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
UNION ALL
SELECT 'enum', n.nspname || '.' || t.typname,
       string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
  WHERE n.nspname NOT IN {_PG_SYSTEM}
  GROUP BY n.nspname, t.typname
"""


def _postgresql(connection, version_table: str) -> list[Item]:
    skip = f".{version_table}_pkc"  # the version table's own primary key index / constraint
    if connection.dialect.driver == "psycopg2":
        # One prepared statement per database session returning ONE text value: a round trip
        # snapshots hundreds of times, and most of the cost was planning and row handling.
        prepared = connection.info.setdefault("ag_prepared", {})
        if version_table not in prepared:
            name = f"ag_snapshot_{len(prepared)}"
            literal = "'" + version_table.replace("'", "''") + "'"
            connection.exec_driver_sql(
                f"PREPARE {name} AS SELECT string_agg(k || chr(9) || n || chr(9) || coalesce(d, ''), chr(10))"
                f" FROM ({_PG_QUERY.replace(':vt', literal)}) AS snap(k, n, d)"
            )
            prepared[version_table] = name
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(f"EXECUTE {prepared[version_table]}")
            text = cursor.fetchone()[0] or ""
        finally:
            cursor.close()
        rows = [tuple(line.split("\t", 2)) for line in text.split("\n")] if text else []
    else:
        rows = connection.execute(sa.text(_PG_QUERY), {"vt": version_table}).fetchall()
    return [(k, n, d or "") for k, n, d in rows if not n.endswith(skip) and f".{version_table}." not in n]


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
