# case: dialect=postgresql server-version=16
# Held-out: raw SQL written the way the squawk and strong_migrations docs write it, WRONG and CORRECT.
from alembic import op

revision = "hsq"
down_revision = None


def upgrade():
    # WRONG
    op.execute('CREATE INDEX "field_name_idx" ON "table_name" ("field_name");')  # expect: AG401
    op.execute('ALTER TABLE "core_recipe" ALTER COLUMN "foo" SET NOT NULL;')  # expect: AG407
    op.execute('ALTER TABLE "app_user" ALTER COLUMN "id" TYPE bigint;')  # expect: AG403
    op.execute(  # expect: AG404
        'ALTER TABLE "core_bar" ADD CONSTRAINT "core_bar_foo_id_fk" FOREIGN KEY ("foo_id") '
        'REFERENCES "core_foo" ("id") DEFERRABLE INITIALLY DEFERRED;'
    )
    op.execute('ALTER TABLE "accounts" ADD CONSTRAINT "positive_balance" CHECK ("balance" >= 0);')  # expect: AG409
    op.execute("ALTER TABLE distributors ADD CONSTRAINT dist_id_zipcode_key UNIQUE (dist_id, zipcode);")  # expect: AG408
    op.execute("ALTER TABLE foo ADD COLUMN bar uuid NOT NULL DEFAULT gen_random_uuid();")  # expect: AG406
    op.execute("ALTER TABLE account ADD COLUMN plan text NOT NULL;")  # expect: AG405

    # CORRECT
    op.execute('ALTER TABLE "core_recipe" ADD COLUMN "foo" integer DEFAULT 10 NOT NULL;')
    op.execute('ALTER TABLE "core_recipe" ADD COLUMN "created" timestamptz DEFAULT now() NOT NULL;')
    # NOT VALID + VALIDATE are the right pair, but squawk (constraint-missing-not-valid) flags them
    # in one transaction: the ADD's lock is held while VALIDATE scans. Split by a COMMIT here.
    op.execute(
        'ALTER TABLE "core_bar" ADD CONSTRAINT "core_bar_baz_id_fk" FOREIGN KEY ("baz_id") '
        'REFERENCES "core_baz" ("id") NOT VALID;'
    )
    op.execute('ALTER TABLE "accounts" ADD CONSTRAINT "limit_ok" CHECK ("limit" >= 0) NOT VALID;')
    op.execute("COMMIT;")
    op.execute('ALTER TABLE "core_bar" VALIDATE CONSTRAINT "core_bar_baz_id_fk";')
    op.execute('ALTER TABLE "accounts" VALIDATE CONSTRAINT "limit_ok";')
    with op.get_context().autocommit_block():
        op.execute('CREATE INDEX CONCURRENTLY "other_idx" ON "table_name" ("other");')
        op.execute("CREATE UNIQUE INDEX CONCURRENTLY dist_temp_idx ON distributors (dist_id, name);")
        op.execute('DROP INDEX CONCURRENTLY IF EXISTS "old_idx";')
    op.execute("ALTER TABLE distributors ADD CONSTRAINT dist_name_key UNIQUE USING INDEX dist_temp_idx;")
    op.execute("CREATE TABLE widgets (id bigint PRIMARY KEY, name text NOT NULL);")
    op.execute("CREATE INDEX widgets_name_idx ON widgets (name);")  # new table: no one waits on it
    op.execute("ALTER TABLE widgets ADD CONSTRAINT widgets_name_key UNIQUE (name);")
