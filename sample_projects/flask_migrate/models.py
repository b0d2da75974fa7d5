"""The application's models, on Flask-SQLAlchemy's `db.Model`."""

from app import db


class User(db.Model):
    __tablename__ = "user_account"

    id = db.Column(db.BigInteger, primary_key=True)
    email = db.Column(db.Text, nullable=False)
    name = db.Column(db.Text)
