import re

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import models_rule


GENERIC = "`from myapp.models import Base` and `target_metadata = Base.metadata`"


def _suggestion(analysis, expression: str | None = None) -> str:
    """An import line for the project's MetaData. When env.py names something we could not resolve
    (`expression`), only a MetaData whose name appears in it is proposed: another declarative base
    of the repository would be a different schema (autogenerate then fails on duplicate tables)."""
    metadatas = []
    for m in analysis.models:
        if m.metadata not in metadatas:
            metadatas.append(m.metadata)
    if expression is not None:
        words = set(re.findall(r"\w+", expression))
        metadatas = [m for m in metadatas if set(re.findall(r"\w+", m.label)) - {"metadata", "Model"} <= words]
        if len(metadatas) != 1:
            return GENERIC
    if len(metadatas) == 1:
        hit = analysis.metadata_import(metadatas[0])
        if hit is not None:
            return f"`{hit[0]}` and `target_metadata = {hit[1]}`"
    if len(metadatas) > 1:
        shown = [analysis.metadata_import(m) for m in metadatas]
        if all(shown):
            return "; ".join(f"`{s[0]}`" for s in shown) + " and `target_metadata = [" + ", ".join(s[1] for s in shown) + "]`"
    return GENERIC


@models_rule("AG202", "target-metadata-missing", severity=Severity.ERROR)
def target_metadata_missing(analysis, project):
    """env.py gives autogenerate no MetaData (or one alembic-guard cannot find).

    ## What it does
    Reads `target_metadata` in env.py without running it and flags: `target_metadata = None`,
    no assignment at all, a value never passed to `context.configure()`, an env.py that cannot be
    parsed, and a value alembic-guard cannot resolve statically (a warning: run `--import` to
    check it for real).

    Severity: error for what env.py says literally (no assignment, `None`, not passed to
    `configure()`, a syntax error); warning when the value cannot be resolved statically (the
    message says why).

    ## Why is this bad?
    With `target_metadata = None`, `alembic revision --autogenerate` has nothing to compare the
    database with: it writes empty migrations (or fails with "Can't proceed with --autogenerate
    option; environment script ... does not provide a MetaData object").

    A project that defines no mapped models at all (every migration written by hand) may leave
    `target_metadata = None`: the rule only fires when it finds models autogenerate would miss.

    ## Example
    ```python
    # app/models/__init__.py
    class User(Base):
        __tablename__ = "user_account"
    # migrations/env.py
    target_metadata = None
    ```

    ## Use instead
    ```python
    # migrations/env.py
    from app.models import Base
    target_metadata = Base.metadata
    ```
    """
    t = analysis.target
    env = analysis.env_rel
    suggest = _suggestion(analysis)
    if t.status == "no-env":
        yield target_metadata_missing.finding(
            f"No `env.py` in the script location `{env.parent}`",
            at=project.config_location(),
            hint="run `alembic init` to create one, or point script_location at the folder that holds env.py",
            anchor="no-env",
        )
    elif t.status == "broken":
        yield target_metadata_missing.finding(
            f"`{env}` cannot be parsed ({t.reason}), so its target_metadata is unknown",
            at=analysis.env_location(t.line),
            hint="make it a readable regular file" if t.reason and t.reason.startswith("cannot read")
            else "fix the syntax error; Alembic cannot run this env.py either",
            anchor="broken",
        )
    elif t.status in ("missing", "none") and not analysis.models:
        return  # no models anywhere: hand-written migrations, autogenerate is not used
    elif t.status == "missing":
        yield target_metadata_missing.finding(
            f"`{env}` never sets `target_metadata`: autogenerate has no models to compare",
            at=analysis.env_location(),
            hint=f"add {suggest} to env.py, and pass `target_metadata=target_metadata` to `context.configure()`",
            anchor="missing",
        )
    elif t.status == "none":
        yield target_metadata_missing.finding(
            f"`target_metadata = {t.expression}` in `{env}`: autogenerate has no models to compare",
            at=analysis.env_location(t.line),
            hint=f"use {suggest}",
            anchor="none",
        )
    elif t.status == "unresolved":
        suggest = _suggestion(analysis, t.expression or "")
        extra = " (or define it in a project module env.py imports)" if t.uses_current_app else ""
        yield target_metadata_missing.finding(
            f"Cannot resolve `target_metadata = {t.expression}` in `{env}` statically: {t.reason}",
            at=analysis.env_location(t.line),
            hint=f"assign it from an import, e.g. {suggest}{extra}"
            + ("; the `--import` probe (AG206) reports what env.py really holds" if project.settings.allow_import
               else "; or run `alembic-guard check --import` to check it by importing env.py"),
            anchor="unresolved",
            severity=Severity.WARNING,
        )
    elif not t.passed_to_configure:
        yield target_metadata_missing.finding(
            f"`target_metadata` is set in `{env}` but never passed to `context.configure()`",
            at=analysis.env_location(t.line),
            hint="pass `target_metadata=target_metadata` to every `context.configure(...)` call",
            anchor="not-passed",
        )
