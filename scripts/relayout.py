"""Move alembic_guard's modules into folders that show the layers (issue 16), and rewrite every
reference to the moved modules. Idempotent: run it again on a tree where some or all moves are done
(or where other branches added files that still name the old paths) and it finishes the job.

    python scripts/relayout.py            # do it (git mv + rewrite)
    python scripts/relayout.py --check    # exit 1 if anything would still move or be rewritten

What moves is the table MOVES below (old dotted module -> new dotted module). References are
rewritten by pattern in every text file git knows (tracked or untracked, not ignored): Python
(`import alembic_guard.X`, `from alembic_guard.X import`, `from alembic_guard import X`,
`from alembic_guard.sandbox import X`), strings ("alembic_guard.X:func" in engine tables,
monkeypatch targets "alembic_guard.X.name"), pyproject.toml entry points, docs and mkdocs.yml,
action.yml; paths `alembic_guard/X.py`; and, in tests/ only, quoted package-relative paths
("reading.py"). It does not edit sample_projects/ (the analysed projects know nothing of
alembic_guard's modules). After running it, reinstall (`pip install -e .`): the pytest11 entry
point moves to alembic_guard.testing.plugin.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = "alembic_guard"

# old module -> new module (dotted, below alembic_guard). A package moves with everything in it.
MOVES: dict[str, str] = {
    # workflows: commands beside the engine, each using the layers below it
    "gate": "workflows.gate",
    "gate_output": "workflows.gate_output",  # the gate's text and Markdown output
    "readonly_db": "workflows.readonly_db",  # the gate's read-only sessions
    "merge_heads": "workflows.merge_heads",
    "linear_history": "workflows.linear_history",
    "pool_audit": "workflows.pool_audit",
    "sandbox.shards": "workflows.merge_reports",  # merge-reports: shard reports into one report
    # (adoption.py stays at the top: the engine applies its --changed-since/--since-revision filters)
    # the pull-request guard's graph of the base ref is context a rule (AG109) asks: project layer
    "pr_guard": "project.base_ref",
    # test support in one package (the pytest11 entry point follows: alembic_guard.testing.plugin)
    "pytest_plugin": "testing.plugin",
    "runtime": "testing.runtime",
    "sandbox.fixtures": "testing.fixtures",
    "sandbox.checks": "testing.checks",  # assertions and ready-made tests for users' suites
    # small helpers every layer may use (they import only the vocabulary)
    "reading": "core.reading",
    "astdepth": "core.astdepth",
    "forking": "core.forking",
    "cache": "core.cache",
    "git": "core.git",
    "walk_settings": "core.walk_settings",
    # documentation in ONE module: a rule's doc rendered (`alembic-guard rule`) and the generated
    # pages of docs/; docgen.py's body is appended to docs.py's (see merge_module)
    "docs": "cli.docs",
    "docgen": "cli.docs",
}
MERGED = {"docgen": "docs"}  # module -> the module it is merged into (after that one has moved)
# files that are not modules but travel with one
DATA: dict[str, str] = {"gate.schema.json": "workflows/gate.schema.json"}
# a module that becomes a package of the same name (its public names stay importable as before)
TO_PACKAGE: dict[str, str] = {"testing": "testing/__init__.py"}

NEW_PACKAGES = {
    "workflows": '"""Workflows beside the engine: the deploy gate, merge-heads, merge-reports, the linear-history\n'
                 'marker and the pool audit. Each is a command over the layers below it (project, graph, ops,\n'
                 'engine, formatters); no rule, analysis or other workflow imports a workflow.\n"""\n',
    "core": '"""Small helpers every layer may use: bounded file reading, AST depth limits, fork safety, the\n'
            'result cache, read-only git, and the round-trip walk settings as values. They import only the\n'
            'vocabulary (errors, findings, settings) and never a layer above it.\n"""\n',
}
DOCS_DOC = '''"""Rule documentation, in one place: a rule's page rendered from its docstring (`alembic-guard
rule`, `rules --format`), and every generated page of docs/ (rule pages, the rule index, the CLI
and settings references) that `scripts/gen_docs.py` writes and `tests/test_docs.py` compares.

`generated_files(repo_root, cli)` takes the click group as an argument: the CLI shows rule docs
from here, so this module does not import the CLI. Nothing generated is written by hand in docs/:
edit the docstring, the click help or the settings comment instead.
"""
'''
TEXT_SUFFIXES = {".py", ".pyi", ".md", ".toml", ".yml", ".yaml", ".cfg", ".ini", ".txt", ".json", ".rst", ""}
SKIP_PREFIXES = ("sample_projects/", ".git/", ".venv/", "site/", "build/")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def path_of(module: str) -> Path:
    """The file or folder of a dotted module below alembic_guard (whichever exists, else the .py)."""
    base = ROOT / PKG / Path(*module.split("."))
    return base if base.is_dir() else base.with_suffix(".py")


def move(old: Path, new: Path, dry: bool) -> bool:
    if not old.exists() or new.exists():
        return False
    if not dry:
        new.parent.mkdir(parents=True, exist_ok=True)
        git("mv", str(old.relative_to(ROOT)), str(new.relative_to(ROOT)))
    print(f"move {old.relative_to(ROOT)} -> {new.relative_to(ROOT)}")
    return True


def do_moves(dry: bool) -> int:
    changed = 0
    for pkg, doc in NEW_PACKAGES.items():
        init = ROOT / PKG / pkg / "__init__.py"
        if not init.exists():
            changed += 1
            print(f"create {init.relative_to(ROOT)}")
            if not dry:
                init.parent.mkdir(parents=True, exist_ok=True)
                init.write_text(doc)
                git("add", str(init.relative_to(ROOT)))
    for old, new in TO_PACKAGE.items():
        changed += move(ROOT / PKG / f"{old}.py", ROOT / PKG / new, dry)
    for old, new in MOVES.items():
        if old in MERGED:
            continue
        src = path_of(old)
        dst = ROOT / PKG / Path(*new.split("."))
        dst = dst if src.is_dir() else dst.with_suffix(".py")
        changed += move(src, dst, dry)
    for old, new in DATA.items():
        changed += move(ROOT / PKG / old, ROOT / PKG / new, dry)
    for old, into in MERGED.items():
        changed += merge_module(old, into, dry)
    return changed


def merge_module(old: str, into: str, dry: bool) -> int:
    """Append module `old`'s body to the module `into` has become (both in MOVES): its imports join
    the others (less the import of `into` itself) and `into.name` references become `name`."""
    src = path_of(old)
    dst = (ROOT / PKG / Path(*MOVES[into].split("."))).with_suffix(".py")
    if not src.exists() or not dst.exists():
        return 0
    print(f"merge {src.relative_to(ROOT)} into {dst.relative_to(ROOT)}")
    if dry:
        return 1
    text, target = src.read_text(encoding="utf-8"), dst.read_text(encoding="utf-8")
    tree, dst_tree = ast.parse(text), ast.parse(target)
    lines, dst_lines = text.splitlines(keepends=True), target.splitlines(keepends=True)
    leaf = into.rpartition(".")[2]
    last = max(n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               and not (isinstance(n, ast.ImportFrom) and all(a.name == leaf and a.asname is None for a in n.names))]
    body = "".join(lines[last:]).strip("\n")
    names = {n.name for n in dst_tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    names |= {t.id for n in dst_tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    body = re.sub(rf"(?<![\w.]){leaf}\.(\w+)", lambda m: m[1] if m[1] in names else m[0], body)
    # the target's docstring and import block are replaced (DOCS_DOC, the merged imports): what
    # lies between its docstring and its last import must be imports only
    dst_imports = [n for n in dst_tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    dst_last = max(n.end_lineno for n in dst_imports)
    head = DOCS_DOC + "\n" + import_block(dst_imports + imports)
    rest = "".join(dst_lines[dst_last:]).rstrip("\n")
    merged = head + rest + "\n\n\n# " + "-" * 70 + f" generated pages (was {old}.py)\n" + body + "\n"
    dst.write_text(merged, encoding="utf-8")
    git("rm", "-q", str(src.relative_to(ROOT)))
    git("add", str(dst.relative_to(ROOT)))
    return 1


def import_block(nodes: list) -> str:
    """Top-level import statements merged and ordered as isort/ruff order them: __future__,
    standard library, third party, alembic_guard; `import x` before `from x import y`."""
    plain: set[tuple[str, str | None]] = set()
    froms: dict[str, set[tuple[str, str | None]]] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            plain |= {(a.name, a.asname) for a in node.names}
        else:
            froms.setdefault(node.module or "", set()).update((a.name, a.asname) for a in node.names)

    def section(module: str) -> int:
        top = module.split(".")[0]
        return 0 if top == "__future__" else 1 if top in sys.stdlib_module_names else 3 if top == PKG else 2

    def alias(name: str, asname: str | None) -> str:
        return f"{name} as {asname}" if asname else name

    out = []
    for number in range(4):
        lines = [f"import {alias(n, a)}" for n, a in sorted(plain) if section(n) == number]
        lines += [f"from {m} import {', '.join(alias(n, a) for n, a in sorted(froms[m]))}"
                  for m in sorted(froms) if section(m) == number]
        if lines:
            out.append("\n".join(lines) + "\n")
    return "\n".join(out)


# ------------------------------------------------------------------------------ rewriting
ORDER = sorted(MOVES, key=lambda m: -len(m))  # sandbox.fixtures before a shorter prefix


def _dotted(old: str) -> re.Pattern:
    # alembic_guard.<old> as a whole dotted name: not preceded by a name character or a dot, not
    # followed by a name character (a following "." or ":" continues to an attribute or function)
    return re.compile(rf"(?<![\w.]){PKG}\.{re.escape(old)}(?!\w)")


def _slashed(old: str) -> re.Pattern:
    return re.compile(rf"(?<![\w/.]){PKG}/{re.escape(old.replace('.', '/'))}(?=\.py\b|/)")


DOTTED = [(_dotted(old), f"{PKG}.{MOVES[old]}") for old in ORDER]
SLASHED = [(_slashed(old), f"{PKG}/{MOVES[old].replace('.', '/')}") for old in ORDER]
DATA_PATHS = [(re.compile(rf"(?<![\w/]){PKG}/{re.escape(old)}"), f"{PKG}/{new}") for old, new in DATA.items()]
# tests name some package files by their path inside alembic_guard/ ("reading.py"): exact quoted
# strings only, and only in tests/
QUOTED = [(re.compile(rf"(?<=[\"']){re.escape(old.replace('.', '/'))}(?=(?:\.py|/[\w/]*\.py)[\"'])"),
           MOVES[old].replace(".", "/")) for old in ORDER]
FROM_PKG = re.compile(  # at the start of a line, or inside a string of code ("from alembic_guard import x\n")
    rf"(?P<indent>^[ \t]*|(?<=[\"']))from (?P<parent>{PKG}(?:\.\w+)*) import "
    rf"(?P<names>\([^)]*\)|[^\n#(\"'\\]*?)(?P<comment>[ \t]*#[^\n\"']*)?(?=$|\\n|[\"'])",
    re.M,
)


def _from_pkg(match: re.Match) -> str:
    """`from alembic_guard import a, gate as g, reading` -> one line per new parent package (the
    same for `from alembic_guard.sandbox import shards`)."""
    parent = match["parent"]
    prefix = parent[len(PKG) + 1:]
    names = match["names"].strip()
    inner = names[1:-1] if names.startswith("(") else names
    items = [i.strip() for i in inner.replace("\n", " ").split(",") if i.strip()]

    def moved(name: str) -> str | None:
        return MOVES.get(f"{prefix}.{name}" if prefix else name)

    if not any(moved(i.partition(" as ")[0].strip()) for i in items):
        return match[0]
    groups: dict[str, list[str]] = {}
    for item in items:
        name, _, alias = (p.strip() for p in item.partition(" as "))
        new = moved(name)
        if new:
            new_parent, _, leaf = f"{PKG}.{new}".rpartition(".")
            alias = alias or (name if leaf != name else "")
            groups.setdefault(new_parent, []).append(f"{leaf} as {alias}" if alias else leaf)
        else:
            groups.setdefault(parent, []).append(item)
    indent, comment = match["indent"], match["comment"] or ""
    lines = [f"{indent}from {p} import {', '.join(sorted(n))}" for p, n in groups.items()]
    lines[0] += comment
    in_string = match.start() > 0 and match.string[match.start() - 1] in "\"'"
    return ("\\n" if in_string else "\n").join(lines)


def rewrite_text(text: str, in_tests: bool = False) -> str:
    out = FROM_PKG.sub(_from_pkg, text)
    for pattern, new in DOTTED + SLASHED + DATA_PATHS + (QUOTED if in_tests else []):
        out = pattern.sub(new, out)
    return out


def files() -> list[Path]:
    listed = git("ls-files", "-co", "--exclude-standard").splitlines()
    out = []
    for rel in listed:
        if rel.startswith(SKIP_PREFIXES) or rel in ("scripts/relayout.py", "CHANGELOG.md"):  # history stays as written
            continue
        path = ROOT / rel
        if path.suffix in TEXT_SUFFIXES and path.is_file():
            out.append(path)
    return out


def do_rewrites(dry: bool) -> int:
    changed = 0
    for path in files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        new = rewrite_text(text, in_tests=path.relative_to(ROOT).parts[0] == "tests")
        if new != text:
            changed += 1
            print(f"rewrite {path.relative_to(ROOT)}")
            if not dry:
                path.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is left to do")
    args = parser.parse_args(argv)
    moved = do_moves(args.check)
    rewritten = do_rewrites(args.check)
    print(f"{moved} moves, {rewritten} files rewritten" + (" (dry run)" if args.check else ""))
    return 1 if args.check and (moved or rewritten) else 0


if __name__ == "__main__":
    sys.exit(main())
