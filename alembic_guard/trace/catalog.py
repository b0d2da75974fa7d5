"""What PostgreSQL shows about the migration's own backend: its relation locks, the relations of
the sandbox (oid, name, kind, relfilenode), sequential-scan counters, row counts, and a sampler
that watches the locks of a statement running outside a transaction from a second connection.

This module owns the catalog SQL the lock trace needs and runs it over raw DBAPI cursors (never
through SQLAlchemy, so the recorder's cursor events do not see it). It must not interpret what
it reads (that is `trace.recorder`), open connections to anything but the sandbox database it is
given, nor leave a transaction open on the sampler's connection: a statement it watches may be
waiting for that transaction to end.

Queries take no bound parameters (oids are inlined as integers): the same text serves psycopg2,
psycopg 3 and SQLAlchemy's asyncpg adapter, whose parameter styles differ.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

FIRST_USER_OID = 16384  # FirstNormalObjectId: below it, the system catalogs
KINDS = {"r": "table", "p": "table", "i": "index", "I": "index", "S": "sequence", "v": "view",
         "m": "materialized view", "f": "table", "c": "other", "t": "other"}
SAMPLER_PATIENCE = 3.0  # seconds the sampler keeps its snapshot open when the statement never waits on it

_RELATIONS = """
SELECT 'R', c.oid::bigint, n.nspname, c.relname, c.relkind::text, c.relfilenode::bigint, i.indrelid::bigint,
       {size},
       CASE WHEN c.relkind IN ('r', 'p') THEN pg_stat_get_xact_numscans(c.oid) END, NULL
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_index i ON i.indexrelid = c.oid
 WHERE c.oid >= 16384 AND c.relkind <> 't' AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
"""

_HELD = """
SELECT 'L', l.relation::bigint, n.nspname, c.relname, c.relkind::text, c.relfilenode::bigint, i.indrelid::bigint,
       NULL::bigint, NULL::bigint, l.mode
  FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = l.relation
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation >= 16384::oid
   AND (n.nspname IS NULL OR n.nspname NOT LIKE 'pg\\_toast%')
   AND l.database = {database}
"""

_SCHEMA = ("SELECT 'C', NULL::bigint, current_schema(), NULL, NULL, NULL::bigint, NULL::bigint, NULL::bigint,"
           " NULL::bigint, NULL")


@dataclass(frozen=True)
class Rel:
    """One relation as pg_class shows it."""

    oid: int
    schema: str
    name: str
    relkind: str
    filenode: int
    table_oid: int | None = None  # an index's table
    size: int = 0  # bytes of the main fork (tables only)

    @property
    def kind(self) -> str:
        return KINDS.get(self.relkind, "other")


@dataclass
class Look:
    """What one catalog query showed: the relation locks held; the relations and the current
    schema (when asked for); the sequential scans so far of the tables asked about."""

    # (oid, pg mode, schema, name, relkind, relfilenode, index's table oid); name None: dropped since
    held: list[tuple] = field(default_factory=list)
    relations: dict[int, Rel] = field(default_factory=dict)
    scans: dict[int, int] = field(default_factory=dict)
    schema: str | None = None


def query(dbapi_conn, sql: str) -> list[tuple]:
    cur = dbapi_conn.cursor()
    try:
        cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []
    finally:
        cur.close()


def backend_pid(dbapi_conn) -> int:
    return int(query(dbapi_conn, "SELECT pg_backend_pid()")[0][0])


def database_oid(dbapi_conn) -> int:
    return int(query(dbapi_conn, "SELECT oid FROM pg_database WHERE datname = current_database()")[0][0])


class Prepared:
    """The queries run after every traced statement (locks held + scan counts) and at every
    revision's start (locks, relations, schema), PREPAREd once per connection: planning a join
    over the catalogs costs twice its execution (a look: 0.55 ms plain, 0.17 ms prepared, on
    PostgreSQL 15). A prepared statement belongs to the session and
    survives rollbacks; the name is unique per recorder, so two recorders on one connection never
    collide. Only on psycopg2: other drivers prepare statements their own way (psycopg 3, asyncpg)
    and get the plain query."""

    def __init__(self) -> None:
        self.name = f"ag_trace_look_{id(self):x}"
        self.conn = None  # the DBAPI connection it is prepared on

    @staticmethod
    def usable(dbapi_conn) -> bool:
        return type(dbapi_conn).__module__.split(".")[0] == "psycopg2"

    def rows(self, dbapi_conn, database: int, ids: str) -> list[tuple]:
        if self.conn is not dbapi_conn:
            held = _HELD.replace("{database}", str(int(database))).strip()
            query(dbapi_conn, f"PREPARE {self.name}(oid[]) AS ({held}) UNION ALL (SELECT 'N', o::bigint, NULL, "
                              "NULL, NULL, NULL::bigint, NULL::bigint, NULL::bigint, pg_stat_get_xact_numscans(o), "
                              "NULL FROM unnest($1) o)")
            rels = _RELATIONS.replace("{size}", "0").strip()
            query(dbapi_conn, f"PREPARE {self.name}_rels AS ({held}) UNION ALL ({rels}) UNION ALL ({_SCHEMA})")
            self.conn = dbapi_conn
        return query(dbapi_conn, f"EXECUTE {self.name}('{{{ids}}}')")

    def relations(self, dbapi_conn, database: int) -> list[tuple]:
        """Locks held, every user relation and the current schema (each revision's start)."""
        if self.conn is not dbapi_conn:
            self.rows(dbapi_conn, database, "")  # prepares both on this connection
        return query(dbapi_conn, f"EXECUTE {self.name}_rels")


def look(dbapi_conn, database: int, *, relations: bool = False, sizes: bool = False, scans_of=(),
         prepared: Prepared | None = None) -> Look:
    """One round trip: the locks this backend holds in `database` (its oid; granted, user
    relations, no TOAST) and, with `relations`, every user relation with its scan count (and,
    with `sizes`, its size: a stat() per table) and the current schema; else the scan counts of
    the tables `scans_of` (through `prepared` where its driver allows)."""
    if prepared is not None and prepared.usable(dbapi_conn):
        if not relations:
            return _read(prepared.rows(dbapi_conn, database, ",".join(str(int(o)) for o in scans_of)))
        if not sizes:
            return _read(prepared.relations(dbapi_conn, database))
    parts = [_HELD.replace("{database}", str(int(database)))]
    if relations:
        size = "CASE WHEN c.relkind IN ('r', 'p', 'm') THEN pg_relation_size(c.oid) ELSE 0 END" if sizes else "0"
        parts += [_RELATIONS.replace("{size}", size), _SCHEMA]
    else:
        ids = ",".join(str(int(o)) for o in scans_of)
        if ids:
            parts.append("SELECT 'N', o::bigint, NULL, NULL, NULL, NULL::bigint, NULL::bigint, NULL::bigint, "
                         f"pg_stat_get_xact_numscans(o), NULL FROM unnest('{{{ids}}}'::oid[]) o")
    return _read(query(dbapi_conn, " UNION ALL ".join(f"({p.strip()})" for p in parts)))


def _read(rows: list[tuple]) -> Look:
    out = Look()
    for tag, oid, schema, name, relkind, filenode, table_oid, size, scans, mode in rows:
        if tag == "L":
            out.held.append((oid, mode, schema, name, relkind, filenode, table_oid))
        elif tag == "R":
            out.relations[oid] = Rel(oid, schema, name, relkind, filenode, table_oid, size or 0)
            if scans is not None:
                out.scans[oid] = int(scans)
        elif tag == "N":
            out.scans[oid] = int(scans or 0)
        else:
            out.schema = schema
    return out


def row_counts(dbapi_conn, tables: list[Rel]) -> dict[int, int]:
    """count(*) of each table, in one query; a table with no pages at all is 0 without a count."""
    out = {t.oid: 0 for t in tables if t.size == 0}
    todo = [t for t in tables if t.size > 0]
    if todo:
        parts = ", ".join(f"(SELECT count(*) FROM {quoted(t.schema)}.{quoted(t.name)})" for t in todo)
        # in a savepoint rolled back at once: its ACCESS SHARE locks go with it (the migration's own
        # SELECTs on these tables must still show as new)
        query(dbapi_conn, "SAVEPOINT ag_trace_count")
        try:
            counts = query(dbapi_conn, f"SELECT {parts}")[0]
        finally:
            query(dbapi_conn, "ROLLBACK TO SAVEPOINT ag_trace_count")
            query(dbapi_conn, "RELEASE SAVEPOINT ag_trace_count")
        out.update({t.oid: int(n) for t, n in zip(todo, counts)})
    return out


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Sampler:
    """A second connection to the sandbox database that watches the migration backend's relation
    locks while one statement runs outside a transaction (autocommit).

    `start()` opens a REPEATABLE READ transaction and takes its snapshot before the statement is
    sent: CREATE INDEX CONCURRENTLY (and REINDEX CONCURRENTLY) must then wait for that snapshot
    to end while already holding their locks, so the sampler sees them for certain; once it sees
    the backend waiting it records what it holds and ends its transaction, and the statement
    goes on. Statements that wait for nothing (VACUUM, ALTER TYPE ... ADD VALUE) are seen only if
    one poll of pg_locks falls while they run: a fast one may show no lock at all.
    """

    def __init__(self, connect, pid: int):
        self.connect = connect  # () -> a DBAPI connection to the sandbox database, or a pool's proxy of one
        self.pid = pid
        self.handle = None  # what `connect` returned: kept, so a pool does not reclaim it
        self.conn = None
        self.thread: threading.Thread | None = None
        self.done = threading.Event()
        self.seen: dict[int, set[str]] = {}
        self.in_tx = False
        self.lock = threading.Lock()

    def start(self) -> None:
        if self.conn is None:
            self.handle = self.connect()
            self.conn = getattr(self.handle, "dbapi_connection", self.handle)
            self.conn.autocommit = True
        self.seen = {}
        self.done.clear()
        query(self.conn, "BEGIN ISOLATION LEVEL REPEATABLE READ")
        query(self.conn, "SELECT 1")  # the snapshot CONCURRENTLY waits for
        self.in_tx = True
        self.thread = threading.Thread(target=self._watch, name="ag-trace-sampler", daemon=True)
        self.thread.start()

    def stop(self) -> dict[int, set[str]]:
        """End the watch; relation oid -> the pg lock modes seen granted to the backend."""
        self.done.set()
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        self._end()
        return self.seen

    def close(self) -> None:
        if self.conn is not None:
            try:
                self._end()
                self.handle.close()
            except Exception:  # noqa: BLE001 - the sandbox database is dropped anyway
                pass
            self.conn = self.handle = None

    def _end(self) -> None:
        with self.lock:
            if self.in_tx:
                self.in_tx = False
                query(self.conn, "COMMIT")

    def _watch(self) -> None:
        sql = f"SELECT locktype, relation::bigint, mode, granted FROM pg_locks WHERE pid = {int(self.pid)}"
        deadline = time.monotonic() + SAMPLER_PATIENCE
        try:
            while True:
                rows = query(self.conn, sql)
                waiting = False
                for locktype, relation, mode, granted in rows:
                    if not granted:
                        waiting = True
                    elif locktype == "relation" and relation is not None and relation >= FIRST_USER_OID:
                        self.seen.setdefault(int(relation), set()).add(mode)
                if waiting or time.monotonic() > deadline:
                    self._end()  # let the statement finish (it may be waiting for our snapshot)
                if self.done.is_set():
                    return
                time.sleep(0.001 if self.in_tx else 0.005)
        except Exception:  # noqa: BLE001 - a sample less; never keep the statement waiting
            try:
                self._end()
            except Exception:  # noqa: BLE001
                pass
