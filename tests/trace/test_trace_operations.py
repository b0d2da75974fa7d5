"""The lock trace on real PostgreSQL: for each kind of operation on an EXISTING table, the lock
modes, rewrites and scans PostgreSQL's documentation states ("Explicit Locking", ALTER TABLE,
CREATE INDEX), and the line of the revision file that issued each statement.

One project, one trace pass (`trace_revisions`): revision 0 creates and fills the tables, every
later revision does one kind of operation, each in its own committed transaction.
"""

from __future__ import annotations

import pytest
from trace_helpers import line_of, load, make_project, revision_id

from alembic_guard.sandbox.database import open_sandbox
from alembic_guard.trace.model import rank
from alembic_guard.sandbox.trace_pass import trace_revisions

pytestmark = pytest.mark.postgres

SETUP = """
op.execute("CREATE TYPE mood AS ENUM ('a', 'b')")
op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True), sa.Column("note", sa.String(10)),
                sa.Column("qty", sa.Integer), sa.Column("status", sa.Text))
op.create_table("customers", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text))
op.create_table("items", sa.Column("id", sa.Integer, primary_key=True), sa.Column("order_id", sa.Integer),
                sa.Column("customer_id", sa.Integer), sa.Column("label", sa.Text))
op.create_table("old_stuff", sa.Column("id", sa.Integer, primary_key=True))
op.create_table("renamable", sa.Column("id", sa.Integer, primary_key=True))
op.create_table("logs", sa.Column("id", sa.Integer, primary_key=True), sa.Column("msg", sa.Text))
op.create_table("people", sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.Text))
op.create_index("ix_people_email", "people", ["email"])
op.execute("INSERT INTO orders (note, qty, status) SELECT 'n' || g, g, 'new' FROM generate_series(1, 50) g")
op.execute("INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 20) g")
op.execute("INSERT INTO items (order_id, customer_id, label) SELECT g, g % 20 + 1, 'i' FROM generate_series(1, 50) g")
op.execute("INSERT INTO logs (msg) SELECT 'm' FROM generate_series(1, 10) g")
op.execute("INSERT INTO people (email) SELECT 'p' || g FROM generate_series(1, 10) g")
"""

HELPERS = """
from alembic import op
import sqlalchemy as sa


def add_audit_column(table):
    op.add_column(table, sa.Column("audited_at", sa.DateTime))
"""

# name -> upgrade() body; revision i+1 (revision 0 is SETUP)
OPS = {
    "create_index": 'op.create_index("ix_orders_qty", "orders", ["qty"])',
    "create_index_concurrently": """
        with op.get_context().autocommit_block():
            op.create_index("ix_orders_note", "orders", ["note"], postgresql_concurrently=True)""",
    "add_column_nullable": 'op.add_column("orders", sa.Column("extra", sa.Text))',
    "add_column_not_null_constant_default":
        'op.add_column("orders", sa.Column("flag", sa.Integer, nullable=False, server_default="0"))',
    "add_column_volatile_default":
        'op.add_column("orders", sa.Column("seen", sa.DateTime, server_default=sa.text("clock_timestamp()")))',
    "alter_type_varchar_to_text": 'op.alter_column("orders", "note", type_=sa.Text, existing_type=sa.String(10))',
    "alter_type_int_to_bigint": 'op.alter_column("orders", "qty", type_=sa.BigInteger, existing_type=sa.Integer)',
    "add_foreign_key": 'op.create_foreign_key("fk_items_order", "items", "orders", ["order_id"], ["id"])',
    "add_foreign_key_not_valid": 'op.create_foreign_key("fk_items_customer", "items", "customers", ["customer_id"], '
                                 '["id"], postgresql_not_valid=True)',
    "validate_constraint": 'op.execute("ALTER TABLE items VALIDATE CONSTRAINT fk_items_customer")',
    "set_not_null": 'op.alter_column("orders", "status", nullable=False, existing_type=sa.Text)',
    "check_not_valid_then_validate": """
        op.execute("ALTER TABLE customers ADD CONSTRAINT ck_name_nn CHECK (name IS NOT NULL) NOT VALID")
        op.execute("ALTER TABLE customers VALIDATE CONSTRAINT ck_name_nn")""",
    "set_not_null_with_check": 'op.alter_column("customers", "name", nullable=False, existing_type=sa.Text)',
    "rename_column": 'op.alter_column("customers", "name", new_column_name="full_name")',
    "rename_table": 'op.rename_table("renamable", "renamed")',
    "drop_column": 'op.drop_column("orders", "extra")',
    "drop_table": 'op.drop_table("old_stuff")',
    "drop_index": 'op.drop_index("ix_people_email", table_name="people")',
    "enum_add_value": """
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE mood ADD VALUE 'c'")""",
    "unique_constraint": 'op.create_unique_constraint("uq_people_email", "people", ["email"])',
    "check_constraint": 'op.create_check_constraint("ck_orders_qty", "orders", "qty >= 0")',
    "truncate": 'op.execute("TRUNCATE logs")',
    "batch_alter_table": """
        with op.batch_alter_table("customers") as batch:
            batch.add_column(sa.Column("vip", sa.Boolean))""",
    "raw_sql_update": """op.execute("UPDATE orders SET status = 'old' WHERE id = 1")""",
    "helper_function": """
        import migration_helpers
        migration_helpers.add_audit_column("items")""",
    "failing_upgrade": """
        op.add_column("items", sa.Column("weight", sa.Integer))
        op.execute("SELECT 1 / 0")""",
}
NAMES = list(OPS)


def rev(name: str) -> str:
    return revision_id(NAMES.index(name) + 1)


@pytest.fixture(scope="module")
def traced(tmp_path_factory, pg_admin_url):
    root = make_project(tmp_path_factory.mktemp("ops"), [SETUP, *OPS.values()], helpers=HELPERS)
    project = load(root)
    with open_sandbox(None, db_url=pg_admin_url, dialect="postgresql") as sandbox:
        trace = trace_revisions(project, sandbox, [rev(n) for n in NAMES])
    return root, trace


def statements(traced, name):
    return traced[1].revisions[rev(name)].statements


def only(traced, name):
    found = statements(traced, name)
    assert len(found) == 1, found
    return found[0]


def modes(stmt, relation):
    return {lock.mode for lock in stmt.locks if lock.relation == relation}


def strongest(stmt, relation):
    found = sorted(modes(stmt, relation), key=rank)
    return found[-1] if found else None


def test_every_revision_is_traced_and_the_setup_revision_is_left_out(traced):
    _, trace = traced
    assert set(trace.revisions) == {rev(n) for n in NAMES}
    assert trace.server_version
    assert trace.note is None


def test_create_index_takes_share_and_reads_the_table(traced):
    stmt = only(traced, "create_index")
    assert modes(stmt, "orders") == {"SHARE"}
    assert all(lock.existed for lock in stmt.locks if lock.relation == "orders")
    index = [lock for lock in stmt.locks if lock.relation == "ix_orders_qty"]
    assert index and not index[0].existed and index[0].kind == "index" and index[0].table == "orders"
    assert stmt.rewrites == ()
    assert "orders" in stmt.scans


def test_create_index_concurrently_is_sampled_with_share_update_exclusive(traced):
    stmt = only(traced, "create_index_concurrently")
    assert stmt.autocommit
    locks = [lock for lock in stmt.locks if lock.relation == "orders"]
    assert {lock.mode for lock in locks} == {"SHARE UPDATE EXCLUSIVE"}
    assert all(lock.observed == "sampled" for lock in locks)


def test_add_nullable_column_takes_access_exclusive_without_rewrite(traced):
    stmt = only(traced, "add_column_nullable")
    assert modes(stmt, "orders") == {"ACCESS EXCLUSIVE"}
    assert stmt.rewrites == () and stmt.scans == ()


def test_add_not_null_column_with_constant_default_does_not_rewrite(traced):
    stmt = only(traced, "add_column_not_null_constant_default")
    assert modes(stmt, "orders") == {"ACCESS EXCLUSIVE"}
    assert "orders" not in stmt.rewrites


def test_add_column_with_volatile_default_rewrites(traced):
    stmt = only(traced, "add_column_volatile_default")
    assert "ACCESS EXCLUSIVE" in modes(stmt, "orders")
    assert "orders" in stmt.rewrites


def test_varchar_to_text_does_not_rewrite(traced):
    stmt = only(traced, "alter_type_varchar_to_text")
    assert "ACCESS EXCLUSIVE" in modes(stmt, "orders")
    assert "orders" not in stmt.rewrites


def test_int_to_bigint_rewrites(traced):
    stmt = only(traced, "alter_type_int_to_bigint")
    assert "ACCESS EXCLUSIVE" in modes(stmt, "orders")
    assert "orders" in stmt.rewrites


def test_foreign_key_takes_share_row_exclusive_on_both_tables_and_scans(traced):
    stmt = only(traced, "add_foreign_key")
    assert strongest(stmt, "items") == "SHARE ROW EXCLUSIVE"
    assert "ACCESS SHARE" in modes(stmt, "items")  # the validating query reads it
    assert "SHARE ROW EXCLUSIVE" in modes(stmt, "orders")
    assert "items" in stmt.scans


def test_foreign_key_not_valid_does_not_scan(traced):
    stmt = only(traced, "add_foreign_key_not_valid")
    assert strongest(stmt, "items") == "SHARE ROW EXCLUSIVE"
    assert "SHARE ROW EXCLUSIVE" in modes(stmt, "customers")
    assert stmt.scans == ()


def test_validate_constraint_takes_share_update_exclusive(traced):
    stmt = only(traced, "validate_constraint")
    assert strongest(stmt, "items") == "SHARE UPDATE EXCLUSIVE"
    assert "items" in stmt.scans
    assert "ACCESS EXCLUSIVE" not in modes(stmt, "customers")


def test_set_not_null_scans_under_access_exclusive(traced):
    stmt = only(traced, "set_not_null")
    assert modes(stmt, "orders") == {"ACCESS EXCLUSIVE"}
    assert "orders" in stmt.scans and "orders" not in stmt.rewrites


def test_set_not_null_after_a_validated_check_does_not_scan(traced):
    add, validate = statements(traced, "check_not_valid_then_validate")
    assert modes(add, "customers") == {"ACCESS EXCLUSIVE"} and add.scans == ()
    assert modes(validate, "customers") == {"SHARE UPDATE EXCLUSIVE"}  # its own mode, next to the AE held
    assert "customers" in validate.scans
    set_not_null = only(traced, "set_not_null_with_check")
    assert modes(set_not_null, "customers") == {"ACCESS EXCLUSIVE"}
    assert set_not_null.scans == ()


@pytest.mark.parametrize("name, table", [("rename_column", "customers"), ("rename_table", "renamable"),
                                         ("drop_column", "orders"), ("drop_table", "old_stuff"),
                                         ("drop_index", "people"), ("unique_constraint", "people"),
                                         ("check_constraint", "orders"), ("batch_alter_table", "customers")])
def test_access_exclusive_without_rewrite(traced, name, table):
    stmt = only(traced, name)
    locks = [lock for lock in stmt.locks if lock.relation == table]
    assert "ACCESS EXCLUSIVE" in {lock.mode for lock in locks}
    assert all(lock.existed for lock in locks)
    assert table not in stmt.rewrites


def test_constraints_that_check_rows_scan(traced):
    assert "people" in only(traced, "unique_constraint").scans
    assert "orders" in only(traced, "check_constraint").scans
    assert only(traced, "rename_column").scans == ()


def test_drop_index_locks_the_index_too(traced):
    stmt = only(traced, "drop_index")
    index = [lock for lock in stmt.locks if lock.relation == "ix_people_email"]
    assert index and index[0].mode == "ACCESS EXCLUSIVE" and index[0].existed and index[0].kind == "index"


def test_enum_add_value_locks_no_table(traced):
    stmt = only(traced, "enum_add_value")
    assert stmt.autocommit and "ADD VALUE" in stmt.sql
    assert not [lock for lock in stmt.locks if lock.kind == "table"]


def test_truncate_rewrites(traced):
    stmt = only(traced, "truncate")
    assert "ACCESS EXCLUSIVE" in modes(stmt, "logs")
    assert "logs" in stmt.rewrites
    assert traced[1].revisions[rev("truncate")].rows == {"logs": 10}


def test_raw_sql_update_takes_row_exclusive(traced):
    stmt = only(traced, "raw_sql_update")
    assert modes(stmt, "orders") == {"ROW EXCLUSIVE"}


def test_rows_are_counted_for_existing_tables_the_revision_locked(traced):
    assert traced[1].revisions[rev("set_not_null")].rows == {"orders": 50}
    assert traced[1].revisions[rev("add_foreign_key")].rows == {"items": 50, "orders": 50}


def test_helper_function_statement_is_attributed_to_the_calling_line(traced):
    root, _ = traced
    stmt = only(traced, "helper_function")
    assert "ACCESS EXCLUSIVE" in modes(stmt, "items")
    assert stmt.line == line_of(root, NAMES.index("helper_function") + 1, "migration_helpers.add_audit_column")


def test_statement_lines_point_into_the_revision_file(traced):
    root, trace = traced
    i = NAMES.index("check_not_valid_then_validate") + 1
    add, validate = statements(traced, "check_not_valid_then_validate")
    assert add.line == line_of(root, i, "ADD CONSTRAINT ck_name_nn")
    assert validate.line == line_of(root, i, "VALIDATE CONSTRAINT ck_name_nn")
    assert add.line != validate.line
    i = NAMES.index("create_index") + 1
    assert only(traced, "create_index").line == line_of(root, i, "op.create_index")
    assert trace.revisions[rev("create_index")].path == f"migrations/versions/{rev('create_index')}_rev{i}.py"


def test_failed_upgrade_is_traced_up_to_the_failing_statement(traced):
    revision = traced[1].revisions[rev("failing_upgrade")]
    assert not revision.complete
    add, fail = revision.statements
    assert add.ok and "ACCESS EXCLUSIVE" in modes(add, "items")
    assert not fail.ok and "1 / 0" in fail.sql
