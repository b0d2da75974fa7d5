import re
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.findings import Location, Severity
from alembic_guard.rules._registry import models_rule


_DYNAMIC = re.compile(r"\bimport_module\s*\(|\b__import__\s*\(|\bentry_points\s*\(|\bload_module\s*\(|\bexec_module\s*\(")


def _dynamic_importers(analysis) -> list:
    """Files of env.py's import closure that import modules by name at run time (plugin loaders):
    what they load cannot be seen statically, so a model missing from the closure may still be
    registered (computed once per analysis)."""
    memo = analysis.__dict__.get("_ag201_dynamic")
    if memo is None:
        memo = []
        for path in sorted(analysis.closure):
            try:
                text = reading.read_text(path, errors="replace")
            except OSError:
                continue
            if _DYNAMIC.search(text):
                memo.append(path)
        analysis.__dict__["_ag201_dynamic"] = memo
    return memo


@models_rule("AG201", "table-not-registered-in-env", severity=Severity.ERROR)
def table_not_registered_in_env(analysis, project):
    """A mapped model's module is never imported when Alembic runs env.py.

    ## What it does
    Follows every import that running `env.py` executes — absolute and relative imports, package
    `__init__` files, `from pkg import *` (with and without `__all__`),
    `importlib.import_module("...")` — and flags each model (a mapped class or an imperative
    `Table`) on `target_metadata` whose module is not among them. The hint gives the import line
    that fixes it. Imports under `if TYPE_CHECKING:` do not count, and neither do imports that
    only the application runs (a web app's routes): Alembic does not run them.

    Severity: error when env.py's import closure is fully visible; warning when a file it
    reaches imports modules by name at run time (a plugin loader), which the message names.

    ## Why is this bad?
    A model joins its MetaData when its module is executed. If nothing env.py imports executes
    `models/order.py`, `Base.metadata` has no `order` table while autogenerate runs:
    `alembic revision --autogenerate` writes an empty migration for a new model, or one that
    DROPS the existing table.

    ## Example
    ```python
    # app/models/__init__.py
    from app.models.user import User
    # app/models/order.py  (nothing imports it)
    class Order(Base):
        __tablename__ = "orders"
    # migrations/env.py
    from app.models import Base
    target_metadata = Base.metadata
    ```

    ## Use instead
    ```python
    # app/models/__init__.py
    from app.models.user import User
    from app.models.order import Order
    ```

    ## When to ignore
    A model that deliberately lives outside this migration history (a table another service
    owns) — better, put it on its own MetaData.

    ## References
    - docs/autogenerate-missing-models.md
    """
    target = analysis.target
    if target.status not in ("ok", "unresolved"):
        return  # AG202 says why autogenerate cannot work at all
    for model in analysis.models:
        if analysis.registered(model):
            continue
        if target.status == "ok" and not analysis.on_target(model):
            continue  # AG204: it would not join target_metadata even if imported
        if model.kind == "class":
            what = f"Model `{model.name}` (table `{model.shown_table}`, on `{model.metadata.label}`)"
        else:
            what = f"Table `{model.shown_table}` (on `{model.metadata.label}`)"
        message = (
            f"{what} is not imported when "
            f"Alembic runs `{analysis.env_rel}`: autogenerate will not see it"
        )
        importers = analysis.app_importers(model)
        related = []
        if importers:
            shown = []
            for top, line, via in importers[:2]:
                text = f"`{analysis.rel(top)}` (line {line})"
                if via:
                    text += " through " + " -> ".join(f"`{analysis.rel(v)}`" for v in via)
                shown.append(text)
            message += f"; only application code imports it ({', '.join(shown)}), and Alembic does not run that"
            related = [Location(analysis.rel(top), line or None) for top, line, _ in importers[:2]]
        fix = analysis.fix_import(model)
        if fix:
            hint = f"add `{fix}` to `{analysis.env_rel}`"
            pkg = analysis.package_fix(model)  # the package already imports its other models
            star = analysis.star_fix(model) if pkg is None else None
            if pkg is not None:
                hint += f" (or `{pkg[1]}` to `{pkg[0]}`, which env.py already imports)"
            elif star is not None:
                hint += f" (or {star[1]})"
        else:
            hint = f"import `{analysis.rel(model.path)}` from `{analysis.env_rel}` (it is not importable from the project's sys.path)"
        dynamic = _dynamic_importers(analysis)
        if dynamic:
            message += (f" (unless it is loaded by name at run time: `{analysis.rel(dynamic[0])}`, which env.py's imports"
                        " reach, imports modules dynamically)")
        yield table_not_registered_in_env.finding(
            message,
            severity=Severity.WARNING if dynamic else None,
            at=analysis.location(model),
            hint=hint,
            related=related,
            anchor=f"{model.name} {model.shown_table}",
        )
