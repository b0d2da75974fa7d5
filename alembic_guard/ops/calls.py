"""OpCall: one operation of a revision, read statically, in Alembic's vocabulary.

An `OpCall` comes from an `op.*` call in `upgrade()`/`downgrade()` (or a helper they call), from
a `batch_op.*` call inside `with op.batch_alter_table(...)`, or from one SQL statement parsed out
of `op.execute("...")` / `bind.execute(sa.text("..."))`. SQL statements are mapped onto the same
names and parameters as the Alembic operation that would emit them (`CREATE INDEX CONCURRENTLY`
becomes `create_index` with `postgresql_concurrently=True`), so one rule covers both spellings.

Values are literals where they can be resolved statically (strings, numbers, tuples, module
constants, parameters bound at the helper's call site); anything else is `UNRESOLVED`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from alembic_guard.findings import Location


class _Unresolved:
    """A value that cannot be known without running the code."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNRESOLVED"

    def __bool__(self) -> bool:
        return False


UNRESOLVED: Any = _Unresolved()

# Alembic's positional parameters per operation (Operations / BatchOperations). Batch variants
# lose the table parameter, which the extractor fills in from `batch_alter_table(table)`.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "create_table": ("table_name",),
    "drop_table": ("table_name",),
    "add_column": ("table_name", "column"),
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "create_index": ("index_name", "table_name", "columns"),
    "drop_index": ("index_name", "table_name"),
    "create_foreign_key": ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "create_exclude_constraint": ("constraint_name", "table_name"),
    "drop_constraint": ("constraint_name", "table_name", "type_"),
    "rename_table": ("old_table_name", "new_table_name"),
    "execute": ("sqltext",),
    "bulk_insert": ("table", "rows"),
    "create_table_comment": ("table_name", "comment"),
    "drop_table_comment": ("table_name",),
}
BATCH_SIGNATURES: dict[str, tuple[str, ...]] = {
    "add_column": ("column",),
    "drop_column": ("column_name",),
    "alter_column": ("column_name",),
    "create_index": ("index_name", "columns"),
    "drop_index": ("index_name",),
    "create_foreign_key": ("constraint_name", "referent_table", "local_cols", "remote_cols"),
    "create_unique_constraint": ("constraint_name", "columns"),
    "create_primary_key": ("constraint_name", "columns"),
    "create_check_constraint": ("constraint_name", "condition"),
    "create_exclude_constraint": ("constraint_name",),
    "drop_constraint": ("constraint_name", "type_"),
    "create_table_comment": ("comment",),
    "drop_table_comment": (),
}
TABLE_PARAM = {"create_foreign_key": "source_table", "rename_table": "old_table_name"}
NAME_PARAM = {
    "create_index": "index_name",
    "drop_index": "index_name",
    "create_foreign_key": "constraint_name",
    "create_unique_constraint": "constraint_name",
    "create_primary_key": "constraint_name",
    "create_check_constraint": "constraint_name",
    "create_exclude_constraint": "constraint_name",
    "drop_constraint": "constraint_name",
    "validate_constraint": "constraint_name",
}


@dataclass(frozen=True)
class TypeSpec:
    """A column type, normalised: `integer`, `bigint`, `varchar` (length), `timestamp`, `timestamptz`...

    `raw` is the spelling in the source (`sa.String(50)`, `varchar(50)`); `name` is None when the
    type could not be recognised."""

    name: str | None
    length: int | None = None
    raw: str = ""
    precision: int | None = None
    scale: int | None = None

    def __str__(self) -> str:
        return self.raw or (self.name or "?")


@dataclass(frozen=True)
class DefaultSpec:
    """A server default: its SQL text and whether evaluating it is volatile (random(), nextval...)."""

    text: str
    volatile: bool = False
    unknown: bool = False  # could not be read statically


@dataclass(frozen=True)
class ColumnSpec:
    """`sa.Column(...)` or a SQL column definition, as far as it can be read."""

    name: str | None
    type: TypeSpec | None = None
    nullable: bool | None = None  # None: not stated (SQLAlchemy's default: nullable unless primary key)
    server_default: DefaultSpec | None = None
    default_python: bool = False  # `default=` (client-side only: no effect on the DDL)
    primary_key: bool = False
    unique: bool = False
    foreign_key: bool = False
    foreign_key_not_valid: bool = False
    identity: bool = False  # Identity()/serial: values generated for every existing row
    computed_stored: bool = False  # GENERATED ALWAYS AS (...) STORED
    resolved: bool = True  # False: the column expression could not be read at all

    @property
    def is_not_null(self) -> bool:
        if self.nullable is not None:
            return not self.nullable
        return self.primary_key


@dataclass
class OpCall:
    """One operation, in Alembic's terms. See the module docstring."""

    name: str  # "create_index", "add_column", ... or a statement kind ("update", "set_timeout")
    params: dict[str, Any] = field(default_factory=dict)  # parameter name -> resolved value
    location: Location | None = None
    node: ast.AST | None = None  # the Python call (for SQL: the op.execute call that held it)
    phase: str = "upgrade"  # upgrade | downgrade (helpers inherit their caller's phase)
    function: str = "upgrade"  # the function whose body holds the call
    batch_table: str | None = None  # inside `with op.batch_alter_table(table)`
    autocommit: bool = False  # inside `with op.get_context().autocommit_block()`
    in_transaction: bool = True  # would run inside the migration's transaction
    origin: str = "op"  # op | batch | sql | bind | orm | rendered
    sql: str | None = None  # the statement text, for SQL-derived calls
    index: int = 0  # position within its phase, in execution order
    detail: str = ""  # free text for diagnostics (reason a value is unresolved, ...)

    # ------------------------------------------------------------------ helpers
    def kwarg(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.params

    @property
    def table(self) -> str | None:
        value = self.params.get(TABLE_PARAM.get(self.name, "table_name"))
        if value is None and self.batch_table:
            return self.batch_table
        return value if isinstance(value, str) else None

    @property
    def name_arg(self) -> str | None:
        value = self.params.get(NAME_PARAM.get(self.name, ""))
        return value if isinstance(value, str) else None

    @property
    def column(self) -> ColumnSpec | None:
        value = self.params.get("column")
        return value if isinstance(value, ColumnSpec) else None

    @property
    def column_name(self) -> str | None:
        value = self.params.get("column_name")
        if isinstance(value, str):
            return value
        col = self.column
        return col.name if col else None

    @property
    def concurrently(self) -> bool:
        return self.params.get("postgresql_concurrently") is True

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    def label(self, value: Any) -> str:
        """An identifier for messages: the value, or `?` when unresolved."""
        return value if isinstance(value, str) else "?"

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items() if not isinstance(v, ast.AST))
        where = f" line {self.line}" if self.line else ""
        return f"<OpCall {self.name}({shown}){where} {self.origin} {self.phase}{' autocommit' if self.autocommit else ''}>"
