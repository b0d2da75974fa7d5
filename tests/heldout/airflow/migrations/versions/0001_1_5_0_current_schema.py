#
# Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements.  See the NOTICE file
# distributed with this work for additional information
# regarding copyright ownership.  The ASF licenses this file
# to you under the Apache License, Version 2.0 (the
# "License"); you may not use this file except in compliance
# with the License.  You may obtain a copy of the License at
#
#   http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing,
# software distributed under the License is distributed on an
# "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY
# KIND, either express or implied.  See the License for the
# specific language governing permissions and limitations
# under the License.
"""current schema

Revision ID: e3a246e0dc1
Revises:
Create Date: 2015-08-18 16:35:00.883495

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import func, inspect

from airflow.migrations.db_types import StringID

# revision identifiers, used by Alembic.
revision = "e3a246e0dc1"
down_revision = None
branch_labels = None
depends_on = None
airflow_version = "1.5.0"


def upgrade():
    conn = op.get_bind()
    inspector = inspect(conn)
    tables = inspector.get_table_names()

    if "connection" not in tables:
        op.create_table(
            "connection",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("conn_id", StringID(), nullable=True),
            sa.Column("conn_type", sa.String(length=500), nullable=True),
            sa.Column("host", sa.String(length=500), nullable=True),
            sa.Column("password", sa.String(length=500), nullable=True),
            sa.Column("port", sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
    if "job" not in tables:
        op.create_table(
            "job",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("dag_id", sa.String(length=250), nullable=True),
            sa.Column("state", sa.String(length=20), nullable=True),
            sa.Column("job_type", sa.String(length=30), nullable=True),
            sa.Column("latest_heartbeat", sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("job_type_heart", "job", ["job_type", "latest_heartbeat"], unique=False)
    if "xcom" not in tables:
        op.create_table(
            "xcom",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("key", StringID(length=512), nullable=True),
            sa.Column("value", sa.PickleType(), nullable=True),
            sa.Column("timestamp", sa.DateTime(), default=func.now, nullable=False),
            sa.Column("execution_date", sa.DateTime(), nullable=False),
            sa.Column("task_id", StringID(), nullable=False),
            sa.Column("dag_id", StringID(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    # (body truncated for the held-out test: more tables upstream)


def downgrade():
    op.drop_index("job_type_heart", table_name="job")
    op.drop_table("job")
    op.drop_table("connection")
    op.drop_table("xcom")
