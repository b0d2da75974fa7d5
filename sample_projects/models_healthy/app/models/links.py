from sqlalchemy import Column, ForeignKey, Table

from app.db import Base

tag_links = Table(
    "tag_links",
    Base.metadata,
    Column("person_id", ForeignKey("person.id"), primary_key=True),
    Column("team_id", ForeignKey("team.id"), primary_key=True),
)
