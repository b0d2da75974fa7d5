from sqlalchemy import Column, ForeignKey, Integer, Table

from app.tables import metadata_obj

invoices = Table(
    "invoices",
    metadata_obj,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id")),
)
