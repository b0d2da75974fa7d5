"""Our own SQL cases for every squawk rule alembic-guard maps (docs/squawk-comparison.md).

Each case: (squawk rule, alembic-guard code, SQL run through `op.execute` in one revision's
`upgrade()`, whether alembic-guard must flag it). Written for this repository (not squawk's test
files). `tests/ops/test_squawk_parity.py` checks our side; `benchmarks/squawk_parity.py` runs
squawk on the same SQL and reports where the two agree.

The statements run on existing tables (`orders`, `users`, ...). Where a case needs the statement
outside the migration's transaction, its SQL starts with `COMMIT;`, as an Alembic revision would
write it (or use `autocommit_block()`).
"""

from __future__ import annotations

LONG_ASCII = "ix_" + "a" * 61  # 64 bytes
LONG_BYTES = "ix_" + "é" * 31  # 34 characters, 65 bytes

CASES: list[tuple[str, str, str, bool]] = [
    # adding-field-with-default
    ("adding-field-with-default", "AG406", "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", True),
    ("adding-field-with-default", "AG406", "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();", True),
    ("adding-field-with-default", "AG406", "ALTER TABLE orders ADD COLUMN qty integer DEFAULT 10;", False),
    ("adding-field-with-default", "AG406", "ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now();", False),
    ("adding-field-with-default", "AG406", "ALTER TABLE orders ADD COLUMN at timestamp DEFAULT localtimestamp;", False),
    # adding-foreign-key-constraint
    ("adding-foreign-key-constraint", "AG404", "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);", True),
    ("adding-foreign-key-constraint", "AG404", "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;", False),
    ("adding-foreign-key-constraint", "AG404", "ALTER TABLE orders ADD COLUMN shop_id bigint REFERENCES shops (id);", True),
    # adding-not-nullable-field
    ("adding-not-nullable-field", "AG407", "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;", True),
    ("adding-not-nullable-field", "AG407",
     "ALTER TABLE orders ADD CONSTRAINT orders_email_nn CHECK (email IS NOT NULL) NOT VALID; COMMIT; "
     "ALTER TABLE orders VALIDATE CONSTRAINT orders_email_nn; ALTER TABLE orders ALTER COLUMN note SET NOT NULL;", True),
    ("adding-not-nullable-field", "AG407",
     "ALTER TABLE orders ADD CONSTRAINT orders_email_nn CHECK (email IS NOT NULL) NOT VALID; COMMIT; "
     "ALTER TABLE orders VALIDATE CONSTRAINT orders_email_nn; ALTER TABLE orders ALTER COLUMN email SET NOT NULL;", False),
    # adding-required-field
    ("adding-required-field", "AG405", "ALTER TABLE orders ADD COLUMN region text NOT NULL;", True),
    ("adding-required-field", "AG405", "ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';", False),
    ("adding-required-field", "AG405", "ALTER TABLE orders ADD COLUMN region text;", False),
    # adding-serial-primary-key-field
    ("adding-serial-primary-key-field", "AG408", "ALTER TABLE orders ADD COLUMN id serial PRIMARY KEY;", True),
    ("adding-serial-primary-key-field", "AG408", "ALTER TABLE orders ADD CONSTRAINT orders_pk PRIMARY KEY USING INDEX orders_id_idx;", False),
    # disallowed-unique-constraint
    ("disallowed-unique-constraint", "AG408", "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);", True),
    ("disallowed-unique-constraint", "AG408", "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_idx;", False),
    # ban-concurrent-index-creation-in-transaction (Alembic runs upgrade() in a transaction)
    ("ban-concurrent-index-creation-in-transaction", "AG402", "CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);", True),
    ("ban-concurrent-index-creation-in-transaction", "AG402", "COMMIT; CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);", False),
    # require-concurrent-index-creation
    ("require-concurrent-index-creation", "AG401", "CREATE INDEX orders_code_idx ON orders (code);", True),
    ("require-concurrent-index-creation", "AG401", "COMMIT; CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);", False),
    ("require-concurrent-index-creation", "AG401", "CREATE TABLE widgets (id bigint PRIMARY KEY, name text); CREATE INDEX widgets_name_idx ON widgets (name);", False),
    # require-concurrent-index-deletion
    ("require-concurrent-index-deletion", "AG414", "DROP INDEX orders_code_idx;", True),
    ("require-concurrent-index-deletion", "AG414", "COMMIT; DROP INDEX CONCURRENTLY IF EXISTS orders_code_idx;", False),
    # require-concurrent-reindex (squawk) / plain REINDEX
    ("require-concurrent-reindex", "AG401", "REINDEX INDEX orders_code_idx;", True),
    ("require-concurrent-reindex", "AG401", "REINDEX (CONCURRENTLY false) TABLE orders;", True),
    ("require-concurrent-reindex", "AG401", "COMMIT; REINDEX INDEX CONCURRENTLY orders_code_idx;", False),
    ("ban-concurrent-index-creation-in-transaction", "AG402", "REINDEX (CONCURRENTLY false) TABLE orders;", False),
    # changing-column-type
    ("changing-column-type", "AG403", "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;", True),
    ("changing-column-type", "AG403", "ALTER TABLE orders ALTER COLUMN created TYPE timestamptz;", True),
    # constraint-missing-not-valid
    ("constraint-missing-not-valid", "AG409", "ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total > 0);", True),
    ("constraint-missing-not-valid", "AG409", "ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total > 0) NOT VALID;", False),
    ("constraint-missing-not-valid", "AG409",
     "ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total > 0) NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT orders_total_pos;", True),
    ("constraint-missing-not-valid", "AG404",
     "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;", True),
    ("constraint-missing-not-valid", "AG404",
     "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID; COMMIT; ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;", False),
    # ban-drop-column / ban-drop-table / renaming-*
    ("ban-drop-column", "AG410", "ALTER TABLE orders DROP COLUMN legacy_code;", True),
    ("ban-drop-table", "AG411", "DROP TABLE legacy_orders;", True),
    ("ban-drop-table", "AG411", "CREATE TABLE scratch (id int); DROP TABLE scratch;", False),
    ("renaming-column", "AG412", "ALTER TABLE orders RENAME COLUMN code TO reference;", True),
    ("renaming-table", "AG413", "ALTER TABLE orders RENAME TO purchases;", True),
    # identifier-too-long (bytes, not characters)
    ("identifier-too-long", "AG426", f"COMMIT; CREATE INDEX CONCURRENTLY {LONG_ASCII} ON orders (code);", True),
    ("identifier-too-long", "AG426", f"COMMIT; CREATE INDEX CONCURRENTLY {LONG_BYTES} ON orders (code);", True),
    ("identifier-too-long", "AG426", "COMMIT; CREATE INDEX CONCURRENTLY ix_orders_code ON orders (code);", False),
    # ban-truncate-cascade
    ("ban-truncate-cascade", "AG420", "TRUNCATE orders CASCADE;", True),
    # prefer-* type preferences (preview rules)
    ("prefer-text-field", "AG418", "ALTER TABLE orders ADD COLUMN label varchar(40);", True),
    ("prefer-text-field", "AG418", "ALTER TABLE orders ADD COLUMN label text;", False),
    ("prefer-timestamptz", "AG419", "ALTER TABLE orders ADD COLUMN shipped_at timestamp;", True),
    ("prefer-timestamptz", "AG419", "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;", False),
    # bind parameters and SQLite pragmas are read, not reported as unanalysed SQL
    ("syntax-error", "AG421", "UPDATE orders SET region = :region WHERE region IS NULL;", False),
    ("syntax-error", "AG421", "UPDATE orders SET region = %(region)s WHERE region IS NULL;", False),
    ("syntax-error", "AG421", "SELEC 1;", True),
]


def revision_source(sql: str) -> str:
    return (
        "from alembic import op\n\n"
        'revision = "sq1"\ndown_revision = None\n\n\n'
        f"def upgrade():\n    op.execute({sql!r})\n\n\n"
        "def downgrade():\n    pass\n"
    )
