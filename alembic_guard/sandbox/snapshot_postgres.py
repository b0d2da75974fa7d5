"""Reading a PostgreSQL schema in full: one catalog query for every item of a snapshot.

Owns the catalog query (`_PG_ITEMS`: relations, columns with defaults, indexes, constraints,
sequences; schemas and enums), its rows of ``(kind, unit, sub, name, definition)`` that the
incremental tracker also keeps, the one-text-value transport and the per-session prepared
statement that make it cheap on psycopg2 (`run_prepared`), and leaving Alembic's version table
out (`keep_filter`). It only reads the catalogs of the connection it is given: it must not write
to the database, and must not know about tracking changes (that is `snapshot_tracking`, which
builds on these pieces).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic_guard.sandbox.snapshot_value import Item

_PG_SYSTEM = "('pg_catalog', 'information_schema', 'pg_toast')"
PG_USER_NS = f"n.nspname NOT IN {_PG_SYSTEM} AND left(n.nspname, 7) <> 'pg_temp' AND left(n.nspname, 8) <> 'pg_toast'"
# Every row: (unit, sub, kind, name, definition). A unit is the relation an item belongs to (a
# table with its columns, indexes and constraints; a view; a sequence), 0 for schemas and enums;
# sub is the index / constraint / column default / schema / enum's own oid (0 if none): what an
# incremental snapshot needs to re-read one unit and to map a dropped object to its unit.
_PG_ITEMS = """
rel AS (
  SELECT c.oid, c.relname, c.relkind, n.nspname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE {user_ns} AND c.relname <> {vt}{only}
)
SELECT CASE WHEN relkind IN ('v', 'm') THEN 'view' ELSE 'table' END, oid, 0::oid, nspname || '.' || relname, ''
  FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT 'column', r.oid, COALESCE(d.oid, 0), r.nspname || '.' || r.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attidentity <> '' THEN ' IDENTITY' ELSE '' END
       || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index', t.oid, r.oid, r.nspname || '.' || r.relname, pg_get_indexdef(r.oid)
  FROM rel r JOIN pg_index i ON i.indexrelid = r.oid
  JOIN pg_class t ON t.oid = i.indrelid
  WHERE r.relkind IN ('i', 'I') AND t.relname <> {vt}
UNION ALL
SELECT CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check'
                        WHEN 'f' THEN 'foreign key' ELSE 'constraint' END,
       r.oid, con.oid, r.nspname || '.' || r.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
  FROM rel r JOIN pg_constraint con ON con.conrelid = r.oid
UNION ALL
SELECT 'sequence', r.oid, 0::oid, r.nspname || '.' || r.relname,
       format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment ' || s.seqincrement
  FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
"""
_PG_GLOBAL_ITEMS = f"""
UNION ALL
SELECT 'schema', 0::oid, n.oid, n.nspname, '' FROM pg_namespace n WHERE {PG_USER_NS}
UNION ALL
SELECT 'enum', 0::oid, t.oid, n.nspname || '.' || t.typname,
       string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
  WHERE n.nspname NOT IN {_PG_SYSTEM}
  GROUP BY n.nspname, t.oid, t.typname
"""


def _pg_query(vt_literal: str, partial: bool) -> str:
    """The whole schema; or (partial) the relations in the setting ag_guard.wanted, without the
    schemas and enums: a setting, not a parameter, because a prepared statement without any is
    planned once, and as a short list (index scans), which it is."""
    only = "\n    AND c.oid = ANY(current_setting('ag_guard.wanted')::oid[])" if partial else ""
    body = _PG_ITEMS.format(user_ns=PG_USER_NS, vt=vt_literal, only=only)
    return "WITH " + body + ("" if partial else _PG_GLOBAL_ITEMS)


# Rows travel as ONE text value (fields split by chr(31), rows by chr(30)): a round trip
# snapshots hundreds of times, and most of the cost was planning and row handling.
_PG_AGG = "SELECT string_agg(concat_ws(chr(31), k, u, s, n, coalesce(d, '')), chr(30)) FROM ({q}) AS snap(k, u, s, n, d)"
_PG_QUERY = _pg_query(":vt", partial=False)  # for drivers other than psycopg2


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pg_rows(connection, version_table: str) -> list[tuple[str, int, int, str, str]]:
    """(kind, unit, sub, name, definition) of every item of the schema."""
    if connection.dialect.driver != "psycopg2":
        rows = connection.execute(sa.text(_PG_QUERY), {"vt": version_table}).fetchall()
        return [(k, int(u), int(s), n, d or "") for k, u, s, n, d in rows]
    return split_rows(run_prepared(connection, version_table, False, None, ()))


def run_prepared(connection, version_table: str, partial: bool, call: str | None, args: tuple) -> str:
    """Run `call` (if any) then our prepared snapshot query, in one round trip; its text.

    One prepared statement per database session: prepared statements outlive transactions."""
    prepared = connection.info.setdefault("ag_prepared", {})
    key = (version_table, partial)
    if key not in prepared:
        name = f"ag_snapshot_{len(prepared)}"
        query = _PG_AGG.format(q=_pg_query(_literal(version_table), partial))
        if partial:  # the header ag_guard_take() left, then the rows
            query = f"SELECT current_setting('ag_guard.header') || chr(29) || coalesce(({query}), '')"
        connection.exec_driver_sql(f"PREPARE {name} AS {query}")
        prepared[key] = name
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"{call + '; ' if call else ''}EXECUTE {prepared[key]}", args)
        return cursor.fetchone()[0] or ""
    finally:
        cursor.close()


def split_rows(text: str) -> list[tuple[str, int, int, str, str]]:
    out = []
    for line in text.split("\x1e") if text else ():
        k, u, s, n, d = line.split("\x1f", 4)
        out.append((k, int(u), int(s), n, d))
    return out


def keep_filter(version_table: str):
    skip = f".{version_table}_pkc"  # the version table's own primary key index / constraint
    inner = f".{version_table}."
    return lambda name: not name.endswith(skip) and inner not in name


def read_postgresql(connection, version_table: str) -> list[Item]:
    keep = keep_filter(version_table)
    return [(k, n, d) for k, _, _, n, d in pg_rows(connection, version_table) if keep(n)]
