"""Generated docs are current; every command has help with examples; every setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_guard.cli import docs as docgen
from alembic_guard import rules as registry
from alembic_guard.cli import cli
from alembic_guard.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_current():
    stale = docgen.stale_files(ROOT, cli)
    assert not stale, "generated docs are stale: run `python scripts/gen_docs.py`\n  " + "\n  ".join(stale)


def test_every_rule_has_a_page_and_an_index_row():
    index = (ROOT / "docs" / "rules" / "index.md").read_text(encoding="utf-8")
    for rule in registry.ALL_RULES:
        page = ROOT / "docs" / "rules" / f"{rule.code}.md"
        assert page.exists(), f"missing {page}: run `python scripts/gen_docs.py`"
        assert f"[{rule.code}]({rule.code}.md)" in index
        assert docgen.source_path(rule).startswith("alembic_guard/rules/")


COMMANDS = list(docgen.all_commands(cli))


@pytest.mark.parametrize("name, cmd, ctx", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_command_help_has_text_and_examples(name, cmd, ctx):
    text = cmd.get_help(ctx)
    assert (cmd.help or "").strip(), f"`{name}` has no help text"
    assert "Examples:" in text, f"`{name} --help` has no Examples block (use cli._options.examples)"
    after = text.split("Examples:", 1)[1]
    assert "alembic-guard" in after, f"`{name}`: its examples should show whole command lines"
    cli_md = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"## `{name}`" in cli_md


def test_every_setting_is_documented():
    documented = {d.key: d for d in docgen.settings_docs(cli.get_command(None, "check"))}
    for key in Settings.keys():
        kebab = key.replace("_", "-")
        assert kebab in documented, f"setting {key} missing from docs/configuration.md"
        assert documented[kebab].help, f"setting {key}: add a trailing `# comment` in settings.py saying what it does"


def test_gen_docs_check_mode(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
