"""Sandboxes: throwaway databases and the round trip that runs migrations in them.

This package is the only place (with `runtime` and the `--import` probes) that executes the
analysed project's code or touches a database.

`run_roundtrip_rules` is the engine's runner for rules of kind `roundtrip` (AG3xx, AG203): it
opens one sandbox, runs the round trip once per project (cached in `project.analysis`), and hands
the result to every rule.
"""

from __future__ import annotations

from alembic_guard.masking import mask_secrets


def roundtrip_result(project, *, drift: bool = True, progress=None):
    """The round trip of `project` under its settings; computed once per Project."""

    def factory(project):
        from alembic_guard.sandbox.database import open_sandbox  # start-up cost: SQLAlchemy/Alembic, round trips only
        from alembic_guard.sandbox.roundtrip import run_roundtrip  # start-up cost: SQLAlchemy/Alembic, round trips only

        s = project.settings
        # probe_later: the connection is tried in run_roundtrip's thread, with the CREATE DATABASE
        with open_sandbox(s.db, db_url=s.db_url, dialect=project.dialect, docker_image=s.docker_image, progress=progress,
                          probe_later=True) as sb:
            return run_roundtrip(
                project,
                sb,
                with_data=s.with_data,
                step_timeout=s.step_timeout,
                shard=s.shard,
                drift=drift,
                progress=progress,
                lock_trace=s.trace,
                trace_rows=dict(s.trace_rows),
            )

    return project.analysis("roundtrip", factory)


def run_roundtrip_rules(rules, project, ctx) -> None:
    from alembic_guard.sandbox.alembic_runner import RevisionsUnloadable  # start-up cost (as above)

    wants_drift = any(r.code == "AG203" for r in rules)
    try:
        result = roundtrip_result(project, drift=wants_drift, progress=ctx.progress)
    except RevisionsUnloadable as exc:
        why = f"; {exc.hint}" if exc.import_hint else " (the static findings say why)"
        ctx.skip([r.code for r in rules], f"round trip not run: {mask_secrets(exc.message)}{why}", incomplete=True)
        return
    ctx.facts["roundtrip"] = result.facts()
    if wants_drift and result.drift is None:
        from alembic_guard.sandbox.roundtrip import NO_TARGET_METADATA  # start-up cost (as above)

        shard = result.shard
        other_shard = bool(shard and shard[0] != shard[1])
        reason = (
            f"drift is checked by the last shard only (this is shard {shard[0]}/{shard[1]})"
            if other_shard
            else f"drift at head not computed: {mask_secrets(result.drift_note or 'unknown reason')}"
        )
        # asked for, and the walk could not give it. Not incomplete: another shard's job; no models
        # to compare (target_metadata = None is a choice), unless drift was all this run was for
        drift_only = all(r.code == "AG203" for r in rules)
        ctx.skip(["AG203"], reason, incomplete=not other_shard and (drift_only or result.drift_note != NO_TARGET_METADATA))
    if not result.with_data and any(r.code == "AG306" for r in rules):
        ctx.skip(["AG306"], "pass --with-data to seed rows before each upgrade")
    for rule in rules:
        ctx.call(rule, result, project)


__all__ = ["roundtrip_result", "run_roundtrip_rules"]
