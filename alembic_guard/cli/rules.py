"""`alembic-guard rules` and `alembic-guard rule CODE`: the rule catalogue from the docstrings."""

from __future__ import annotations

import shutil
import sys

import click

from alembic_guard.cli import docs
from alembic_guard import rules as registry
from alembic_guard.cli._options import examples
from alembic_guard.errors import GuardError, UnknownRuleCode
from alembic_guard.findings import rule_url


@click.command("rules")
@click.option("--family", type=click.Choice(sorted({r.family for r in registry.ALL_RULES}) or ["meta"]), default=None, help="Only one family.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@examples("""
  alembic-guard rules
  alembic-guard rules --family graph
""")
def rules_cmd(family, output_format):
    """List every rule: code, name, default severity, what it needs."""
    chosen = [r for r in registry.ALL_RULES if family is None or r.family == family]
    click.echo(docs.rules_table(chosen, output_format), nl=False)


@click.command("rule")
@click.argument("code")
@examples("""
  alembic-guard rule AG101
  alembic-guard rule multiple-heads
""")
def rule_cmd(code):
    """Show one rule's documentation (by code or name)."""
    if not code.strip():
        raise GuardError("no rule given", hint="name a rule by code or name, e.g. `alembic-guard rule AG101`; `alembic-guard rules` lists them")
    (normal,) = registry.validate_codes([code])
    rule = registry.BY_CODE.get(normal)
    if rule is None:
        matching = [r.code for r in registry.ALL_RULES if r.code.startswith(normal) or normal in ("ALL", "AG")]
        if not matching:
            raise UnknownRuleCode(code, registry.suggestions(code))
        shown = ", ".join(matching[:8]) + (", ..." if len(matching) > 8 else "")
        raise GuardError(f"{code!r} is a prefix of {len(matching)} rules, not one rule",
                         hint=f"name one of {shown}, or run `alembic-guard rules`")
    text = docs.render_rule(rule)
    if sys.stdout.isatty():  # a terminal: reflow the prose to its width (pipes and files get the page as written)
        text = docs.wrap_markdown(text, shutil.get_terminal_size().columns - 1)
    click.echo(text)
    click.echo(f"Online: {rule_url(rule.code)}")


COMMANDS = (rules_cmd, rule_cmd)
