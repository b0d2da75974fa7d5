"""Drift at head: the migrated schema against the models, with Alembic's own autogenerate comparison.

Runs inside env.py's migration context (so `include_object`, `compare_type`... configured there
apply, exactly as `alembic check` would), and names the mapped class of each table involved.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from alembic_guard.masking import mask_secrets
from alembic_guard.sandbox.step_errors import describe_error
from alembic_guard.sandbox.walk_result import NO_TARGET_METADATA, DriftItem


def at_head(mctx, *, order, applied, skip, files, root: Path) -> tuple[list | None, str | None]:
    """(drift items, None) at the end of a walk that applied every revision in `order`; else
    (None, why not)."""
    if skip:
        skipped = ", ".join(sorted(skip)[:5])
        return None, f"skip-revisions stamped {skipped} without running it, so the schema at head is not what the migrations build"
    if set(applied) != set(order):
        missing = sorted(set(order) - set(applied))
        return None, f"not every revision could be applied (missing: {', '.join(missing[:5])})"
    metadata = mctx.opts.get("target_metadata")
    if metadata is None:
        return None, NO_TARGET_METADATA
    try:
        return compare(mctx, metadata, root), None
    except Exception as exc:  # noqa: BLE001 - env.py's own include_object / compare_type hooks run here
        error, _, _, _ = describe_error(exc, files)
        return None, f"Alembic's comparison failed at head: {error.splitlines()[0] if error else '?'}"


def compare(mctx, metadata, root: Path) -> list:
    from alembic.autogenerate import compare_metadata  # start-up cost: autogenerate loads only when drift is compared

    models = _models_by_table()
    items: list[DriftItem] = []
    for entry in compare_metadata(mctx, metadata):
        for op in entry if isinstance(entry, list) else [entry]:
            kind, table, message = _describe(op)
            cls = models.get(table) or models.get(table.rsplit(".", 1)[-1])
            model = path = line = None
            if cls is not None:
                model = f"{cls.__module__}.{cls.__qualname__}"
                try:
                    file = Path(inspect.getsourcefile(cls) or "")
                    line = inspect.getsourcelines(cls)[1]
                    path = file if file.is_absolute() else root / file
                except (OSError, TypeError):
                    path = line = None
            items.append(DriftItem(kind, table, mask_secrets(message), model, path, line))
    return items


def _qual(schema, name) -> str:
    return f"{schema}.{name}" if schema else str(name)


def _cols(obj) -> str:
    try:
        return ", ".join(c.name for c in obj.columns)
    except (AttributeError, TypeError):
        return ""


def _describe(op) -> tuple[str, str, str]:
    """(kind, table, message) for one autogenerate diff tuple."""
    kind = op[0]
    if kind in ("add_table", "remove_table"):
        table = op[1]
        where = "in the models but not in the database" if kind == "add_table" else "in the database but not in the models"
        return kind, _qual(table.schema, table.name), f"table `{_qual(table.schema, table.name)}` is {where}"
    if kind in ("add_column", "remove_column"):
        _, schema, tname, col = op
        where = "in the models but not in the database" if kind == "add_column" else "in the database but not in the models"
        return kind, _qual(schema, tname), f"column `{tname}.{col.name}` ({col.type}) is {where}"
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        obj = op[1]
        table = getattr(obj, "table", None)
        tname = _qual(getattr(table, "schema", None), getattr(table, "name", "?"))
        what = {"index": "index", "constraint": type(obj).__name__, "fk": "foreign key"}[kind.split("_", 1)[1]]
        where = "in the models but not in the database" if kind.startswith("add") else "in the database but not in the models"
        name = getattr(obj, "name", None) or "(unnamed)"
        return kind, tname, f"{what} `{name}` on `{tname}` ({_cols(obj)}) is {where}"
    if kind.startswith("modify_"):
        _, schema, tname, cname, _existing, old, new = op
        attr = kind.split("_", 1)[1]
        return kind, _qual(schema, tname), f"column `{tname}.{cname}` {attr} differs: database {_show(old)}, models {_show(new)}"
    if kind in ("add_table_comment", "remove_table_comment"):
        table = op[1]
        return kind, _qual(table.schema, table.name), f"comment of table `{table.name}` differs"
    return str(kind), "?", f"{kind}: {op[1:]!r}"


def _show(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "NULL" if value else "NOT NULL"
    text = getattr(value, "arg", value)
    return f"`{getattr(text, 'text', text)}`"


def _models_by_table() -> dict:
    """table name (and schema.name) -> mapped class, for every ORM registry alive in the process."""
    out: dict = {}
    try:
        from sqlalchemy.orm import mapperlib

        registries = list(mapperlib._mapper_registries)  # noqa: SLF001
    except (ImportError, AttributeError):
        return out
    for reg in registries:
        for mapper in list(getattr(reg, "mappers", ())):
            table = getattr(mapper, "local_table", None)
            name = getattr(table, "name", None)
            if name is None:
                continue
            for key in (_qual(getattr(table, "schema", None), name), name):
                # the base of an inheritance hierarchy names the table, not a subclass sharing it
                if key not in out or mapper.inherits is None:
                    out[key] = mapper.class_
    return out
