"""Human output: `path:line:col: CODE [severity] message`, an indented hint, skipped checks, a summary.

Paths are shown from where the tool runs (`backend/migrations/...` for `check backend`), so
they can be clicked. Colour only when writing to a terminal (FORCE_COLOR: always; NO_COLOR: never). Control
characters coming from the analysed project (messages quote file contents) are shown escaped, so
they cannot drive the terminal. Skipped checks are listed by code with the reason, and the
summary counts them apart from the rules that ran: an absent check never looks like a passed one.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

from alembic_guard.findings import Location, Report, Severity
from alembic_guard.formatters._paths import path_prefix

_COLOURS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _safe(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def summary(report: Report) -> str:
    skipped = {code for s in report.skipped for code in s.codes}
    ran = len([r for r in report.rules if r.code not in skipped])
    tail = f"{_plural(ran, 'rule')} checked"
    if skipped:
        tail += f", {len(skipped)} skipped"
    hidden = report.facts.get("baseline_hidden")
    if hidden:
        tail += f"; {_plural(hidden, 'finding')} hidden by the baseline"
    total = len(report.findings)
    unrun = {code for s in report.skipped if s.incomplete for code in s.codes}
    if total == 0 and unrun:  # a check asked for that could not run: not a clean run
        return f"Not clean: no findings, but {_plural(len(unrun), 'check')} could not run ({', '.join(sorted(unrun))}); {tail}."
    if total == 0:
        return f"No findings ({tail})."
    counts = report.counts()
    parts = ", ".join(_plural(n, label) for label, n in reversed(counts.items()) if n)
    return f"Found {_plural(total, 'finding')} ({parts}); {tail}."


def wants_colour(out: TextIO) -> bool:
    """Colour on a terminal; NO_COLOR (https://no-color.org) turns it off, FORCE_COLOR on (`--color` sets them)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(out, "isatty", lambda: False)())


def render(report: Report, out: TextIO, colour: bool | None = None) -> None:
    """The report; with several environments, a heading and the findings of each, then a total."""
    if colour is None:
        colour = wants_colour(out)
    envs = [e for e in report.environments if e.get("report") is not None]
    if len(envs) <= 1:
        _render_one(report, out, colour, envs[0] if envs else None)
        return
    for env in envs:
        head = f"== {env['label']}"
        out.write((f"{_BOLD}{_safe(head)}{_RESET}" if colour else _safe(head)) + "\n")
        _render_one(env["report"], out, colour, env)
        out.write("\n")
    counts = report.counts()
    total = len(report.findings)
    line = f"{len(envs)} environments: " + (
        f"{_plural(total, 'finding')} ({', '.join(_plural(n, label) for label, n in reversed(counts.items()) if n)})."
        if total else "no findings.")
    out.write((f"{_BOLD}{line}{_RESET}" if colour else line) + "\n")


def dialect_text(env: dict) -> str:
    """The chosen dialect and why, for the summary line ("" when the report has no environment)."""
    reason = env.get("dialect_reason")
    if not reason:
        return ""
    if env.get("dialect"):
        return f"dialect {env['dialect']} ({reason})"
    return f"dialect unknown ({reason}): rules of every dialect ran (pass --dialect)"


def _render_one(report: Report, out: TextIO, colour: bool, env: dict | None) -> None:
    def c(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    prefix = path_prefix(report.root)

    def where(loc: Location) -> str:
        return _safe(prefix + str(loc))

    for f in report.findings:
        head = c(_BOLD, where(f.location))
        code = c(_COLOURS[f.severity], f"{f.code} [{f.severity.label}]")
        message = _safe(f.message).replace("\n", "\n  ")
        out.write(f"{head}: {code} {message}\n")
        if f.hint:
            out.write(f"  {c(_DIM, 'hint:')} {_safe(f.hint).replace(chr(10), chr(10) + '        ')}\n")
        for rel in f.related:
            out.write(f"  {c(_DIM, 'see:')} {where(rel)}\n")
        if f.details:
            for line in f.details.rstrip().splitlines():
                out.write(f"    {_safe(line)}\n")
    if report.findings:
        out.write("\n")
    for skip in report.skipped:
        out.write(f"{c(_COLOURS[Severity.WARNING], 'skipped')} {', '.join(skip.codes)}: {_safe(skip.reason)}\n")
    ran = _roundtrip_line(report.facts.get("roundtrip"))
    if ran:
        out.write(ran + "\n")
    left_out = _by_config_line(report.facts.get("roundtrip"))
    if left_out:
        out.write(left_out + "\n")
    traced = _trace_line(report.facts.get("roundtrip"))
    if traced:
        out.write(traced + "\n")
    for note in (env or {}).get("notes", ()):
        out.write(f"note: {_safe(note)}\n")
    line = summary(report)
    dialect = dialect_text(env or {})
    if dialect:
        line = line[:-1] + f"; {_safe(dialect)}."
    out.write(c(_BOLD, line) + "\n")


def _trace_line(rt: object) -> str | None:
    """One line on the lock trace: how much was traced (`alembic-guard trace REV` shows it), or
    why nothing was (another dialect), said once."""
    trace = rt.get("trace") if isinstance(rt, dict) else None
    if not isinstance(trace, dict):
        return None
    revisions = trace.get("revisions") or {}
    note = f" ({_safe(trace['note'])})" if trace.get("note") else ""
    if not revisions:
        return f"lock trace: none{note}" if note else None
    statements = sum(len(r.get("statements") or ()) for r in revisions.values() if isinstance(r, dict))
    return (f"lock trace: {_plural(len(revisions), 'revision')} traced, {_plural(statements, 'statement')}"
            f" (in the JSON report){note}")


def _by_config_line(rt: object) -> str | None:
    """What [tool.alembic-guard] kept out of the round trip (minimum-downgrade-revision, skip-revisions)."""
    by_config = rt.get("by_config") if isinstance(rt, dict) else None
    if not by_config:
        return None
    groups: dict[str, list[str]] = {}
    for rev, why in by_config.items():
        groups.setdefault(why, []).append(rev)
    parts = [f"{', '.join(revs[:5])}{f' and {len(revs) - 5} more' if len(revs) > 5 else ''} {why}" for why, revs in groups.items()]
    return "left out by the configuration: " + "; ".join(_safe(p) for p in parts)


def _roundtrip_line(rt: object) -> str | None:
    """One line saying that a round trip ran, where, on what, and how far: an absence of AG3xx
    findings must read as "checked", not as "not looked at", and only what really ran is counted
    (env.py failing before the first revision upgrades nothing)."""
    if not isinstance(rt, dict) or not rt.get("revisions"):
        return None
    n = len(rt["revisions"])
    where = f"{rt.get('sandbox', '?')} {rt.get('dialect', '')}".strip()
    extra = []
    if rt.get("mode"):
        extra.append(f"{rt['mode']} mode")
    if rt.get("with_data"):
        extra.append("with seeded rows")
    if rt.get("shard"):
        extra.append(f"shard {rt['shard']}")
    tail = f" ({', '.join(extra)})" if extra else ""
    steps = [s for s in rt.get("steps") or () if isinstance(s, dict)]
    walked = set(rt["revisions"])
    ok = {phase: {s.get("revision") for s in steps if s.get("phase") == phase and s.get("ok")} & walked
          for phase in ("upgrade", "downgrade", "reupgrade")}
    floor = set(rt.get("irreversible") or ()) & ok["upgrade"]
    if any(s.get("phase") == "env" and not s.get("ok") for s in steps) and not ok["upgrade"]:
        return f"round trip: env.py failed before any revision ran (0 of {_plural(n, 'revision')} tested) in a throwaway {where} database{tail}"
    full = ok["upgrade"] & ok["downgrade"] & ok["reupgrade"]
    if len(full | floor) == n:
        text = f"{_plural(n, 'revision')} upgraded, downgraded and re-upgraded"
        if floor:
            text = f"{_plural(n, 'revision')} upgraded, {len(full)} downgraded and re-upgraded ({len(floor)} irreversible)"
        return f"round trip: {text} in a throwaway {where} database{tail}"
    parts = [f"{len(ok['upgrade'])} of {_plural(n, 'revision')} upgraded", f"{len(ok['downgrade'])} downgraded",
             f"{len(ok['reupgrade'])} re-upgraded"]
    untested = len(set(rt.get("untested") or ()) & walked)
    if untested:
        parts.append(f"{untested} not tested")
    return f"round trip: {', '.join(parts)} in a throwaway {where} database{tail}"
