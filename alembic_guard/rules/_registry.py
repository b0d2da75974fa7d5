"""Rule records and the decorators that make them.

A rule is one function in one module (`rules/<family>/agNNN_<name>.py`); its decorator holds the
code, the kebab-case name and the metadata, and its docstring is its documentation. The engine
calls a rule with the narrowest input its *kind* needs:

| kind        | called as                  | input comes from                         |
|-------------|----------------------------|------------------------------------------|
| `project`   | `fn(project)`              | the statically loaded project            |
| `graph`     | `fn(graph, project)`       | `project.graph` (RevisionGraph)          |
| `migration` | `fn(migration, project)`   | each parsed revision file                |
| `op`        | `fn(call, ctx)`            | `alembic_guard.ops` (one OpCall)         |
| `models`    | `fn(analysis, project)`    | `alembic_guard.models` (env.py + models) |
| `roundtrip` | `fn(result, project)`      | `alembic_guard.sandbox` (round-trip run) |
| `app`       | `fn(module, ctx)`          | `alembic_guard.audit` (app source)       |

Rules are generators of findings: no state, no I/O, no printing. `rule.finding(...)` fills in the
code and severity, so a rule cannot report under the wrong code.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from alembic_guard.findings import Finding, Location, Requires, RuleInfo, Severity
from alembic_guard.trace.model import Prediction  # what an op rule predicts, as the lock trace checks it

FAMILIES = {
    "0": "meta",
    "1": "graph",
    "2": "models",
    "3": "roundtrip",
    "4": "operations",
    "5": "session",
}

KINDS = ("project", "graph", "migration", "op", "models", "roundtrip", "app")

CODE_RE = re.compile(r"^AG\d{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(eq=False)
class Rule:
    code: str
    name: str
    kind: str
    severity: Severity
    func: Callable[..., Iterable[Finding] | None]
    requires: Requires = Requires.SOURCE
    dialects: frozenset[str] = frozenset()  # empty: every dialect
    on: frozenset[str] = frozenset()  # op rules: the op names this rule wants
    since: str = "0.1.0"
    status: str = "stable"  # or "preview" (off unless selected explicitly)
    fixable: bool = False
    predicts: tuple[Prediction, ...] = ()  # op rules: what the lock trace can confirm (see Prediction)
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not CODE_RE.match(self.code):
            raise ValueError(f"bad rule code {self.code!r}")
        if not NAME_RE.match(self.name):
            raise ValueError(f"rule name must be kebab-case: {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown rule kind {self.kind!r}")
        self.__doc__ = inspect.cleandoc(self.func.__doc__ or "")
        self.__name__ = self.func.__name__
        self.__module__ = self.func.__module__

    # -- metadata ---------------------------------------------------------------
    @property
    def family(self) -> str:
        return FAMILIES[self.code[2]]

    @property
    def doc(self) -> str:
        return self.__doc__ or ""

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name

    def info(self, severity: Severity | None = None) -> RuleInfo:
        return RuleInfo(self.code, self.name, self.summary, self.doc, severity or self.severity, self.family)

    # -- use ----------------------------------------------------------------------
    def prediction_for(self, finding: Finding) -> Prediction | None:
        """The first of `predicts` that applies to `finding`, if it predicts anything."""
        hit = next((p for p in self.predicts if p.applies_to(finding)), None)
        return hit if hit is not None and hit.predicts_anything else None

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def finding(
        self,
        message: str,
        *,
        at: Location,
        hint: str | None = None,
        related: Iterable[Location] = (),
        anchor: str = "",
        details: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            message=message,
            location=at,
            hint=hint,
            related=tuple(related),
            anchor=anchor,
            details=details,
        )

    def __repr__(self) -> str:
        return f"<Rule {self.code} {self.name}>"


def _decorator(kind: str, default_requires: Requires):
    def make(
        code: str,
        name: str,
        *,
        severity: Severity = Severity.WARNING,
        requires: Requires | None = None,
        dialects: Iterable[str] = (),
        on: Iterable[str] = (),
        since: str = "0.1.0",
        status: str = "stable",
        predicts: Prediction | tuple[Prediction, ...] = (),
        **extra,
    ) -> Callable[[Callable], Rule]:
        def wrap(func: Callable) -> Rule:
            return Rule(
                code=code,
                name=name,
                kind=kind,
                severity=severity,
                func=func,
                requires=requires or default_requires,
                dialects=frozenset(dialects),
                on=frozenset(on),
                since=since,
                status=status,
                predicts=(predicts,) if isinstance(predicts, Prediction) else tuple(predicts),
                extra=extra,
            )

        return wrap

    return make


project_rule = _decorator("project", Requires.SOURCE)
graph_rule = _decorator("graph", Requires.SOURCE)
migration_rule = _decorator("migration", Requires.SOURCE)
op_rule = _decorator("op", Requires.SOURCE)
models_rule = _decorator("models", Requires.SOURCE)
roundtrip_rule = _decorator("roundtrip", Requires.DATABASE)
app_rule = _decorator("app", Requires.SOURCE)

# Retired codes keep working in --select / --ignore / suppressions: old -> new.
REDIRECTS: dict[str, str] = {}
