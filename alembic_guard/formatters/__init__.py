"""Formatters: pure functions `render(report, out)`; one module per format.

Third parties can add formats through the entry-point group `alembic_guard.formatters`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TextIO

from alembic_guard.findings import Report
from alembic_guard.formatters import github, junit, sarif, statistics, summary, text
from alembic_guard.formatters import json as json_fmt
from alembic_guard.formatters._paths import path_prefix


class Formatter(Protocol):
    def __call__(self, report: Report, out: TextIO) -> None: ...


FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_fmt.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
    "summary": summary.render,
}
# not a --format choice: `check --statistics` asks for it
EXTRA: dict[str, Formatter] = {"statistics": statistics.render}


def _load_entry_points() -> None:
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group="alembic_guard.formatters"):
            FORMATTERS.setdefault(ep.name, ep.load())
    except Exception:  # noqa: BLE001 - a broken plug-in must not break the built-in formats
        pass


def get(name: str) -> Formatter:
    if name in EXTRA:
        return EXTRA[name]
    if name not in FORMATTERS:
        _load_entry_points()
    return FORMATTERS[name]


def names() -> tuple[str, ...]:
    _load_entry_points()
    return tuple(FORMATTERS)
