"""Messages name what they are about, or describe it; never "`?`" for an object the revision does not name
(issue 13: "INSERT on `?`")."""

from __future__ import annotations

from alembic_guard.testing import check_source

IMPORTED_TABLE = '''from alembic import op
import sqlalchemy as sa
from app.tables import users


def upgrade():
    op.execute(users.update().values(active=True))
    orders = sa.table("orders", sa.column("id"))
    op.execute(orders.insert().values(id=1))
'''


def test_ag420_describes_a_table_object_built_elsewhere_and_names_a_visible_one():
    found = {f.location.line: f.message for f in check_source(IMPORTED_TABLE, ("AG420",))}
    assert set(found) == {7, 9}
    assert "a table whose name is not visible in the revision" in found[7]
    assert found[9].startswith("INSERT on `orders`")
    assert all("`?`" not in message for message in found.values())


def test_no_operation_message_on_the_dangerous_sample_shows_a_question_mark(samples):
    from alembic_guard import api, settings

    report = api.check(settings.load(samples / "dangerous_ops_postgres", select=("AG4",)))
    assert report.findings
    assert not [f.message for f in report.findings if "`?`" in f.message]
