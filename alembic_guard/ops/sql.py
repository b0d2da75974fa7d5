"""Raw SQL -> OpCalls, with a real PostgreSQL parser (pglast, a core dependency).

Each statement becomes an `OpCall` named after the Alembic operation that would emit it, with the
same parameter names, so the operation rules see `CREATE INDEX` in `op.execute` exactly as they
see `op.create_index`. Statements with no Alembic equivalent get a name of their own (`update`,
`insert`, `delete`, `set_timeout`, `add_enum_value`, `begin`, `commit`, ...); anything else is
`sql_other` with the statement's node name.

Without pglast installed, `parse()` raises `SqlUnavailable`; a statement pglast cannot parse
raises `SqlSyntaxError`. The caller turns both into a "not analysed" finding: never silence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from alembic_guard.ops.calls import ColumnSpec, DefaultSpec, TypeSpec

# Functions whose value differs per row: a default calling them forces a table rewrite even on
# PostgreSQL 11+ (see `docs/locks.md`). now()/current_timestamp are STABLE, not volatile.
VOLATILE_FUNCTIONS = frozenset({
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    "uuid_generate_v7", "uuidv4", "uuidv7", "clock_timestamp", "timeofday", "nextval", "setseed",
    "gen_random_bytes", "txid_current", "random_normal",
})
# Functions known not to be volatile (immutable or stable): a default calling only these is stored
# once in the catalog on PostgreSQL 11+. Any other function is treated as volatile, as squawk does:
# a default alembic-guard cannot prove constant is assumed to rewrite the table.
NON_VOLATILE_FUNCTIONS = frozenset({
    "now", "statement_timestamp", "transaction_timestamp", "current_setting", "localtimestamp", "localtime",
    "current_timestamp", "current_date", "current_time", "current_user", "session_user", "current_schema", "lower", "upper", "btrim",
    "trim", "ltrim", "rtrim", "length", "coalesce", "nullif", "greatest", "least", "concat", "md5",
    "to_jsonb", "to_json", "jsonb_build_object", "json_build_object", "jsonb_build_array",
    "json_build_array", "array", "make_interval", "to_timestamp", "to_date", "date_trunc", "timezone",
    "abs", "round", "int4", "int8", "text", "numeric", "float8", "bool", "array_length", "cardinality",
})
SERIAL_TYPES = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
                "smallserial": "smallint", "serial2": "smallint"}
PG_TYPE_NAMES = {
    "int4": "integer", "int": "integer", "integer": "integer", "int8": "bigint", "bigint": "bigint",
    "int2": "smallint", "smallint": "smallint", "varchar": "varchar", "bpchar": "char", "char": "char",
    "text": "text", "timestamp": "timestamp", "timestamptz": "timestamptz", "bool": "boolean",
    "boolean": "boolean", "numeric": "numeric", "decimal": "numeric", "float8": "float", "float4": "real",
    "uuid": "uuid", "json": "json", "jsonb": "jsonb", "date": "date", "time": "time", "timetz": "timetz",
    "bytea": "bytea", "interval": "interval",
}


class SqlUnavailable(Exception):
    """pglast is not installed."""


class SqlSyntaxError(Exception):
    """pglast could not parse the text."""


@dataclass
class Statement:
    name: str
    params: dict[str, Any]
    text: str
    offset: int  # character offset of the statement in the parsed text


def available() -> bool:
    try:
        import pglast  # noqa: F401
    except ImportError:
        return False
    return True


_CACHE: dict[str, list[Statement]] = {}


def parse(text: str) -> list[Statement]:
    """Statements of `text` as OpCall-shaped records (cached by text: histories repeat SQL)."""
    hit = _CACHE.get(text)
    if hit is not None:
        return hit
    try:
        import pglast
        from pglast import parse_sql
    except ImportError:
        raise SqlUnavailable("pglast is not installed") from None
    if _PRAGMA.match(text):  # SQLite's PRAGMA is no PostgreSQL statement: nothing to lock there
        out = [Statement("sql_other", {"statement": "PRAGMA (SQLite)"}, text.strip(), 0)]
        _CACHE[text] = out
        return out
    try:
        raw = parse_sql(_placeholders_as_params(text))
    except pglast.parser.ParseError as exc:
        raise SqlSyntaxError(str(exc)) from None
    out: list[Statement] = []
    for item in raw:
        # pglast reports statement locations in characters of the text (not bytes)
        start = item.stmt_location or 0
        length = item.stmt_len or (len(text) - start)
        stmt_text = text[start:start + length].strip()
        offset = start
        for name, params in _convert(item.stmt, stmt_text):
            out.append(Statement(name, params, stmt_text, offset))
    if len(_CACHE) < 4096:
        _CACHE[text] = out
    return out


_PRAGMA = re.compile(r"\s*(?:--[^\n]*\n\s*)*PRAGMA\b", re.IGNORECASE)
# bind parameters of `sa.text()` / DBAPI: `:name`, `%(name)s`, `%s` (not `::type` casts, not inside quotes)
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$\w*\$|::|(?<![\w:]):[A-Za-z_]\w*|%\([A-Za-z_]\w*\)s|%s")


def _placeholders_as_params(text: str) -> str:
    """Bind placeholders replaced by `$1` padded to the same length (statement offsets and lines
    stay those of the original text), so the normal `sa.text("... :name")` idiom can be parsed."""
    if ":" not in text and "%" not in text:
        return text
    out, pos = [], 0
    dollar = None
    for m in _PLACEHOLDER.finditer(text):
        tok = m.group(0)
        if dollar is not None:  # inside $tag$ ... $tag$: copy verbatim
            if tok == dollar:
                dollar = None
            continue
        if tok.startswith("$"):
            dollar = tok
            continue
        if tok[0] in "'\"" or tok == "::":
            continue
        out.append(text[pos:m.start()])
        out.append("$1".ljust(len(tok)))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


# Fast paths for the two shapes almost every server default has; they save importing pglast.
_SIMPLE_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*\)\s*")
_SIMPLE_CONST = re.compile(
    r"\s*(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false|null|current_timestamp|current_date|localtimestamp)"
    r"(?:\s*::\s*[A-Za-z_][A-Za-z0-9_ ]*(?:\[\])?)?\s*",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def expression_is_volatile(expr: str) -> bool:
    """Whether a default expression calls a volatile function (parsed as `SELECT <expr>`)."""
    if _SIMPLE_CONST.fullmatch(expr):
        return False
    simple = _SIMPLE_CALL.fullmatch(expr)
    if simple:
        return function_is_volatile(simple.group(1))
    try:
        from pglast import parse_sql
        from pglast.visitors import Visitor
    except ImportError:
        return _volatile_by_name(expr)
    try:
        tree = parse_sql(f"SELECT {expr}")
    except Exception:  # noqa: BLE001 - not SQL pglast reads: fall back to function names
        return _volatile_by_name(expr)
    return _calls_volatile(tree)


def function_is_volatile(name: str) -> bool:
    name = name.lower()
    return name in VOLATILE_FUNCTIONS or name not in NON_VOLATILE_FUNCTIONS


def _volatile_by_name(expr: str) -> bool:
    """Without a parser: any `name(` that is not a known non-volatile function counts."""
    return any(function_is_volatile(m) for m in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", expr))


def _calls_volatile(node: Any) -> bool:
    from pglast import ast as pg

    found = False

    def walk(n: Any) -> None:
        nonlocal found
        if found:
            return
        if isinstance(n, pg.FuncCall):
            fname = n.funcname[-1].sval.lower() if n.funcname else ""
            if fname in VOLATILE_FUNCTIONS or fname not in NON_VOLATILE_FUNCTIONS:
                found = True
                return
        if isinstance(n, (tuple, list)):
            for x in n:
                walk(x)
        elif isinstance(n, pg.Node):
            for attr in n:
                walk(getattr(n, attr))

    walk(node)
    return found


# ---------------------------------------------------------------------- conversion
def _rel(rv: Any) -> str | None:
    return getattr(rv, "relname", None) if rv is not None else None


def _deparse(node: Any) -> str:
    try:
        from pglast.stream import RawStream

        return RawStream()(node)
    except Exception:  # noqa: BLE001
        return "?"


def _type(tn: Any) -> TypeSpec:
    names = [n.sval for n in (tn.names or ())]
    base = names[-1].lower() if names else ""
    mods = []
    for m in tn.typmods or ():
        val = getattr(getattr(m, "val", None), "ival", None)
        mods.append(val)
    raw = base + (f"({', '.join(str(m) for m in mods)})" if mods else "")
    if base in SERIAL_TYPES:
        return TypeSpec(base, raw=raw)
    name = PG_TYPE_NAMES.get(base, base or None)
    length = mods[0] if mods and name in ("varchar", "char") else None
    precision = mods[0] if mods and name == "numeric" else None
    scale = mods[1] if len(mods) > 1 and name == "numeric" else None
    return TypeSpec(name, length=length, raw=raw, precision=precision, scale=scale)


def _column(cd: Any) -> ColumnSpec:
    from pglast import enums

    type_ = _type(cd.typeName) if cd.typeName is not None else None
    nullable = None
    server_default = None
    pk = unique = fk = fk_not_valid = identity = stored = False
    for c in cd.constraints or ():
        t = c.contype
        if t == enums.ConstrType.CONSTR_NOTNULL:
            nullable = False
        elif t == enums.ConstrType.CONSTR_NULL:
            nullable = True
        elif t == enums.ConstrType.CONSTR_DEFAULT:
            server_default = DefaultSpec(_deparse(c.raw_expr), volatile=_calls_volatile(c.raw_expr))
        elif t == enums.ConstrType.CONSTR_PRIMARY:
            pk = True
        elif t == enums.ConstrType.CONSTR_UNIQUE:
            unique = True
        elif t == enums.ConstrType.CONSTR_FOREIGN:
            fk = True
            fk_not_valid = bool(c.skip_validation)
        elif t == enums.ConstrType.CONSTR_IDENTITY:
            identity = True
        elif t == enums.ConstrType.CONSTR_GENERATED:
            stored = True
    if type_ is not None and type_.name in SERIAL_TYPES:
        identity = True
    return ColumnSpec(
        name=cd.colname, type=type_, nullable=nullable, server_default=server_default,
        primary_key=pk, unique=unique, foreign_key=fk, foreign_key_not_valid=fk_not_valid,
        identity=identity, computed_stored=stored,
    )


def _convert(stmt: Any, text: str) -> list[tuple[str, dict[str, Any]]]:
    from pglast import ast as pg, enums

    kind = type(stmt).__name__
    if isinstance(stmt, pg.IndexStmt):
        cols = [e.name or _deparse(e.expr) for e in stmt.indexParams or ()]
        return [("create_index", {
            "index_name": stmt.idxname, "table_name": _rel(stmt.relation), "columns": cols,
            "unique": bool(stmt.unique), "postgresql_concurrently": bool(stmt.concurrent),
            "if_not_exists": bool(stmt.if_not_exists),
        })]
    if isinstance(stmt, pg.CreateStmt):
        cols = [_column(e) for e in stmt.tableElts or () if isinstance(e, pg.ColumnDef)]
        return [("create_table", {"table_name": _rel(stmt.relation), "columns": cols})]
    if isinstance(stmt, pg.DropStmt):
        out = []
        what = stmt.removeType
        for obj in stmt.objects or ():
            names = [getattr(n, "sval", None) for n in obj] if isinstance(obj, tuple) else [getattr(obj, "sval", None)]
            names = [n for n in names if n]
            last = names[-1] if names else None
            if what == enums.ObjectType.OBJECT_INDEX:
                out.append(("drop_index", {"index_name": last, "postgresql_concurrently": bool(stmt.concurrent), "if_exists": bool(stmt.missing_ok)}))
            elif what == enums.ObjectType.OBJECT_TABLE:
                out.append(("drop_table", {"table_name": last, "if_exists": bool(stmt.missing_ok)}))
            elif what == enums.ObjectType.OBJECT_TYPE:
                out.append(("drop_type", {"type_name": last}))
            else:
                out.append(("sql_other", {"statement": f"DROP {what.name.replace('OBJECT_', '')}"}))
        return out
    if isinstance(stmt, pg.AlterTableStmt):
        if stmt.objtype != enums.ObjectType.OBJECT_TABLE:
            return [("sql_other", {"statement": "ALTER " + stmt.objtype.name.replace("OBJECT_", "")})]
        table = _rel(stmt.relation)
        out = []
        for cmd in stmt.cmds or ():
            st = cmd.subtype
            A = enums.AlterTableType
            if st == A.AT_AddColumn:
                out.append(("add_column", {"table_name": table, "column": _column(cmd.def_), "if_not_exists": bool(cmd.missing_ok)}))
            elif st == A.AT_DropColumn:
                out.append(("drop_column", {"table_name": table, "column_name": cmd.name}))
            elif st == A.AT_AlterColumnType:
                params = {"table_name": table, "column_name": cmd.name, "type_": _type(cmd.def_.typeName)}
                if getattr(cmd.def_, "raw_default", None) is not None:
                    params["postgresql_using"] = _deparse(cmd.def_.raw_default)
                out.append(("alter_column", params))
            elif st == A.AT_SetNotNull:
                out.append(("alter_column", {"table_name": table, "column_name": cmd.name, "nullable": False}))
            elif st == A.AT_DropNotNull:
                out.append(("alter_column", {"table_name": table, "column_name": cmd.name, "nullable": True}))
            elif st == A.AT_ColumnDefault:
                default = DefaultSpec(_deparse(cmd.def_), _calls_volatile(cmd.def_)) if cmd.def_ is not None else None
                out.append(("alter_column", {"table_name": table, "column_name": cmd.name, "server_default": default}))
            elif st == A.AT_AddConstraint:
                out.append(_constraint(table, cmd.def_))
            elif st == A.AT_ValidateConstraint:
                out.append(("validate_constraint", {"table_name": table, "constraint_name": cmd.name}))
            elif st == A.AT_DropConstraint:
                out.append(("drop_constraint", {"table_name": table, "constraint_name": cmd.name}))
            else:
                out.append(("alter_table_other", {"table_name": table, "subtype": st.name}))
        return out
    if isinstance(stmt, pg.RenameStmt):
        O = enums.ObjectType
        if stmt.renameType == O.OBJECT_COLUMN:
            return [("alter_column", {"table_name": _rel(stmt.relation), "column_name": stmt.subname, "new_column_name": stmt.newname})]
        if stmt.renameType == O.OBJECT_TABLE:
            return [("rename_table", {"old_table_name": _rel(stmt.relation), "new_table_name": stmt.newname})]
        return [("rename_other", {"object": stmt.renameType.name.replace("OBJECT_", "").lower(), "new_name": stmt.newname})]
    if isinstance(stmt, pg.AlterEnumStmt):
        type_name = ".".join(n.sval for n in stmt.typeName or ())
        if stmt.oldVal:
            return [("rename_enum_value", {"type_name": type_name, "old_value": stmt.oldVal, "new_value": stmt.newVal})]
        return [("add_enum_value", {"type_name": type_name, "value": stmt.newVal, "if_not_exists": bool(stmt.skipIfNewValExists), "neighbor": stmt.newValNeighbor})]
    if isinstance(stmt, pg.CreateEnumStmt):
        return [("create_type", {"type_name": ".".join(n.sval for n in stmt.typeName or ())})]
    if isinstance(stmt, pg.VariableSetStmt):
        name = (stmt.name or "").lower()
        if name in ("lock_timeout", "statement_timeout"):
            return [("set_timeout", {"setting": name, "local": bool(stmt.is_local)})]
        return [("set_other", {"setting": name})]
    if isinstance(stmt, pg.SelectStmt):
        # SELECT set_config('lock_timeout', ...): the function spelling of SET
        m = re.search(r"set_config\s*\(\s*'(lock_timeout|statement_timeout)'", text, re.I)
        if m:
            return [("set_timeout", {"setting": m.group(1).lower(), "local": True})]
        return [("select", {})]
    if isinstance(stmt, pg.UpdateStmt):
        return [("update", {"table_name": _rel(stmt.relation)})]
    if isinstance(stmt, pg.InsertStmt):
        return [("insert", {"table_name": _rel(stmt.relation)})]
    if isinstance(stmt, pg.DeleteStmt):
        return [("delete", {"table_name": _rel(stmt.relation)})]
    if isinstance(stmt, pg.TruncateStmt):
        return [("truncate", {"table_name": _rel(r)}) for r in stmt.relations or ()]
    if isinstance(stmt, pg.TransactionStmt):
        K = enums.TransactionStmtKind
        if stmt.kind in (K.TRANS_STMT_BEGIN, K.TRANS_STMT_START):
            return [("begin", {})]
        if stmt.kind in (K.TRANS_STMT_COMMIT, K.TRANS_STMT_ROLLBACK):
            return [("commit", {})]
        return [("sql_other", {"statement": stmt.kind.name})]
    if isinstance(stmt, pg.ReindexStmt):
        # `REINDEX (CONCURRENTLY)` / `REINDEX TABLE CONCURRENTLY t`, but not `REINDEX (CONCURRENTLY false)`
        conc = any(getattr(p, "defname", "") == "concurrently" and _option_true(p) for p in stmt.params or ())
        target = _rel(stmt.relation) if stmt.relation is not None else getattr(stmt, "name", None)
        what = {0: "index", 1: "table"}.get(int(stmt.kind), "schema/database")
        params = {"postgresql_concurrently": conc, "target": what}
        params["index_name" if what == "index" else "table_name"] = target
        return [("reindex", params)]
    return [("sql_other", {"statement": kind})]


def _option_true(defelem: Any) -> bool:
    """A boolean option of a utility statement: `(CONCURRENTLY)`, `(CONCURRENTLY true|on|1)`."""
    arg = getattr(defelem, "arg", None)
    if arg is None:
        return True
    value = getattr(arg, "sval", None)
    if value is None:
        value = getattr(arg, "ival", getattr(arg, "boolval", None))
    return str(value).lower() not in ("false", "off", "0", "no")


def _constraint(table: str | None, c: Any) -> tuple[str, dict[str, Any]]:
    from pglast import enums

    C = enums.ConstrType
    base = {"table_name": table, "constraint_name": c.conname}
    if c.contype == C.CONSTR_FOREIGN:
        return ("create_foreign_key", {
            "constraint_name": c.conname, "source_table": table, "referent_table": _rel(c.pktable),
            "local_cols": [a.sval for a in c.fk_attrs or ()], "remote_cols": [a.sval for a in c.pk_attrs or ()],
            "postgresql_not_valid": bool(c.skip_validation),
        })
    if c.contype == C.CONSTR_CHECK:
        return ("create_check_constraint", {**base, "condition": _deparse(c.raw_expr), "postgresql_not_valid": bool(c.skip_validation)})
    if c.contype == C.CONSTR_UNIQUE:
        return ("create_unique_constraint", {**base, "columns": [k.sval for k in c.keys or ()], "using_index": c.indexname})
    if c.contype == C.CONSTR_PRIMARY:
        return ("create_primary_key", {**base, "columns": [k.sval for k in c.keys or ()], "using_index": c.indexname})
    if c.contype == C.CONSTR_EXCLUSION:
        return ("create_exclude_constraint", base)
    return ("add_constraint_other", {**base, "type": c.contype.name})
