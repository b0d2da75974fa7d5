"""Rule documentation, in one place: a rule's page rendered from its docstring (`alembic-guard
rule`, `rules --format`), and every generated page of docs/ (rule pages, the rule index, the CLI
and settings references) that `scripts/gen_docs.py` writes and `tests/test_docs.py` compares.

`generated_files(repo_root, cli)` takes the click group as an argument: the CLI shows rule docs
from here, so this module does not import the CLI. Nothing generated is written by hand in docs/:
edit the docstring, the click help or the settings comment instead.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import json
import re
import textwrap
import tokenize
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from alembic_guard import rules as registry, settings as settings_mod
from alembic_guard.findings import REPO_URL, Severity
from alembic_guard.rules._registry import FAMILIES, Rule

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


def sections(rule: Rule) -> dict[str, str]:
    out: dict[str, str] = {}
    current = None
    for line in rule.doc.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return {k: v.strip("\n") for k, v in out.items()}


def render_rule(rule: Rule) -> str:
    meta = [
        f"Code: {rule.code}",
        f"Name: {rule.name}",
        f"Family: {rule.family}",
        f"Default severity: {rule.severity.label}",
        f"Needs: {rule.requires.value}",
    ]
    if rule.dialects:
        meta.append(f"Dialects: {', '.join(sorted(rule.dialects))}")
    if rule.status != "stable":
        meta.append(f"Status: {rule.status}")
    meta.append(f"Since: {rule.since}")
    checked = [p for p in rule.predicts if p.predicts_anything]
    if checked:
        meta.append("Checked against the lock trace: " + "; ".join(_prediction_text(p) for p in checked))
    body = rule.doc.split("\n", 1)
    summary = body[0].strip()
    rest = body[1].strip() if len(body) > 1 else ""
    return f"# {rule.code} {rule.name}\n\n{summary}\n\n" + "\n".join(f"- {m}" for m in meta) + ("\n\n" + rest if rest else "") + "\n"


def _prediction_text(p) -> str:
    """`ACCESS EXCLUSIVE lock and a rewrite`: what a finding predicts, for the rule's page."""
    parts = [f"{p.mode} lock"] if p.mode else []
    parts += ["a rewrite"] * p.rewrite + ["a full scan"] * p.scan
    return " and ".join(parts) + " on the table"


def rules_table(rules: Sequence[Rule], fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(
            [
                {"code": r.code, "name": r.name, "family": r.family, "kind": r.kind, "severity": r.severity.label,
                 "requires": r.requires.value, "dialects": sorted(r.dialects), "status": r.status,
                 "since": r.since, "summary": r.summary}
                for r in rules
            ],
            indent=2,
        ) + "\n"
    if fmt == "markdown":
        lines = ["| code | name | severity | needs | summary |", "|---|---|---|---|---|"]
        for r in rules:
            lines.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity.label} | {r.requires.value} | {r.summary} |")
        return "\n".join(lines) + "\n"
    width = max((len(r.name) for r in rules), default=10)
    lines = [f"{'CODE':<6} {'NAME':<{width}} {'SEVERITY':<8} {'NEEDS':<8} SUMMARY"]
    for r in rules:
        status = " (preview)" if r.status == "preview" else ""
        lines.append(f"{r.code:<6} {r.name:<{width}} {r.severity.label:<8} {r.requires.value:<8} {r.summary}{status}")
    return "\n".join(lines) + "\n"


def wrap_markdown(text: str, width: int) -> str:
    """Reflow a rule page's prose to `width` columns for a terminal.

    Paragraphs and list items (`- `, `* `, `1. `) are re-wrapped, their continuation lines indented under the
    item's text; fenced code, tables, headings and blank lines are kept as written.
    """
    width = max(width, 40)
    out: list[str] = []
    block: list[str] = []
    fenced = False

    def flush() -> None:
        if not block:
            return
        first = block[0]
        bullet = re.match(r"(\s*(?:[-*]|\d+\.)\s+)", first)
        lead = bullet.group(1) if bullet else re.match(r"\s*", first).group(0)
        words = " ".join(line.strip() for line in block)
        if bullet:
            words = words[len(lead.strip()):].strip()
        out.extend(textwrap.wrap(words, width, initial_indent=lead, subsequent_indent=" " * len(lead),
                                 break_long_words=False, break_on_hyphens=False) or [""])
        block.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced or not stripped or stripped.startswith(("#", "|")):
            flush()
            out.append(line)
        elif re.match(r"\s*(?:[-*]|\d+\.)\s+", line):
            flush()
            block.append(line)
        else:
            block.append(line)
    flush()
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


# ---------------------------------------------------------------------- generated pages (was docgen.py)
HEADER = "<!-- Generated by `python scripts/gen_docs.py` — do not edit by hand. -->\n"
WIDTH = 100


# ------------------------------------------------------------------------------ rules
def source_path(rule: Rule) -> str:
    module = inspect.getmodule(rule.func)
    path = Path(inspect.getfile(module)) if module else Path("?")
    package_root = Path(registry.__file__).resolve().parent.parent.parent
    try:
        return path.resolve().relative_to(package_root).as_posix()
    except ValueError:
        return path.name


def rule_page(rule: Rule) -> str:
    text = render_rule(rule)
    source = source_path(rule)
    link = f"- Source: [`{source}`]({REPO_URL}/blob/main/{source})"
    head, sep, rest = text.partition("\n\n## ")
    if not sep:  # no sections: append after the metadata list
        return HEADER + text.rstrip("\n") + "\n" + link + "\n"
    return HEADER + head + "\n" + link + "\n\n## " + rest


def rules_index(rules: tuple[Rule, ...]) -> str:
    out = [HEADER, "# Rules\n", "Every rule alembic-guard has, by family. `alembic-guard rule CODE` shows the same page",
           "in a terminal; `--select` / `--ignore` take codes, prefixes (`AG4`) or names.\n"]
    needs = {"source": "reads files", "import": "imports project code (`--import`)", "database": "a database (`--db`)"}
    for digit, family in FAMILIES.items():
        members = [r for r in rules if r.code[2] == digit]
        if not members:
            continue
        out.append(f"## AG{digit}xx — {family}\n")
        out.append("| code | name | severity | needs | summary |")
        out.append("|---|---|---|---|---|")
        for r in members:
            status = " (preview)" if r.status != "stable" else ""
            summary = r.summary.replace("|", "\\|")
            out.append(f"| [{r.code}]({r.code}.md) | `{r.name}`{status} | {r.severity.label} | {needs[r.requires.value]} | {summary} |")
        out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------ CLI
def _commands(group: click.Group, ctx: click.Context, prefix: str):
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        sub = cmd.make_context(name, [], parent=ctx, resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH)
        yield f"{prefix} {name}", cmd, sub
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, sub, f"{prefix} {name}")


def all_commands(cli: click.Group):
    """(full name, command, context) for the root `cli` and every command, recursively."""
    root = cli.make_context("alembic-guard", [], resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH)
    yield "alembic-guard", cli, root
    yield from _commands(cli, root, "alembic-guard")


def cli_reference(cli: click.Group) -> str:
    out = [HEADER, "# Command-line reference\n",
           "Every command's `--help`. Exit codes everywhere: 0 clean, 1 findings at or above `--fail-on`,",
           "2 could not analyse (a message on stderr, never a traceback).\n"]
    for name, cmd, ctx in all_commands(cli):
        out.append(f"## `{name}`\n")
        out.append("```text")
        out.append(cmd.get_help(ctx).rstrip())
        out.append("```\n")
    return "\n".join(out)


# ------------------------------------------------------------------------------ settings
@dataclasses.dataclass
class SettingDoc:
    key: str
    section: str
    type: str
    default: str
    help: str
    flags: str


def settings_docs(check: click.Command) -> list[SettingDoc]:
    """Each Settings field with its trailing comment and section, read from settings.py's source;
    `check` is the `check` command, whose flags set the same settings."""
    source = Path(settings_mod.__file__).read_text(encoding="utf-8")
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    flags: dict[str, list[str]] = {}
    for param in check.params:
        if isinstance(param, click.Option):
            flags.setdefault(param.name, []).extend(o for o in param.opts + param.secondary_opts if o.startswith("--"))
    flags["since_revision"] = flags.get("since_revision", [])
    defaults = {f.name: f for f in dataclasses.fields(settings_mod.Settings)}
    section, out = "", []
    for node in cls.body:
        for line in range(getattr(node, "lineno", 0) - 1, 0, -1):  # section comments above
            text = comments.get(line)
            if text is None:
                break
            if text.startswith("-- "):
                section = text.strip("- ").strip()
                break
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        name = node.target.id
        if name not in settings_mod.Settings.keys():
            continue
        f = defaults[name]
        if f.default is not dataclasses.MISSING:
            default = f.default
        else:
            default = f.default_factory()  # type: ignore[misc]
        default_text = _toml(default)
        out.append(SettingDoc(
            key=name.replace("_", "-"),
            section=section,
            type=ast.unparse(node.annotation),
            default=default_text,
            help=(comments.get(node.end_lineno or node.lineno, "") or comments.get(node.lineno, ""))
            + (f"; **not in pyproject.toml** ({settings_mod.NOT_FROM_PROJECT[name][0]}): use {settings_mod.NOT_FROM_PROJECT[name][1]}"
               if name in settings_mod.NOT_FROM_PROJECT else ""),
            flags=", ".join(f"`{o}`" for o in flags.get(name, [])),
        ))
    return out


def _toml(value) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, Severity):
        return f'`"{value.label}"`'
    if isinstance(value, Mapping):
        return "`{}`" if not value else f"`{dict(value)}`"
    if isinstance(value, tuple):
        return "`[]`" if not value else "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    if isinstance(value, (int, float)):
        return f"`{value}`"
    return f'`"{value}"`'


def configuration_reference(check: click.Command) -> str:
    out = [HEADER, "# Configuration\n",
           "alembic-guard reads `[tool.alembic-guard]` from the nearest `pyproject.toml` at or above the",
           "project (stopping at the repository root), then applies command-line flags on top. Keys may be",
           "written kebab-case (`fail-on`) or snake_case (`fail_on`). An unknown key, an unknown rule code",
           "and a malformed value are errors (exit code 2) with a \"did you mean\".\n",
           "Selection works by prefix, and the more specific prefix wins: `select = [\"AG4\"]` with",
           "`ignore = [\"AG41\"]` runs AG401 but not AG410. `--select` on the command line replaces the",
           "`select` list of the settings, and beats an `ignore` of the very same code there.\n",
           "```toml",
           "[tool.alembic-guard]",
           'select = ["AG1", "AG4"]          # codes, prefixes or rule names',
           'ignore = ["AG410"]',
           'fail-on = "error"                # exit 1 only for errors',
           "require-reason = true            # suppressions must say why",
           "",
           "[tool.alembic-guard.severity]",
           'AG105 = "info"                   # a code or a prefix; the longest prefix wins',
           "",
           "[tool.alembic-guard.per-path-ignores]",
           '"migrations/versions/2019_*.py" = ["AG4"]   # globs match project-relative paths',
           "```\n",
           "Inline suppressions live in the revision files themselves:",
           "`# alembic-guard: ignore[AG401] reason` at the end of a statement (any line of a multi-line",
           "one) or alone on the line above it, and `# alembic-guard: ignore-file[AG4] reason` for a whole",
           "file. Unused suppressions are reported as AG001, unknown codes and blanket ignores as AG002.",
           "Ruff-style `# noqa: AG401` (mixed with other tools' codes if you like) works like `ignore[...]` for",
           "the AG codes it names; it has no reason, so `require-reason` does not apply to it.\n",
           "Adopting the tool on an existing project: `alembic-guard check --add-noqa` writes",
           "`# alembic-guard: ignore[CODE] added by --add-noqa` after every current finding (findings without a",
           "line go in a `--baseline` instead); `--statistics` shows what each rule finds first; `--exit-zero`",
           "reports without failing. With `--baseline`, the summary says how many findings it hid.\n"]
    current = None
    for d in settings_docs(check):
        if d.section != current:
            if current is not None:
                out.append("")
            current = d.section
            title = current.replace(" (foundation)", "")
            out.append(f"## {title[:1].upper() + title[1:] if title else 'General'}\n")
            out.append("| key | default | flag | meaning |")
            out.append("|---|---|---|---|")
        out.append(f"| `{d.key}` | {d.default} | {d.flags or '—'} | {d.help.replace('|', chr(92) + '|')} |")
    out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------ index
def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("-", " ")


def docs_index(docs_dir: Path, generated: set[str]) -> str:
    """docs/index.md: every page in docs/ by title; generated references first."""
    reference = [("cli.md", "Command-line reference"), ("configuration.md", "Configuration"),
                 ("rules/index.md", "Rules")]
    out = [HEADER, "# alembic-guard documentation\n", "## Reference\n"]
    out += [f"- [{title}]({name})" for name, title in reference]
    pages = sorted(p for p in docs_dir.glob("*.md") if p.name != "index.md" and p.name not in generated)
    if pages:
        out += ["", "## Guides and background\n"]
        out += [f"- [{_title(p)}]({p.name})" for p in pages]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------ all
def _check_command(cli: click.Group) -> click.Command:
    command = cli.get_command(click.Context(cli), "check")
    assert command is not None, "the CLI has a check command"
    return command


def generated_files(repo_root: Path, cli: click.Group) -> dict[Path, str]:
    docs_dir = repo_root / "docs"
    files: dict[Path, str] = {}
    for rule in registry.ALL_RULES:
        files[docs_dir / "rules" / f"{rule.code}.md"] = rule_page(rule)
    files[docs_dir / "rules" / "index.md"] = rules_index(registry.ALL_RULES)
    files[docs_dir / "cli.md"] = cli_reference(cli)
    files[docs_dir / "configuration.md"] = configuration_reference(_check_command(cli))
    files[docs_dir / "index.md"] = docs_index(docs_dir, {"cli.md", "configuration.md"})
    return files


def stale_files(repo_root: Path, cli: click.Group) -> list[str]:
    """Generated pages that are missing or differ, plus rule pages of rules that no longer exist."""
    files = generated_files(repo_root, cli)
    out = [str(p.relative_to(repo_root)) for p, text in files.items()
           if not p.exists() or p.read_text(encoding="utf-8") != text]
    rules_dir = repo_root / "docs" / "rules"
    if rules_dir.is_dir():
        out += [str(p.relative_to(repo_root)) for p in sorted(rules_dir.glob("AG*.md")) if p not in files]
    return out
