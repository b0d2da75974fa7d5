from alembic import op

revision = "a414b"
down_revision = None


def upgrade():
    op.drop_index("ix_workflow_data_parent", table_name="workflow_data")  # the table goes next: no finding
    op.drop_table("workflow_data")
    op.drop_index("ix_workflow_label", table_name="workflow")  # expect: AG414


def downgrade():
    pass
