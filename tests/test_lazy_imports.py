"""The CLI imports only what a command needs: `graph` never loads the engine, the rules, the
formatters' plug-in look-up, SQLAlchemy, Alembic or networkx (issue 2's speed target rests on it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import alembic_guard
from alembic_guard.cli import cli
from alembic_guard.cli.check import BUILTIN_FORMATS

SAMPLES = Path(__file__).resolve().parent.parent / "sample_projects"

PROBE = """
import sys
from alembic_guard.cli import main
try:
    main(["graph", sys.argv[1], "--format", "json"])
except SystemExit:
    pass
heavy = ("alembic_guard.engine", "alembic_guard.rules", "alembic_guard.api", "alembic_guard.formatters",
         "importlib.metadata", "sqlalchemy", "alembic", "networkx", "alembic_guard.cli.check")
print(" ".join(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def test_graph_command_imports_nothing_heavy():
    proc = subprocess.run([sys.executable, "-c", PROBE, str(SAMPLES / "healthy")], capture_output=True, text=True, check=True)
    assert '"heads"' in proc.stdout  # the command really ran
    assert proc.stderr.strip() == "", f"graph imported {proc.stderr.strip()}"


def test_public_names_still_importable():
    from alembic_guard import Finding, Location, Report, Severity, __version__, check

    assert check is alembic_guard.check and callable(check)
    assert Severity.ERROR and Finding and Location and Report and __version__
    assert set(alembic_guard.__all__) <= set(dir(alembic_guard))


def test_unknown_public_name_is_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        alembic_guard.no_such_name  # noqa: B018


def test_every_command_module_is_discovered():
    names = set(cli.commands)
    assert {"check", "graph", "rules", "rule", "gate", "merge-heads", "linear-history", "models", "pool", "merge-reports"} <= names


def test_builtin_formats_match_the_registry():
    from alembic_guard import formatters

    assert BUILTIN_FORMATS == tuple(formatters.FORMATTERS)[: len(BUILTIN_FORMATS)]
    assert set(BUILTIN_FORMATS) == {k for k, v in formatters.FORMATTERS.items() if v.__module__.startswith("alembic_guard.")}


def test_unknown_format_lists_every_choice():
    result = CliRunner().invoke(cli, ["check", str(SAMPLES / "healthy"), "--format", "bogus"])
    assert result.exit_code == 2
    for name in BUILTIN_FORMATS:
        assert name in result.output


def test_help_lists_formats():
    result = CliRunner().invoke(cli, ["check", "--help"])
    assert result.exit_code == 0
    assert "text|json|sarif|github|junit|summary" in result.output
