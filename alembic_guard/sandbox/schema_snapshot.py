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
        tracker = connection.info.get("ag_tracker")
        if tracker is not None:
            return tracker.take(connection, version_table)
        items = _postgresql(connection, version_table)
    elif name in ("mysql", "mariadb"):
        items = _mysql(connection, version_table)
    else:
        items = _generic(connection, version_table)
    return Snapshot.of(items)


# --------------------------------------------------------------------------- PostgreSQL
_PG_SYSTEM = "('pg_catalog', 'information_schema', 'pg_toast')"
_PG_USER_NS = f"n.nspname NOT IN {_PG_SYSTEM} AND left(n.nspname, 7) <> 'pg_temp' AND left(n.nspname, 8) <> 'pg_toast'"
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
SELECT 'schema', 0::oid, n.oid, n.nspname, '' FROM pg_namespace n WHERE {_PG_USER_NS}
UNION ALL
SELECT 'enum', 0::oid, t.oid, n.nspname || '.' || t.typname,
       string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
  WHERE n.nspname NOT IN {_PG_SYSTEM}
  GROUP BY n.nspname, t.oid, t.typname
"""
_REL_KINDS = ("table", "view", "sequence", "index")  # one per relation (what the server counts)
_NAMED = ("table", "view", "sequence", "column")  # what other units' text may name


def _pg_query(vt_literal: str, partial: bool) -> str:
    """The whole schema; or (partial) the relations in the setting ag_guard.wanted, without the
    schemas and enums: a setting, not a parameter, because a prepared statement without any is
    planned once, and as a short list (index scans), which it is."""
    only = "\n    AND c.oid = ANY(current_setting('ag_guard.wanted')::oid[])" if partial else ""
    body = _PG_ITEMS.format(user_ns=_PG_USER_NS, vt=vt_literal, only=only)
    return "WITH " + body + ("" if partial else _PG_GLOBAL_ITEMS)


# Rows travel as ONE text value (fields split by chr(31), rows by chr(30)): a round trip
# snapshots hundreds of times, and most of the cost was planning and row handling.
_PG_AGG = "SELECT string_agg(concat_ws(chr(31), k, u, s, n, coalesce(d, '')), chr(30)) FROM ({q}) AS snap(k, u, s, n, d)"
_PG_QUERY = _pg_query(":vt", partial=False)  # for drivers other than psycopg2


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pg_rows(connection, version_table: str) -> list[tuple[str, int, int, str, str]]:
    """(kind, unit, sub, name, definition) of every item of the schema."""
    if connection.dialect.driver != "psycopg2":
        rows = connection.execute(sa.text(_PG_QUERY), {"vt": version_table}).fetchall()
        return [(k, int(u), int(s), n, d or "") for k, u, s, n, d in rows]
    return _split(_run_prepared(connection, version_table, False, None, ()))


def _run_prepared(connection, version_table: str, partial: bool, call: str | None, args: tuple) -> str:
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


def _split(text: str) -> list[tuple[str, int, int, str, str]]:
    out = []
    for line in text.split("\x1e") if text else ():
        k, u, s, n, d = line.split("\x1f", 4)
        out.append((k, int(u), int(s), n, d))
    return out


def _oids(oids: Iterable[int]) -> str:
    return "{" + ",".join(str(int(o)) for o in sorted(oids)) + "}"


def _keep(version_table: str):
    skip = f".{version_table}_pkc"  # the version table's own primary key index / constraint
    inner = f".{version_table}."
    return lambda name: not name.endswith(skip) and inner not in name


def _postgresql(connection, version_table: str) -> list[Item]:
    keep = _keep(version_table)
    return [(k, n, d) for k, _, _, n, d in _pg_rows(connection, version_table) if keep(n)]


# --------------------------------------------------------------------------- PostgreSQL, incremental
# A round trip snapshots twice per revision, and a full read of the catalogs costs more than the
# migration step itself once there are a few dozen tables. So, where it can be done exactly,
# only what changed is re-read: event triggers record in a session setting which relations each
# DDL command touched (ddl_command_end) and what it dropped (sql_drop, cascades included); `take`
# re-reads those units, the whole inheritance tree of each, and, after a rename, every unit whose
# text names the renamed one. Anything the triggers cannot map to a relation (types, schemas,
# functions, extensions...) makes the next snapshot a full one, and so does anything unexpected:
# the setting reset (RESET ALL), the triggers gone or disabled, another search_path (names
# render differently), a number of relations that does not add up once another transaction has
# committed (DDL in another session, which this session's triggers do not see). Only inside one
# transaction of a superuser session on psycopg2; rolled back with it: nothing is left behind.
_TRACKING_DDL = r"""
CREATE OR REPLACE FUNCTION pg_catalog.ag_guard_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
  -- one statement without parameters (planned once): this runs after every DDL command
  PERFORM set_config('ag_guard.touched', current_setting('ag_guard.touched') || COALESCE((
    SELECT string_agg(CASE
        WHEN r.command_tag IN ('GRANT', 'REVOKE', 'COMMENT', 'CREATE TRIGGER', 'ALTER TRIGGER', 'SECURITY LABEL',
                               'ALTER DEFAULT PRIVILEGES') OR r.classid = 'pg_trigger'::regclass
          THEN ''  -- nothing a snapshot shows
        WHEN r.classid = 'pg_class'::regclass
          THEN ' ' || COALESCE((SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = r.objid), r.objid)
        WHEN r.classid = 'pg_constraint'::regclass
          THEN COALESCE(' ' || (SELECT NULLIF(c.conrelid, 0) FROM pg_constraint c WHERE c.oid = r.objid), ' F')
        WHEN r.classid = 'pg_attrdef'::regclass
          THEN COALESCE(' ' || (SELECT d.adrelid FROM pg_attrdef d WHERE d.oid = r.objid), ' F')
        ELSE ' F'  -- a type, schema, function (may shadow one a default calls), extension...
      END, '')
    FROM pg_event_trigger_ddl_commands() r), ''), false)
  WHERE left(current_setting('ag_guard.touched', true), 1) = 'S';
END
$f$;
CREATE OR REPLACE FUNCTION pg_catalog.ag_guard_drop() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM set_config('ag_guard.touched', current_setting('ag_guard.touched') || COALESCE((
    SELECT string_agg(CASE
        WHEN r.classid = 'pg_class'::regclass AND r.objsubid <> 0
          THEN ' ' || r.objid  -- a column: its relation is still there
        WHEN r.classid IN ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_attrdef'::regclass)
          THEN ' x' || r.objid  -- gone: its unit is known from the previous snapshot
        WHEN r.classid = 'pg_type'::regclass
          THEN ' t' || r.objid  -- an enum is in the snapshot; row types of tables are not
        WHEN r.classid IN ('pg_trigger'::regclass, 'pg_rewrite'::regclass)
          THEN ''
        ELSE ' F'
      END, '')
    FROM pg_event_trigger_dropped_objects() r), ''), false)
  WHERE left(current_setting('ag_guard.touched', true), 1) = 'S';
END
$f$;
-- ag_guard.wanted := the relations to re-read for units $1, and $2 renamed: $1 and $2; every unit
-- whose text names one of $2 (a foreign key to a renamed table, a default calling nextval() of a
-- renamed sequence, a column of a table's row type...: pg_depend); the inheritance trees of all
-- (ALTER TABLE on a parent changes its partitions); and their indexes. Duplicates do no harm.
CREATE OR REPLACE FUNCTION pg_catalog.ag_guard_want(oid[], oid[]) RETURNS void LANGUAGE plpgsql
{generic} AS $f$
DECLARE
  units oid[] := $1 || $2;
BEGIN
  IF cardinality($2) > 0 THEN
    units := units || ARRAY(
      SELECT CASE d.classid
               WHEN 'pg_constraint'::regclass THEN (SELECT con.conrelid FROM pg_constraint con WHERE con.oid = d.objid)
               WHEN 'pg_attrdef'::regclass THEN (SELECT ad.adrelid FROM pg_attrdef ad WHERE ad.oid = d.objid)
               WHEN 'pg_rewrite'::regclass THEN (SELECT rw.ev_class FROM pg_rewrite rw WHERE rw.oid = d.objid)
               WHEN 'pg_class'::regclass THEN COALESCE((SELECT ix.indrelid FROM pg_index ix WHERE ix.indexrelid = d.objid), d.objid)
             END
      FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY($2)
      UNION
      SELECT d.objid FROM pg_depend d
      WHERE d.refclassid = 'pg_type'::regclass AND d.classid = 'pg_class'::regclass
        AND d.refobjid = ANY(ARRAY(SELECT c.reltype FROM pg_class c WHERE c.oid = ANY($2) AND c.reltype <> 0
                                   UNION ALL
                                   SELECT ty.typarray FROM pg_class c JOIN pg_type ty ON ty.oid = c.reltype
                                   WHERE c.oid = ANY($2) AND ty.typarray <> 0)));
  END IF;
  IF EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = ANY(units) OR i.inhrelid = ANY(units)) THEN
    units := ARRAY(
      WITH RECURSIVE tree AS (
        SELECT unnest(units) AS u
        UNION
        SELECT CASE WHEN i.inhparent = tree.u THEN i.inhrelid ELSE i.inhparent END
        FROM pg_inherits i JOIN tree ON tree.u IN (i.inhparent, i.inhrelid)
      ) SELECT u FROM tree WHERE u IS NOT NULL);
  END IF;
  PERFORM set_config('ag_guard.wanted',
                     (units || ARRAY(SELECT i.indexrelid FROM pg_index i WHERE i.indrelid = ANY(units)))::text, false);
END
$f$;
-- What changed since the last call (recording starts anew), as ag_guard.header: the record, the
-- search_path, and the number of relations when another transaction committed meanwhile (else -1);
-- ag_guard.wanted := what the record names.
CREATE OR REPLACE FUNCTION pg_catalog.ag_guard_take(vt text) RETURNS text LANGUAGE plpgsql
{generic} AS $f$
DECLARE
  acc text := current_setting('ag_guard.touched', true);
  horizon text := txid_snapshot_xmax(txid_current_snapshot())::text;
  relations bigint := -1;
  header text;
BEGIN
  PERFORM set_config('ag_guard.touched', 'S', false);
  IF (SELECT count(*) FROM pg_event_trigger WHERE evtname IN ('ag_guard_ddl', 'ag_guard_drop') AND evtenabled = 'A') <> 2 THEN
    acc := NULL;
  END IF;
  IF horizon IS DISTINCT FROM current_setting('ag_guard.horizon', true) THEN
    PERFORM set_config('ag_guard.horizon', horizon, false);
    relations := (
      SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE {user_ns} AND c.relname <> vt
        AND (c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
             OR c.relkind IN ('i', 'I') AND EXISTS (SELECT 1 FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                                                     WHERE i.indexrelid = c.oid AND t.relname <> vt)));
  END IF;
  header := concat_ws(chr(31), COALESCE(acc, 'N'), current_setting('search_path'), relations);
  PERFORM set_config('ag_guard.header', header, false);
  IF acc LIKE 'S %' AND acc NOT LIKE '% F%' THEN
    PERFORM pg_catalog.ag_guard_want(ARRAY(SELECT DISTINCT t::oid FROM unnest(string_to_array(acc, ' ')) t WHERE t ~ '^[0-9]+$'), '{}');
  ELSE
    PERFORM set_config('ag_guard.wanted', '{}', false);
  END IF;
  RETURN header;
END
$f$;
DROP EVENT TRIGGER IF EXISTS ag_guard_ddl;
DROP EVENT TRIGGER IF EXISTS ag_guard_drop;
CREATE EVENT TRIGGER ag_guard_ddl ON ddl_command_end EXECUTE PROCEDURE pg_catalog.ag_guard_ddl();
CREATE EVENT TRIGGER ag_guard_drop ON sql_drop EXECUTE PROCEDURE pg_catalog.ag_guard_drop();
ALTER EVENT TRIGGER ag_guard_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER ag_guard_drop ENABLE ALWAYS;
""".replace("{user_ns}", _PG_USER_NS)


class _Tracker:
    """The last snapshot of one session, by unit, and how to bring it up to date."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.units: dict[int, list[Item]] = {}
        self.subs: dict[int, list[int]] = {}  # unit -> its indexes, constraints, defaults
        self.owner: dict[int, int] = {}  # index / constraint / default -> unit
        self.relations: dict[int, int] = {}  # unit -> relations in it (itself and its indexes)
        self.globals: list[Item] = []
        self.enums: set[int] = set()
        self.search_path = ""
        self.version_table = ""
        self.keep = _keep("")
        self.full = 0  # how many full snapshots were taken (tests look)

    def take(self, connection, version_table: str) -> Snapshot:
        text = _run_prepared(connection, version_table, True, "SELECT pg_catalog.ag_guard_take(%s)", (version_table,))
        header, _, rows = text.partition("\x1d")
        touched, search_path, count = header.split("\x1f")
        change = self._changed(touched, search_path, version_table)
        if change is None:
            return self._full(connection, version_table, search_path, int(count))
        described, dropped, owners = change
        if described or dropped or owners:
            before = {u: self._names(u) for u in described | dropped | owners}
            self._replace(described | dropped, _split(rows))
            more = owners - described - dropped
            if more:  # an index, constraint or default dropped by itself
                self._reread(connection, version_table, more, ())
            renamed = self._renamed(before)
            if renamed:
                self._reread(connection, version_table, (), renamed)
            self.snapshot = None
        if int(count) >= 0 and sum(self.relations.values()) != int(count):
            # DDL this session's triggers did not see (another session's): stop tracking
            forget(connection)
            return Snapshot.of(_postgresql(connection, version_table))
        if self.snapshot is None:
            self.snapshot = self._snapshot()
        return self.snapshot

    def _reread(self, connection, version_table: str, units, renamed) -> None:
        call = "SELECT pg_catalog.ag_guard_want(%s::oid[], %s::oid[])"
        text = _run_prepared(connection, version_table, True, call, (_oids(units), _oids(renamed)))
        self._replace(set(units), _split(text.partition("\x1d")[2]))

    def _changed(self, touched: str, search_path: str, version_table: str) -> tuple[set[int], set[int], set[int]] | None:
        """(units re-read already, relations dropped, units of dropped indexes / constraints /
        defaults), or None: only a full snapshot will do."""
        if self.snapshot is None or not touched.startswith("S") or search_path != self.search_path:
            return None
        if version_table != self.version_table:
            return None
        described: set[int] = set()
        dropped: set[int] = set()
        owners: set[int] = set()
        for token in touched[1:].split():
            tag = token[0]
            if tag == "F":
                return None
            if tag == "x":
                oid = int(token[1:])
                if oid in self.units:
                    dropped.add(oid)
                elif oid in self.owner:
                    owners.add(self.owner[oid])
                # else: created since the last snapshot (its creation named its unit) or not shown
            elif tag == "t":
                if int(token[1:]) in self.enums:
                    return None
            else:
                described.add(int(token))
        return described, dropped, owners

    def _names(self, unit: int) -> frozenset[tuple[str, str]] | None:
        """What other units may show of `unit`: its (kind, name) and its columns'; None: no such unit."""
        items = self.units.get(unit)
        if items is None:
            return None
        return frozenset((k, n) for k, n, _ in items if k in _NAMED)

    def _renamed(self, before: dict[int, frozenset[tuple[str, str]] | None]) -> set[int]:
        """Units whose name may now show differently in other units: renamed ones (a name is gone
        and another came), and those a new, dropped or renamed relation may now shadow or stop
        shadowing in the search_path (the same relation name in another schema)."""
        renamed, shadowing = set(), set()
        for unit, old in before.items():
            new = self._names(unit)
            if old == new or (old is not None and new is not None and (old <= new or new <= old)):
                continue  # unchanged, or only columns added / dropped (and what named them with them)
            if old is not None and new is not None:
                renamed.add(unit)
            shadowing.update(_relname(n) for k, n in (old or frozenset()) | (new or frozenset()) if k != "column")
        if shadowing:
            renamed.update(u for u, items in self.units.items() if u not in before and any(
                k in _NAMED and k != "column" and _relname(n) in shadowing for k, n, _ in items))
        return renamed

    def _full(self, connection, version_table: str, search_path: str, count: int) -> Snapshot:
        self.full += 1
        for mapping in (self.units, self.subs, self.owner, self.relations):
            mapping.clear()
        self.enums.clear()
        self.globals = []
        self.version_table, self.keep = version_table, _keep(version_table)
        rows = _pg_rows(connection, version_table)
        for kind, unit, sub, name, definition in rows:
            if unit == 0:
                if self.keep(name):
                    self.globals.append((kind, name, definition))
                if kind == "enum":
                    self.enums.add(sub)
        self._replace(set(), [r for r in rows if r[1] != 0])
        self.search_path = search_path
        self.snapshot = self._snapshot()
        if count >= 0 and sum(self.relations.values()) != count:  # changed meanwhile: another session
            forget(connection)
        return self.snapshot

    def _replace(self, units: set[int], rows) -> None:
        """Forget `units` and every unit in `rows`, then record `rows`."""
        fresh: dict[int, list] = {}
        for kind, unit, sub, name, definition in rows:
            fresh.setdefault(unit, []).append((kind, sub, name, definition))
        for unit in units | fresh.keys():
            self.units.pop(unit, None)
            self.relations.pop(unit, None)
            for sub in self.subs.pop(unit, ()):
                self.owner.pop(sub, None)
        keep = self.keep
        for unit, items in fresh.items():
            self.units[unit] = [(k, n, d) for k, _, n, d in items if keep(n)]
            subs = [s for _, s, _, _ in items if s]
            self.subs[unit] = subs
            for sub in subs:
                self.owner[sub] = unit
            self.relations[unit] = sum(1 for k, _, _, _ in items if k in _REL_KINDS)

    def _snapshot(self) -> Snapshot:
        items = list(self.globals)
        for unit_items in self.units.values():
            items.extend(unit_items)
        return Snapshot.of(items)


def _relname(name: str) -> str:
    return name.split(".", 1)[1]


def track(connection) -> bool:
    """Make `take` on this connection incremental until `forget`; False: not possible here.

    Call it right after beginning the transaction the whole walk runs in: the event triggers and
    functions it creates live (and die) with that transaction."""
    forget(connection)
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg2":
        return False
    if (connection.dialect.server_version_info or (0,)) < (10,):
        return False
    ok = connection.exec_driver_sql(
        "SELECT current_setting('is_superuser') = 'on' AND EXISTS (SELECT 1 FROM pg_language WHERE lanname = 'plpgsql')"
    ).scalar()
    if not ok:
        return False
    savepoint = connection.begin_nested()
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        # planned once, not per call (a custom plan per call costs more than running it)
        generic = "SET plan_cache_mode = force_generic_plan" if connection.dialect.server_version_info >= (12,) else ""
        cursor.execute(_TRACKING_DDL.replace("{generic}", generic))  # no parameters: its % signs are SQL's
    except connection.dialect.dbapi.Error:
        savepoint.rollback()
        return False
    finally:
        cursor.close()
    savepoint.commit()
    connection.info["ag_tracker"] = _Tracker()
    return True


def forget(connection) -> None:
    """Stop tracking (call it when the transaction `track` ran in is rolled back)."""
    connection.info.pop("ag_tracker", None)


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
