#!/usr/bin/env python3
"""Generate an N-revision Alembic project for benchmarks (and for loader tests).

    python benchmarks/gen_history.py OUT_DIR [-n 5000] [--seed 7]

`generate(folder, n=5000, seed=7)` writes a complete project that Alembic itself can load
(alembic.ini, migrations/env.py, script.py.mako, migrations/versions/*.py) with what real histories
have: a main tree with forks and the merges that close them, a second tree with its own branch
label whose revisions `depends_on` main-tree revisions, and mixed header styles — plain and
annotated assignments, tuple and list parents, the 1.13+ `Union[...]` template, non-hex ids, and
files named unlike their ids. Deterministic for a given (n, seed). Both trees carry a branch label,
so the history has two heads that are intentional (like expand/contract).

Returns a dict with the expected facts: `heads`, `bases`, `revisions` (count).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

INI = """\
[alembic]
script_location = %(here)s/migrations
path_separator = os
sqlalchemy.url = postgresql://postgres@127.0.0.1:5432/bench

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

ENV = """\
from alembic import context

target_metadata = None

if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
"""

MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

WORDS = ("user", "account", "order", "invoice", "item", "tag", "note", "audit", "event", "profile", "team", "role")


def _value(v: object, rng: random.Random) -> str:
    """Render a header value; tuples of parents sometimes as lists."""
    if isinstance(v, tuple) and len(v) > 1 and rng.random() < 0.4:
        return repr(list(v))
    if isinstance(v, tuple) and len(v) == 1:
        return repr(v[0])
    return repr(v)


def _file(rev: str, parents: tuple[str, ...], labels: tuple[str, ...], deps: tuple[str, ...], i: int, rng: random.Random) -> str:
    table = f"{rng.choice(WORDS)}_{i}"
    message = f"add {table}"
    down = parents if parents else None
    style = rng.random()
    head = f'"""{message}\n\nRevision ID: {rev}\nRevises: {", ".join(parents)}\nCreate Date: 2024-01-01 00:00:{i % 60:02d}.000000\n\n"""\n'
    if style < 0.45:  # Alembic >= 1.13 template: annotated
        header = (
            "from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
            "# revision identifiers, used by Alembic.\n"
            f"revision: str = {rev!r}\n"
            f"down_revision: Union[str, Sequence[str], None] = {_value(down, rng)}\n"
            f"branch_labels: Union[str, Sequence[str], None] = {_value(labels or None, rng)}\n"
            f"depends_on: Union[str, Sequence[str], None] = {_value(deps or None, rng)}\n"
        )
    elif style < 0.9:  # classic template: plain assignments
        header = (
            "from alembic import op\nimport sqlalchemy as sa\n\n\n"
            "# revision identifiers, used by Alembic.\n"
            f"revision = {rev!r}\n"
            f"down_revision = {_value(down, rng)}\n"
            f"branch_labels = {_value(labels or None, rng)}\n"
            f"depends_on = {_value(deps or None, rng)}\n"
        )
    else:  # hand-edited: double quotes, tuples, no branch_labels line when unused
        header = (
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f'revision = "{rev}"\n'
            f"down_revision = {tuple(parents) if len(parents) > 1 else (repr(parents[0]) if parents else None)}\n"
            + (f"branch_labels = {labels!r}\n" if labels else "")
            + (f"depends_on = {list(deps)!r}\n" if deps else "")
        )
    body = (
        "\n\ndef upgrade():\n"
        f"    op.create_table(\n        {table!r},\n        sa.Column(\"id\", sa.Integer(), primary_key=True),\n"
        f"        sa.Column(\"name\", sa.String(length=100), nullable=False),\n"
        f"        sa.Column(\"created_at\", sa.DateTime(), server_default=sa.text(\"now()\")),\n    )\n"
        f"    op.create_index(\"ix_{table}_name\", {table!r}, [\"name\"])\n"
        "\n\ndef downgrade():\n"
        f"    op.drop_index(\"ix_{table}_name\", table_name={table!r})\n"
        f"    op.drop_table({table!r})\n"
    )
    return head + header + body


def generate(folder: str | Path, n: int = 5000, seed: int = 7) -> dict:
    """Write an n-revision Alembic project into `folder` (created); return the expected facts."""
    rng = random.Random(seed)
    root = Path(folder)
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(INI, encoding="utf-8")
    (root / "migrations" / "env.py").write_text(ENV, encoding="utf-8")
    (root / "migrations" / "script.py.mako").write_text(MAKO, encoding="utf-8")

    used: set[str] = set()

    def new_id(i: int) -> str:
        while True:
            r = rng.random()
            if r < 0.85:
                rid = f"{rng.getrandbits(48):012x}"
            elif r < 0.95:
                rid = f"{i:04d}_{rng.choice(WORDS)}"  # non-hex, Django-ish
            else:
                rid = f"rev{rng.getrandbits(20):x}z"
            if rid not in used:
                used.add(rid)
                return rid

    n_plugin = max(2, n // 10)
    n_main = max(1, n - n_plugin)
    main_ids: list[str] = []
    written = 0

    def write(rev: str, parents: tuple[str, ...], labels: tuple[str, ...], deps: tuple[str, ...]) -> None:
        nonlocal written
        i = written
        written += 1
        r = rng.random()
        if r < 0.8:
            name = f"{rev}_{rng.choice(WORDS)}_{i}.py"
        elif r < 0.9:
            name = f"2024_01_{i % 28 + 1:02d}_{i:05d}-{rev}_change.py"  # date-first file_template
        else:
            name = f"migration_{i:05d}.py"  # named unlike its id
        (versions / name).write_text(_file(rev, parents, labels, deps, i, rng), encoding="utf-8")

    # main tree: a chain with forks that get merged a few revisions later
    tips: list[str] = []
    i = 0
    while i < n_main:
        rid = new_id(i)
        if not tips:
            write(rid, (), ("main",), ())
            tips = [rid]
        elif len(tips) >= 2 and (rng.random() < 0.35 or i >= n_main - 1):
            write(rid, tuple(tips), (), ())  # merge revision
            tips = [rid]
        elif len(tips) == 1 and rng.random() < 0.04 and i < n_main - 3:
            write(rid, (tips[0],), (), ())  # fork: two children of the same parent
            main_ids.append(rid)
            i += 1
            rid2 = new_id(i)
            write(rid2, (tips[0],), (), ())
            tips = [rid, rid2]
            rid = rid2
        else:
            k = rng.randrange(len(tips))
            write(rid, (tips[k],), (), ())
            tips[k] = rid
        main_ids.append(rid)
        i += 1
    if len(tips) > 1:  # close any fork left open
        rid = new_id(i)
        write(rid, tuple(tips), (), ())
        main_ids.append(rid)
        tips = [rid]
    main_head = tips[0]

    # second tree with its own label, depending on main-tree revisions
    prev: str | None = None
    plugin_base = None
    for j in range(n_plugin):
        rid = new_id(n_main + j)
        deps: tuple[str, ...] = ()
        if rng.random() < 0.1:
            deps = (rng.choice(main_ids),)
        if prev is None:
            write(rid, (), ("plugin",), deps)
            plugin_base = rid
        else:
            write(rid, (prev,), (), deps)
        prev = rid
    return {"heads": sorted({main_head, prev}), "bases": sorted({main_ids[0], plugin_base}), "revisions": written}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    facts = generate(args.folder, n=args.n, seed=args.seed)
    print(f"{facts['revisions']} revisions; heads {facts['heads']}; bases {facts['bases']}")


if __name__ == "__main__":
    main()
