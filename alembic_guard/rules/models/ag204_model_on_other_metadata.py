from alembic_guard.findings import Location, Severity
from alembic_guard.rules._registry import models_rule


@models_rule("AG204", "model-on-other-metadata", severity=Severity.WARNING)
def model_on_other_metadata(analysis, project):
    """A model is mapped on a MetaData that env.py's target_metadata does not include.

    ## What it does
    Flags each mapped class or imperative `Table` whose base (or MetaData) is not one of those
    in `target_metadata` — a second `DeclarativeBase`, a separate `MetaData()`, a Flask-SQLAlchemy
    `__bind_key__`, or `SQLModel.metadata` next to a plain SQLAlchemy base.

    Severity: warning (which MetaData env.py ends up with at run time is not fully visible).

    ## Why is this bad?
    Autogenerate only compares the MetaData objects it is given. A table on another MetaData is
    invisible to it: new models produce no migration, and existing tables look like tables to
    DROP.

    ## Example
    ```python
    # app/models.py
    class Base(DeclarativeBase): ...
    class AuditBase(DeclarativeBase): ...
    class AuditLog(AuditBase):
        __tablename__ = "audit_log"
    # migrations/env.py
    from app.models import Base
    target_metadata = Base.metadata
    ```

    ## Use instead
    ```python
    # migrations/env.py
    from app.models import AuditBase, Base
    target_metadata = [Base.metadata, AuditBase.metadata]
    ```

    ## When to ignore
    The other MetaData belongs to a different database with its own Alembic environment.
    """
    t = analysis.target
    if t.status != "ok" or t.unresolved_items:
        return
    targets = ", ".join(f"`{m.label}`" for m in t.metadatas)
    target_labels = {m.label for m in t.metadatas}
    for model in analysis.models:
        if analysis.on_target(model):
            continue
        what = f"Model `{model.name}` (table `{model.shown_table}`)" if model.kind == "class" else f"Table `{model.shown_table}`"
        md = model.metadata
        clash = md.label in target_labels  # another `Base.metadata`, from another module
        shown = f"`{md.label}` of `{analysis.rel(md.path)}`" if clash and md.path is not None else f"`{md.label}`"
        hit = analysis.metadata_import(md)
        if hit is not None:
            listed = ", ".join(m.label for m in t.metadatas)
            line, expr = hit
            if clash:  # import it under another name
                name = expr.split(".", 1)[0]
                alias = f"Other{name}"
                line, expr = f"{line} as {alias}", alias + expr[len(name):]
            hint = f"add it to env.py: `{line}` and `target_metadata = [{listed}, {expr}]` — or map the model on the target's base"
        else:
            hint = f"map `{model.name}` on the base of {targets}, or add its MetaData to `target_metadata`"
        related = []
        if md.path is not None and md.line:
            related = [Location(analysis.rel(md.path), md.line)]
        yield model_on_other_metadata.finding(
            f"{what} is on {shown}, not on env.py's target_metadata ({targets})",
            at=analysis.location(model),
            hint=hint,
            related=related,
            anchor=f"{model.name} {md.label}",
        )
