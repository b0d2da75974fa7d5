from alembic_guard.findings import Severity
from alembic_guard.rules._registry import models_rule


@models_rule("AG205", "duplicate-table-name", severity=Severity.ERROR)
def duplicate_table_name(analysis, project):
    """Two models claim the same table on one MetaData.

    ## What it does
    Flags a mapped class or imperative `Table` whose table name (with schema) is already claimed
    by another model on the same MetaData. Single-table inheritance, classes mapping an existing
    `Table` object and `extend_existing=True` are not duplicates.

    Severity: error (both mappings are read; SQLAlchemy refuses the second one when the models
    are imported).

    ## Why is this bad?
    Once both modules are imported, SQLAlchemy raises "Table 'orders' is already defined for this
    MetaData instance". Until then, which definition autogenerate sees depends on import order —
    a copy-pasted model quietly shadows the real one.

    ## Example
    ```python
    class Order(Base):
        __tablename__ = "orders"
    class LegacyOrder(Base):
        __tablename__ = "orders"
    ```

    ## Use instead
    ```python
    class Order(Base):
        __tablename__ = "orders"
    class LegacyOrder(Base):
        __tablename__ = "legacy_orders"
    ```
    """
    first: dict[tuple[str, str], object] = {}
    for model in analysis.models:
        if not model.owns_table or model.fullname is None or model.extend_existing:
            continue
        key = (model.metadata.key, model.fullname)
        if key not in first:
            first[key] = model
            continue
        other = first[key]
        yield duplicate_table_name.finding(
            f"`{model.name}` claims table `{model.fullname}` on `{model.metadata.label}`, already claimed by "
            f"`{other.name}` ({analysis.rel(other.path)}:{other.line})",
            at=analysis.location(model),
            related=[analysis.location(other)],
            hint="give one of them another `__tablename__`, or delete the stale copy",
            anchor=f"{model.name} {model.fullname}",
        )
