"""Incremental PostgreSQL snapshots: event triggers record what each DDL command touched, and a
snapshot re-reads only those relations.

Owns the tracking SQL (`_TRACKING_DDL`: the event-trigger functions, ``ag_guard_want`` and
``ag_guard_take``, created inside the walk's transaction and rolled back with it), the per-session
`_Tracker` that keeps the last snapshot by unit and brings it up to date, and `track` / `forget`.
Whenever it cannot be exact (a change it cannot map to a relation, RESET ALL, triggers gone, another
search_path, DDL from another session) the next snapshot is a full read (`snapshot_postgres`). It
must leave nothing behind in the database (everything it creates lives in the caller's
transaction) and must never return a snapshot that differs from a full read.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic_guard.sandbox.snapshot_postgres import (
    PG_USER_NS,
    keep_filter,
    pg_rows,
    read_postgresql,
    run_prepared,
    split_rows,
)
from alembic_guard.sandbox.snapshot_value import Item, Snapshot

_REL_KINDS = ("table", "view", "sequence", "index")  # one per relation (what the server counts)
_NAMED = ("table", "view", "sequence", "column")  # what other units' text may name


def _oids(oids: Iterable[int]) -> str:
    return "{" + ",".join(str(int(o)) for o in sorted(oids)) + "}"


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
""".replace("{user_ns}", PG_USER_NS)


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
        self.keep = keep_filter("")
        self.full = 0  # how many full snapshots were taken (tests look)

    def take(self, connection, version_table: str) -> Snapshot:
        text = run_prepared(connection, version_table, True, "SELECT pg_catalog.ag_guard_take(%s)", (version_table,))
        header, _, rows = text.partition("\x1d")
        touched, search_path, count = header.split("\x1f")
        change = self._changed(touched, search_path, version_table)
        if change is None:
            return self._full(connection, version_table, search_path, int(count))
        described, dropped, owners = change
        if described or dropped or owners:
            before = {u: self._names(u) for u in described | dropped | owners}
            self._replace(described | dropped, split_rows(rows))
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
            return Snapshot.of(read_postgresql(connection, version_table))
        if self.snapshot is None:
            self.snapshot = self._snapshot()
        return self.snapshot

    def _reread(self, connection, version_table: str, units, renamed) -> None:
        call = "SELECT pg_catalog.ag_guard_want(%s::oid[], %s::oid[])"
        text = run_prepared(connection, version_table, True, call, (_oids(units), _oids(renamed)))
        self._replace(set(units), split_rows(text.partition("\x1d")[2]))

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
        self.version_table, self.keep = version_table, keep_filter(version_table)
        rows = pg_rows(connection, version_table)
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
