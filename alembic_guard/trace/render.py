"""One revision's lock trace as text or as a JSON value, for people: the `trace` command prints it.

Pure functions from `trace.model` values to strings and dicts: each statement (its line in the
revision file, its SQL shortened, its duration), the locks it newly took on relations that existed
before the revision (mode, relation, what the mode blocks in words), the relations it rewrote or
read whole, and the relations the revision created summarised in one line (their locks block
nobody: no other session can see them before the commit). This module must not read files, talk
to a database or decide anything: the gate's sizing and the rules read the model themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic_guard.masking import mask_secrets
from alembic_guard.trace.model import LockHeld, RevisionTrace, TracedStatement, blocks, blocks_text, rank

SQL_WIDTH = 100  # characters of a statement shown in text


def shorten(sql: str, width: int = SQL_WIDTH) -> str:
    """Passwords masked, whitespace collapsed, cut at `width` characters with an ellipsis (masked
    first: a cut must not leave part of a password the masking would no longer recognise)."""
    text = " ".join(mask_secrets(sql).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def seconds_text(seconds: float) -> str:
    """0.00042 -> '0.4 ms', 1.5 -> '1.50 s', 95 -> '1 min 35 s'."""
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def lock_line(lock: LockHeld) -> str:
    """'SHARE on orders: blocks writes (reads go on)'."""
    what = lock.relation if lock.kind == "table" else f"{lock.kind} {lock.relation}"
    if lock.kind == "index" and lock.table:
        what += f" (of {lock.table})"
    sampled = " [sampled while it ran]" if lock.observed == "sampled" else ""
    return f"{lock.mode} on {what}: {blocks_text(lock.mode)}{sampled}"


def _grouped_index_locks(locks: Iterable[LockHeld]) -> list[str]:
    """Locks on existing indexes, one line per (mode, table): a rewrite locks every index."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for lock in locks:
        groups.setdefault((lock.mode, lock.table), []).append(lock.relation)
    out = []
    for (mode, table), names in groups.items():
        if len(names) == 1:
            of = f" (of {table})" if table else ""
            out.append(f"{mode} on index {names[0]}{of}")
        else:
            of = f" of {table}" if table else ""
            out.append(f"{mode} on {len(names)} indexes{of} ({', '.join(names)})")
    return out


def _new_relations(locks: Iterable[LockHeld]) -> str:
    """'new: audit (table), audit_pkey (index)' for the relations the revision created."""
    seen: dict[str, str] = {}
    for lock in locks:
        seen.setdefault(lock.relation, lock.kind)
    return ", ".join(f"{name} ({kind})" for name, kind in seen.items())


def statement_lines(stmt: TracedStatement) -> list[str]:
    """The lines of one statement: a heading, then one indented line per lock, rewrite and scan."""
    where = f"line {stmt.line}" if stmt.line is not None else "line ?"
    flags = []
    if stmt.autocommit:
        flags.append("autocommit")
    if not stmt.ok:
        flags.append("FAILED")
    flag = f" [{', '.join(flags)}]" if flags else ""
    out = [f"{where:>9}  {shorten(stmt.sql)}  ({seconds_text(stmt.seconds)}){flag}"]
    existing = [lock for lock in stmt.locks if lock.existed]
    out += [f"             {lock_line(lock)}" for lock in existing if lock.kind != "index"]
    out += [f"             {text}" for text in _grouped_index_locks(x for x in existing if x.kind == "index")]
    new = [lock for lock in stmt.locks if not lock.existed]
    if new:
        out.append(f"             new: {_new_relations(new)} (new in this revision: no other session sees them)")
    if stmt.rewrites:
        out.append(f"             REWRITES {', '.join(stmt.rewrites)} (new relfilenode: the whole table is copied)")
    if stmt.scans:
        out.append(f"             reads {', '.join(stmt.scans)} whole (sequential scan)")
    if not stmt.locks and not stmt.rewrites and not stmt.scans:
        out.append("             no lock on an existing relation")
    return out


def summary(trace: RevisionTrace) -> dict[str, Any]:
    """Per existing table: the strongest lock the revision took, whether it was rewritten or read
    whole, and its rows at trace time; plus the relations the revision created."""
    tables: dict[str, dict[str, Any]] = {}
    for stmt in trace.statements:
        for lock in stmt.locks:
            if not lock.existed or lock.kind == "index":
                continue
            entry = tables.setdefault(lock.relation, {"mode": lock.mode, "blocks": list(blocks(lock.mode))})
            if rank(lock.mode) > rank(entry["mode"]):
                entry.update(mode=lock.mode, blocks=list(blocks(lock.mode)))
    rewritten = trace.rewritten()
    scanned = list(dict.fromkeys(rel for stmt in trace.statements for rel in stmt.scans))
    for name, entry in tables.items():
        entry["rewritten"] = name in rewritten
        entry["scanned"] = name in scanned
        entry["rows"] = trace.rows.get(name)
        entry["held_for_statements"] = trace.exclusive_span(name) if entry["mode"] == "ACCESS EXCLUSIVE" else None
    created = list(dict.fromkeys(lock.relation for stmt in trace.statements for lock in stmt.locks if not lock.existed))
    return {"tables": tables, "rewritten": list(rewritten), "scanned": scanned, "created": created}


def summary_lines(trace: RevisionTrace) -> list[str]:
    info = summary(trace)
    if not info["tables"]:
        out = ["summary: no lock on a table that existed before this revision"]
    else:
        parts = []
        for name, entry in info["tables"].items():
            bits = [f"{name}: {entry['mode']}, {blocks_text(entry['mode'])}"]
            if entry["rewritten"]:
                bits.append("REWRITTEN")
            elif entry["scanned"]:
                bits.append("read whole")
            span = entry["held_for_statements"]
            if span:
                bits.append(f"held for {span} statement{'s' if span != 1 else ''}")
            if entry["rows"] is not None:
                bits.append(f"{entry['rows']:,} rows at trace time")
            parts.append("; ".join(bits))
        out = ["summary: " + parts[0], *("         " + p for p in parts[1:])]
    if info["created"]:
        out.append(f"created: {len(info['created'])} relation{'s' if len(info['created']) != 1 else ''} "
                   f"({', '.join(info['created'][:6])}{', …' if len(info['created']) > 6 else ''})")
    return out


def render_text(trace: RevisionTrace) -> str:
    """The whole revision: heading, statements in order, summary."""
    n = len(trace.statements)
    where = f" ({trace.path})" if trace.path else ""
    head = f"revision {trace.revision}{where}: {n} statement{'s' if n != 1 else ''}, {seconds_text(trace.seconds)}"
    lines = [head]
    if not trace.complete:
        lines.append("  the upgrade FAILED: statements up to the failure")
    for stmt in trace.statements:
        lines += statement_lines(stmt)
    if any(stmt.autocommit for stmt in trace.statements):
        lines.append("  (autocommit statements ran outside a transaction: their locks were sampled from a second "
                     "connection while they ran, and a short lock can be missed)")
    lines += summary_lines(trace)
    return "\n".join(lines) + "\n"


def to_json(trace: RevisionTrace) -> dict[str, Any]:
    """The trace as stored in the report, plus its summary."""
    return {**trace.to_dict(), "summary": summary(trace)}
