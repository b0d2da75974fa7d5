import sqlalchemy as sa

metadata_obj = sa.MetaData()

users = sa.Table(
    "users",
    metadata_obj,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200), nullable=False),
)
