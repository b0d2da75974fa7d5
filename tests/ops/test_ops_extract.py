"""Static operation extraction: what `alembic_guard.ops.extract` reads from a revision file."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path, PurePosixPath

import pytest

from alembic_guard.ops import sql as sqlmod
from alembic_guard.ops.calls import UNRESOLVED
from alembic_guard.ops.extract import extract
from alembic_guard.project.migration import parse_migration
from alembic_guard.testing import check_source


def calls(body: str, dialect: str | None = "postgresql", **kw):
    src = textwrap.dedent(body)
    if "revision =" not in src:
        src += '\nrevision = "r1"\ndown_revision = None\n'
    mig = parse_migration(Path("r1.py"), PurePosixPath("r1.py"), src, ast.parse(src))
    return extract(mig, dialect=dialect, **kw).calls


def names(found):
    return [c.name for c in found]


def test_aliases_of_op():
    found = calls('''
        import alembic
        from alembic import op as o
        def upgrade():
            o.drop_column("t", "a")
            alembic.op.drop_column("t", "b")
    ''')
    assert [(c.name, c.table, c.column_name) for c in found] == [("drop_column", "t", "a"), ("drop_column", "t", "b")]


def test_batch_autocommit_and_transaction_flags():
    found = calls('''
        def upgrade():
            with op.batch_alter_table("acct", schema="s") as b:
                b.add_column(sa.Column("x", sa.Text()))
            with op.get_context().autocommit_block():
                op.create_index("ix", "acct", ["x"], postgresql_concurrently=True)
            op.execute("COMMIT")
            op.execute("CREATE INDEX CONCURRENTLY ix2 ON acct (y)")
    ''')
    add, idx, commit, idx2 = found
    assert (add.origin, add.table, add.batch_table, add.in_transaction) == ("batch", "acct", "acct", True)
    assert (idx.autocommit, idx.in_transaction, idx.concurrently) == (True, False, True)
    assert commit.name == "commit" and idx2.in_transaction is False and idx2.origin == "op" and idx2.sql


def test_helpers_loops_and_constants_are_followed():
    found = calls('''
        TABLES = ["a", "b"]
        def _index(table, col="id"):
            op.create_index(f"ix_{table}_{col}", table, [col])
        def upgrade():
            for t in TABLES:
                _index(t)
            _index(table="c", col="x")
    ''')
    assert [(c.name_arg, c.table, c.function) for c in found] == [("ix_a_id", "a", "_index"), ("ix_b_id", "b", "_index"), ("ix_c_x", "c", "_index")]
    assert all(c.phase == "upgrade" for c in found)


def test_recursive_helper_terminates():
    found = calls('''
        def again():
            op.drop_table("x")
            again()
        def upgrade():
            again()
    ''')
    assert names(found) == ["drop_table"]


def test_unresolved_values_stay_unresolved():
    found = calls('''
        def upgrade():
            op.drop_column(get_table(), "a")
    ''')
    assert found[0].params["table_name"] is UNRESOLVED and found[0].table is None


def test_bind_execute_forms_and_core_statements():
    found = calls('''
        t = sa.table("acct", sa.column("a"))
        def upgrade():
            conn = op.get_bind()
            conn.execute(sa.text("UPDATE acct SET a = 1").bindparams())
            op.get_bind().exec_driver_sql("DELETE FROM acct")
            op.get_context().bind.execute("INSERT INTO acct VALUES (1)")
            conn.execute(t.delete().where(t.c.a == 1))
            conn.execute(sa.insert(t).values(a=2))
            conn.execute(sa.select(t))
    ''')
    assert [(c.name, c.params.get("table_name"), c.origin) for c in found] == [
        ("update", "acct", "bind"), ("delete", "acct", "bind"), ("insert", "acct", "bind"),
        ("delete", "acct", "bind"), ("insert", "acct", "bind"), ("select", None, "bind"),
    ]  # `t` is a module-level sa.table("acct"): its name is known


def test_dialect_branches_are_pruned_when_known():
    body = '''
        def upgrade():
            if op.get_bind().dialect.name == "sqlite":
                op.drop_column("t", "lite")
            else:
                op.drop_column("t", "other")
            if context.get_context().dialect.name in ("postgresql", "mysql"):
                op.drop_column("t", "server")
    '''
    assert [c.column_name for c in calls(body, "postgresql")] == ["other", "server"]
    assert [c.column_name for c in calls(body, "sqlite")] == ["lite"]
    assert [c.column_name for c in calls(body, None)] == ["lite", "other", "server"]


def test_columns_types_and_defaults():
    (add,) = calls('''
        def upgrade():
            op.add_column("t", sa.Column("c", postgresql.TIMESTAMP(timezone=True), sa.ForeignKey("u.id"), nullable=False, server_default=sa.func.now()))
    ''')
    col = add.column
    assert (col.name, col.type.name, col.nullable, col.foreign_key) == ("c", "timestamptz", False, True)
    assert col.server_default.text == "now()" and not col.server_default.volatile


def test_sql_maps_to_alembic_vocabulary():
    stmts = sqlmod.parse("""
        ALTER TABLE t ADD COLUMN c varchar(20) NOT NULL DEFAULT gen_random_uuid()::text,
                      ALTER COLUMN d TYPE bigint USING d::bigint;
        ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID;
        SET LOCAL lock_timeout = '1s';
        DROP INDEX CONCURRENTLY IF EXISTS ix;
    """)
    add, alter, fk, timeout, drop = stmts
    assert add.name == "add_column" and add.params["column"].type.length == 20
    assert add.params["column"].is_not_null and add.params["column"].server_default.volatile
    assert alter.name == "alter_column" and alter.params["type_"].name == "bigint" and alter.params["postgresql_using"]
    assert fk.name == "create_foreign_key" and fk.params["postgresql_not_valid"] is True and fk.params["source_table"] == "t"
    assert timeout.params == {"setting": "lock_timeout", "local": True}
    assert drop.params["postgresql_concurrently"] is True and drop.params["if_exists"] is True


def test_without_pglast_sql_is_reported_not_silenced(monkeypatch):
    monkeypatch.setitem(sys.modules, "pglast", None)  # import pglast -> ImportError
    sqlmod._CACHE.clear()
    found = check_source('def upgrade():\n    op.execute("CREATE INDEX ix_unique_text_for_this_test ON t (a)")\n', ("AG40", "AG41", "AG420", "AG421", "AG422", "AG423"))
    assert [(f.code, f.severity.label) for f in found] == [("AG421", "info")]
    assert "pglast (PostgreSQL's parser" in found[0].message and "could not be imported" in found[0].message


def test_unresolvable_revision_never_passes_silently():
    found = check_source('''
from myproject.migration_utils import run_all

def upgrade():
    run_all(op)
''', "AG423")
    assert [f.code for f in found] == ["AG423"]
    assert "run_all" in found[0].message


def test_names_bound_to_dialect_tests_and_core_statements():
    found = calls('''
        def upgrade():
            conn = op.get_bind()
            is_pg = conn.dialect.name == "postgresql"
            if is_pg:
                op.drop_column("t", "pg")
            else:
                op.drop_column("t", "other")
            accounts = sa.table("acct", sa.column("a"))
            stmt = accounts.update().values(a=1)
            conn.execute(stmt)
    ''')
    assert [(c.name, c.column_name or c.params.get("table_name")) for c in found] == [("drop_column", "pg"), ("update", "acct")]


def test_reader_crash_is_reported_as_not_analysed(monkeypatch):
    import importlib

    extract_mod = importlib.import_module("alembic_guard.ops.extract")

    def boom(self):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(extract_mod.Extractor, "run", boom)
    found = check_source("def upgrade():\n    op.drop_column('t', 'c')\n", "AG423")
    assert [f.code for f in found] == ["AG423"] and "kaputt" in found[0].message
