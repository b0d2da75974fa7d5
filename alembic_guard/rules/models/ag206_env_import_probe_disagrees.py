from alembic_guard.findings import Severity
from alembic_guard.rules._registry import Requires, models_rule


@models_rule("AG206", "env-import-probe-disagrees", severity=Severity.WARNING, requires=Requires.IMPORT)
def env_import_probe_disagrees(analysis, project):
    """Importing env.py for real registers different tables than the static analysis predicts.

    ## What it does
    Only with `--import`: runs env.py in a fresh Python subprocess (offline mode, no database,
    stopped at `context.configure()`, with a timeout), lists the tables on the `target_metadata`
    it really passes, and compares them with the tables the static analysis expects (models on
    target_metadata whose modules env.py imports). Each table only one side sees is reported,
    with what each side found. A probe that cannot run env.py is reported too.

    Severity: warning (it reports a disagreement, not a failure).

    ## Why is this bad?
    A disagreement means the static answer is not the whole story for this project: a model is
    registered through an import alembic-guard cannot follow (a computed module name, a plugin
    entry point), or an import it did follow does not happen at run time (a conditional import,
    an import error swallowed by `try/except`). Either way, what autogenerate sees is not what
    the code appears to say.

    ## Example
    ```python
    # app/models/__init__.py
    import importlib
    importlib.import_module("app.models." + "order")
    ```

    ## Use instead
    ```python
    # app/models/__init__.py
    from app.models import order  # noqa: F401
    ```

    ## When to ignore
    The static analysis cannot follow a dynamic registration you rely on on purpose; suppress
    the finding on the model.
    """
    probe = analysis.probe
    if probe is None:
        return
    env = analysis.env_rel
    if not probe.ok:
        yield env_import_probe_disagrees.finding(
            f"The import probe could not run `{env}`: {probe.error}",
            at=analysis.env_location(),
            hint="make env.py runnable in offline mode without a database (`alembic upgrade head --sql` should work), "
            "install the project's dependencies, or raise `import-timeout`",
            anchor="probe-failed",
        )
        return
    status = analysis.target.status
    if status in ("ok", "unresolved"):
        # unresolved target: compare what env.py imports, whatever MetaData it turns out to be
        candidates = [m for m in analysis.models if analysis.registered(m) and (status != "ok" or analysis.on_target(m))]
    else:
        candidates = []
    expected = {m.fullname for m in candidates if m.owns_table and m.fullname}
    computed = [m.name for m in candidates if m.owns_table and m.fullname is None]
    real = set(probe.tables)
    by_table: dict[str, list] = {}
    for m in analysis.models:
        if m.fullname:
            by_table.setdefault(m.fullname, []).append(m)
    loaded = set(probe.files)
    for table in sorted(real - expected):
        models = [m for m in by_table.get(table, []) if m.owns_table] or by_table.get(table, [])
        if models:
            m = models[0]
            where = analysis.rel(m.path)
            if status == "ok" and not analysis.on_target(m):
                static = f"static analysis placed `{m.name}` on `{m.metadata.label}`, not on target_metadata"
            else:
                static = f"static analysis found no import from `{env}` that reaches `{where}`"
            also = " (the import did load that file)" if str(where) in loaded else ""
            yield env_import_probe_disagrees.finding(
                f"Importing `{env}` registers table `{table}` (model `{m.name}`){also}, but {static}",
                at=analysis.location(m),
                hint="make the import explicit (`" + (analysis.fix_import(m) or f"import {where}") + f"` in `{env}`) "
                "so every tool — and every reader — can see it",
                anchor=f"probe-only {table}",
            )
        else:
            also = ""
            if computed:
                also = f" (it could not compute the table names of {', '.join(f'`{n}`' for n in computed[:3])})"
            yield env_import_probe_disagrees.finding(
                f"Importing `{env}` registers table `{table}`, which static analysis found in no scanned file{also}",
                at=analysis.env_location(),
                hint="the table is defined dynamically or outside the scanned files (see `app_paths` / `exclude`); "
                "define it in a project module env.py imports",
                anchor=f"probe-only {table}",
            )
    for table in sorted(expected - real):
        m = next(m for m in by_table[table] if m.owns_table)
        chain = " -> ".join(f"`{analysis.rel(p)}:{e.line}`" for p, e in analysis.chain(m.path)) or f"`{env}`"
        yield env_import_probe_disagrees.finding(
            f"Static analysis expects table `{table}` (model `{m.name}`) on target_metadata, but importing `{env}` does not register it",
            at=analysis.location(m),
            hint=f"check the import chain {chain}: a conditional import, a swallowed ImportError, or a module "
            "that is imported under two names",
            anchor=f"static-only {table}",
        )
