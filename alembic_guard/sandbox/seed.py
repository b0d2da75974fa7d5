"""Synthetic rows for `--with-data`: a few type-aware rows in every table before each upgrade.

Values respect NOT NULL, unique constraints (a run-wide counter makes every value distinct),
enums (the first label), and foreign keys (parents are filled first and children point at
existing parent rows). A table whose rows the database still rejects (a CHECK constraint, a
trigger...) is left empty and noted; seeding never fails the round trip by itself.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import sqlalchemy as sa

ROWS = 3


class Seeder:
    def __init__(self, rows: int = ROWS, version_table: str = "alembic_version"):
        self.rows = rows
        self.version_table = version_table
        self.counter = 0
        self.notes: dict[str, str] = {}  # table -> why it stayed empty

    def seed(self, conn: sa.engine.Connection) -> int:
        """Insert rows into every table; returns how many rows went in."""
        meta = sa.MetaData()
        meta.reflect(bind=conn)
        inserted = 0
        for table in meta.sorted_tables:
            if table.name == self.version_table:
                continue
            rows = self._rows(conn, table)
            if not rows:
                continue
            savepoint = conn.begin_nested() if conn.dialect.name == "postgresql" else None
            try:
                conn.execute(table.insert(), rows)
                inserted += len(rows)
                if savepoint is not None:
                    savepoint.commit()
            except sa.exc.DBAPIError as exc:
                if savepoint is not None:
                    savepoint.rollback()
                self.notes[table.name] = str(getattr(exc, "orig", exc)).splitlines()[0]
        return inserted

    def bulk(self, conn: sa.engine.Connection, name: str, n: int) -> int:
        """Insert `n` more rows into table `name` ("table" or "schema.table"), on PostgreSQL in one
        INSERT ... SELECT over generate_series (10^5 rows in about a second); returns how many
        went in (0, noted, when the database rejects them)."""
        schema, _, table_name = name.rpartition(".")
        meta = sa.MetaData()
        table = sa.Table(table_name, meta, schema=schema or None, autoload_with=conn)
        template = self._rows(conn, table)
        if not template or n <= 0:
            self.notes.setdefault(name, "no row could be made for it (a NOT NULL column of an unknown type)")
            return 0
        row = template[0]
        base = self.counter
        self.counter += n
        series = sa.func.generate_series(1, n).table_valued("g").render_derived(name="series")
        g = series.c.g + base
        columns, exprs = [], []
        for col in table.columns:
            if col.name not in row:
                continue
            columns.append(col.name)
            exprs.append(_series_value(col, g, row[col.name]).label(col.name))
        statement = table.insert().from_select(columns, sa.select(*exprs).select_from(series))
        savepoint = conn.begin_nested()
        try:
            inserted = conn.execute(statement).rowcount
            savepoint.commit()
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            self.notes[name] = str(getattr(exc, "orig", exc)).splitlines()[0]
            return 0
        return int(inserted) if inserted is not None and inserted >= 0 else n  # -1: the driver did not count

    # ------------------------------------------------------------------ values
    def _rows(self, conn, table: sa.Table) -> list[dict]:
        parents: dict[str, list] = {}
        for fk in table.foreign_keys:
            col = fk.parent
            if fk.column.table is table:
                continue  # self reference: NULL (or skip the table below if NOT NULL)
            values = [r[0] for r in conn.execute(sa.select(fk.column).where(fk.column.is_not(None)).limit(self.rows * 4))]
            parents[col.name] = values
        out = []
        for i in range(self.rows):
            row = {}
            for col in table.columns:
                if col.name in parents:
                    values = parents[col.name]
                    if not values:
                        if not col.nullable:
                            return []
                        continue
                    row[col.name] = values[i % len(values)]
                    continue
                if col.foreign_keys:  # self reference
                    if not col.nullable:
                        return []
                    continue
                if _generated(col, table, conn.dialect.name):
                    continue
                self.counter += 1
                value = self._value(col)
                if value is _SKIP:
                    if not col.nullable and col.server_default is None:
                        return []
                    continue
                row[col.name] = value
            out.append(row)
        return out

    def _value(self, col: sa.Column):
        n = self.counter
        t = col.type
        if isinstance(t, sa.Enum):
            return t.enums[0] if t.enums else _SKIP
        if isinstance(t, sa.Boolean):
            return n % 2 == 0
        if isinstance(t, sa.SmallInteger) or type(t).__name__.upper() in ("TINYINT", "SMALLINT", "MEDIUMINT"):
            return n % 100 + 1  # fits TINYINT (signed); small columns are rarely unique
        if isinstance(t, sa.Integer):
            return 100000 + n
        if isinstance(t, sa.Float):
            return float(n % 1000) + 0.5
        if isinstance(t, sa.Numeric):
            digits = (t.precision or 10) - (t.scale or 0)
            return decimal.Decimal(n % (10 ** max(1, min(digits, 9))))
        if isinstance(t, sa.DateTime):
            return dt.datetime(2020, 1, 1) + dt.timedelta(minutes=n)
        if isinstance(t, sa.Date):
            return dt.date(2000, 1, 1) + dt.timedelta(days=n)
        if isinstance(t, sa.Time):
            return dt.time(n % 24, n % 60)
        if isinstance(t, sa.Interval):
            return dt.timedelta(seconds=n)
        if isinstance(t, sa.Uuid):
            value = uuid.UUID(int=n)
            return value if t.as_uuid else str(value)
        if isinstance(t, sa.JSON):
            return {"n": n}
        if isinstance(t, sa.LargeBinary):
            return f"b{n}".encode()
        if isinstance(t, sa.ARRAY):
            return []
        if isinstance(t, sa.String):
            text = f"s{n}"
            if getattr(t, "length", None):
                text = text[-t.length:]
            return text
        return _SKIP


_SKIP = object()


def _series_value(col: sa.Column, g, example):
    """A SQL expression giving row g (1..n, offset by the run-wide counter) a distinct value of
    `col`'s type where one is cheap to make; else `example` (the value a single seeded row got)."""
    t = col.type
    if col.foreign_keys or isinstance(t, (sa.Enum, sa.Boolean, sa.JSON, sa.ARRAY, sa.LargeBinary)):
        return sa.literal(example, type_=t)
    if isinstance(t, sa.SmallInteger):
        return sa.cast(g % 100 + 1, t)
    if isinstance(t, sa.Integer):
        return sa.cast(g + 100000, t)
    if isinstance(t, (sa.Float, sa.Numeric)):
        return sa.cast(g % 1000, t)
    if isinstance(t, sa.DateTime):
        return sa.cast(sa.literal(dt.datetime(2020, 1, 1)) + g * sa.text("interval '1 minute'"), t)
    if isinstance(t, sa.Date):
        return sa.cast(sa.literal(dt.date(2000, 1, 1)) + g % 100000, t)
    if isinstance(t, sa.Uuid):
        return sa.cast(sa.func.md5(sa.cast(g, sa.Text)), t)
    if isinstance(t, sa.String):
        text = sa.literal("s") + sa.cast(g, sa.Text)
        return sa.func.right(text, t.length) if getattr(t, "length", None) else sa.cast(text, t)
    return sa.literal(example, type_=t)


def _generated(col: sa.Column, table: sa.Table, dialect: str) -> bool:
    """Columns the database fills itself: autoincrement integer primary keys, identity, computed."""
    if col.computed is not None or col.identity is not None:
        return True
    if dialect == "sqlite":  # only INTEGER PRIMARY KEY aliases the rowid
        return col.primary_key and str(col.type).upper() == "INTEGER" and len(table.primary_key.columns) == 1
    if col.primary_key and isinstance(col.type, sa.Integer) and len(table.primary_key.columns) == 1:
        return col.autoincrement in (True, "auto") or col.server_default is not None
    return False
