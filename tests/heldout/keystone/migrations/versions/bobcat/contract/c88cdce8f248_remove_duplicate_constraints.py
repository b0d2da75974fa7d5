# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Remove duplicate constraints.

Revision ID: c88cdce8f248
Revises: 99de3849d860
Create Date: 2023-03-15 13:17:44.060715
"""

from alembic import op
from sqlalchemy.engine import reflection


# revision identifiers, used by Alembic.
revision = 'c88cdce8f248'
down_revision = '99de3849d860'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()

    # This only affects MySQL - PostgreSQL and SQLite were smart enough to
    # ignore the duplicate constraints
    if bind.engine.name != 'mysql':
        return

    # (comment truncated for the held-out test)
    inspector = reflection.Inspector.from_engine(bind)
    indexes = inspector.get_indexes('project_tag')

    index_name = None
    for index in indexes:
        if index['column_names'] == ['project_id', 'name']:
            index_name = index['name']
            break
    else:
        # This should never happen *but* we silently ignore it since there's no
        # need to break user's upgrade flow, even if they've borked something
        return

    with op.batch_alter_table('project_tag', schema=None) as batch_op:
        batch_op.drop_index(index_name)
