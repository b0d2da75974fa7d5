"""`alembic-guard models`: the static picture of what autogenerate sees."""

from __future__ import annotations

import json

from click.testing import CliRunner

from alembic_guard.cli import cli


def test_models_command_text(ag2):
    result = CliRunner().invoke(cli, ["models", str(ag2.SAMPLES / "missing_model_import")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "env.py: migrations/env.py",
        "target_metadata: Base.metadata (app/db.py:5)",
        "models: 2 (1 seen by autogenerate)",
        "  MISSING: not imported by env.py  Order  orders        Base.metadata  app/models/order.py:7",
        "  ok                               User   user_account  Base.metadata  app/models/user.py:7",
    ]


def test_models_command_json(ag2):
    result = CliRunner().invoke(cli, ["models", str(ag2.SAMPLES / "two_bases"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["target_metadata"]["metadatas"] == [{"label": "Base.metadata", "defined_at": "app/models.py:4"}]
    assert [(m["name"], m["table"], m["on_target_metadata"]) for m in data["models"]] == [
        ("User", "user_account", True),
        ("AuditLog", "audit_log", False),
    ]


def test_models_command_unresolved_target(project, ag2):
    root = project({"app/__init__.py": ""}, env="import os\ntarget_metadata = os.environ['MD']")
    result = CliRunner().invoke(cli, ["models", str(root)])
    assert result.exit_code == 0, result.output
    assert "target_metadata: unresolved `os.environ['MD']` - `os.environ['MD']` is computed at run time" in result.output
